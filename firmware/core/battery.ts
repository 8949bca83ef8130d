// Battery: coulomb counting for the charge left (idle current plus a charge per microstep),
// the projected time to the elective replacement indicator (ERI) for the running
// prescription, and voltage thresholds for ERI and end of service (EOS), each debounced over
// consecutive readings so one noisy ADC sample raises nothing.

import { MS_PER_DAY, MS_PER_HOUR } from './units';

export interface BatteryConfig {
  readonly capacityMah: number;
  /** Controller, driver and sensors with the motor idle (uA). */
  readonly idleMicroA: number;
  /** Charge one microstep costs (uC). */
  readonly microCoulombPerMicrostep: number;
  /** Charge kept in reserve after ERI, in percent of capacity. */
  readonly eriReservePercent: number;
  readonly eriMillivolts: number;
  readonly eosMillivolts: number;
  /** Consecutive low readings needed. */
  readonly consecutive: number;
}

/**
 * A 2.6 Ah lithium thionyl chloride primary cell (AA bobbin type), like an implant's primary
 * lithium cell: flat near 3.6 V for most of its life, so ERI comes from the counted charge (10%
 * left) or the knee (3.4 V); end of service at 3.1 V, past the knee. Idle 1 mA (an ESP32 in
 * light sleep between timer wake-ups plus sensors), 500 uC per microstep (1 A for 0.5 ms).
 */
export const DEFAULT_BATTERY: BatteryConfig = {
  capacityMah: 2_600,
  idleMicroA: 1_000,
  microCoulombPerMicrostep: 500,
  eriReservePercent: 10,
  eriMillivolts: 3_400,
  eosMillivolts: 3_100,
  consecutive: 3,
};

export type BatteryVerdict = 'ok' | 'eri' | 'eos';

const UC_PER_MAH = 3_600_000; // 1 mAh = 3.6 C

export class BatteryMonitor {
  readonly config: BatteryConfig;
  /** Charge used so far, uC. */
  usedMicroC = 0;
  #lowEri = 0;
  #lowEos = 0;
  #lastMs: number;

  constructor(now: number, config: BatteryConfig = DEFAULT_BATTERY) {
    this.config = config;
    this.#lastMs = now;
  }

  get capacityMicroC(): number {
    return this.config.capacityMah * UC_PER_MAH;
  }

  get remainingMicroC(): number {
    return Math.max(0, this.capacityMicroC - this.usedMicroC);
  }

  get reserveMicroC(): number {
    return (this.capacityMicroC * this.config.eriReservePercent) / 100;
  }

  /** Counts the charge of the idle time since the last call and of `microsteps` moved. */
  spend(now: number, microsteps: number): void {
    const dt = Math.max(0, now - this.#lastMs);
    this.#lastMs = now;
    this.usedMicroC += (this.config.idleMicroA * dt) / 1_000 + Math.abs(microsteps) * this.config.microCoulombPerMicrostep;
  }

  /** Average current (uA) at `microstepsPerDay`. */
  currentMicroA(microstepsPerDay: number): number {
    return this.config.idleMicroA + (microstepsPerDay * this.config.microCoulombPerMicrostep * 1_000) / MS_PER_DAY;
  }

  /** Milliseconds until the charge left reaches the ERI reserve (0 if it has). */
  msToEri(microstepsPerDay: number): number {
    const left = this.remainingMicroC - this.reserveMicroC;
    return left <= 0 ? 0 : Math.floor((left / this.currentMicroA(microstepsPerDay)) * 1_000);
  }

  /** Milliseconds from now until the charge is used up (the end of service in the model). */
  msToEmpty(microstepsPerDay: number): number {
    return Math.floor((this.remainingMicroC / this.currentMicroA(microstepsPerDay)) * 1_000);
  }

  /** One voltage reading: what the battery says now. */
  reading(millivolts: number): BatteryVerdict {
    const c = this.config;
    this.#lowEos = millivolts <= c.eosMillivolts ? this.#lowEos + 1 : 0;
    this.#lowEri = millivolts <= c.eriMillivolts ? this.#lowEri + 1 : 0;
    if (this.#lowEos >= c.consecutive) return 'eos';
    if (this.#lowEri >= c.consecutive || this.remainingMicroC <= this.reserveMicroC) return 'eri';
    return 'ok';
  }

  /** After a battery change: full charge again. */
  replaced(now: number): void {
    this.usedMicroC = 0;
    this.#lastMs = now;
    this.#lowEri = 0;
    this.#lowEos = 0;
  }
}

export function formatDays(ms: number): string {
  return `${(ms / MS_PER_DAY).toFixed(1)} days (${Math.round(ms / MS_PER_HOUR)} h)`;
}
