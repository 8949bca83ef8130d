// The NE-1000 machine's delivery port over the rig's controller. Every NE run is a prescription
// of the bench drug (water) committed through controller.program(), so the drug library's hard
// limits, the dose guard's allowance, the reservoir check and every alarm apply to it as to one
// from a clinician: a volume target is a trial with one dose of that volume at the asked rate
// (the engine stops it to the microstep, with no timer of its own here), no target is a
// continuous rate. Why this and not a clinician bolus: docs/ne1000.md.

import type { PumpControl } from '../pump-control';
import type { AlarmName } from '../../core/alarms';
import { ALARMS } from '../../core/alarms';
import type { PumpError } from '../../core/errors';
import { MAX_VOLUME_NL } from '../../core/prescription';
import { MS_PER_DAY } from '../../core/units';
import type { NeDelivery, NeLimits, PumpView, Refusal } from './machine';

/** The library entry NE-1000 mode may run, and nothing else: water on the bench. */
export const BENCH_DRUG = 'water-bench';

/** The shortest dose the prescription format takes (prescription.ts, MIN_BOLUS_MS). */
const MIN_DOSE_MS = 1_000;

/** Errors that mean "out of range" to an NE client; any other refusal is "not applicable". */
const OUT_OF_RANGE = new Set([103, 116, 122]);

/**
 * The prescription of one NE run. A volume target is one trial dose over the time the rate
 * takes (at least 1 s); no target is a continuous rate. Undefined for a dose longer than a day.
 */
export function benchPrescription(rateNlPerDay: number, volumeNl: number, label: string, concentrationUgPerMl: number): Record<string, unknown> | undefined {
  const drug = { name: BENCH_DRUG, concentrationUgPerMl };
  const name = label.slice(0, 32);
  if (volumeNl === 0) return { name, drug, mode: 'continuous', rateNlPerDay };
  const durationMs = Math.max(MIN_DOSE_MS, Math.ceil((volumeNl * MS_PER_DAY) / rateNlPerDay));
  if (durationMs > MS_PER_DAY) return undefined;
  return { name, drug, mode: 'trial', trial: { doses: [{ atMs: 0, volumeNl, durationMs }] } };
}

/**
 * The prescription a board in NE-1000 mode is loaded with when none is given: water at 1 mL/h,
 * held stopped by the mode until a client says RUN (the virtual board's `--ne1000`).
 */
export const NE1000_LOADED = benchPrescription(24_000_000, 0, 'NE loaded', 1_000_000)!;

export class ControllerDelivery implements NeDelivery {
  readonly #c: PumpControl;

  constructor(controller: PumpControl) {
    this.#c = controller;
  }

  view(): PumpView {
    const s = this.#c.status();
    const alarms = s.alarms.filter((a) => ALARMS[a.name as AlarmName]?.stopsDelivery === true).map((a) => ({ name: a.name, sinceMs: a.sinceMs }));
    const microstepNl = this.#c.pump.mechanics.flPerMicrostep / 1_000_000;
    return { state: s.state, delivering: s.state === 'running' && s.totalRateNlPerDay > 0, deliveredNl: s.deliveredNl, microstepNl, alarms };
  }

  #entry() {
    return this.#c.pump.library.drugs.find((d) => d.name === BENCH_DRUG);
  }

  limits(): NeLimits {
    const entry = this.#entry();
    const m = this.#c.pump.mechanics;
    // nl/day the motor can drive: steps a second times the volume of a step (fl), a day long.
    const mechanicsMax = Math.floor((m.maxStepHz * m.flPerMicrostep * 86_400) / 1_000_000);
    const rate = entry ? Math.min(entry.hard.maxRateNlPerDay, mechanicsMax) : 0;
    const conc = entry?.concentrationsUgPerMl[0] ?? 1;
    const volume = entry ? Math.min(MAX_VOLUME_NL, Math.floor((entry.hard.maxBolusUg * 1_000_000) / conc)) : 0;
    return { maxRateNlPerDay: rate, maxVolumeNl: volume, purgeRateNlPerDay: rate };
  }

  start(rateNlPerDay: number, volumeNl: number, label: string): Refusal | undefined {
    const entry = this.#entry();
    if (!entry || entry.concentrationsUgPerMl.length === 0) return { error: 'NA', why: `the drug library has no ${BENCH_DRUG}` };
    const rx = benchPrescription(rateNlPerDay, volumeNl, label, entry.concentrationsUgPerMl[0]!);
    if (!rx) return { error: 'OOR', why: 'the dispense would take more than a day' };
    // Hard limits hold; soft limits and the ten-fold confirmation are what the service role
    // confirmed by turning the mode on, for this one drug (docs/ne1000.md).
    const r = this.#c.program(rx, { overrideSoftLimits: true, confirmLargeIncrease: true });
    if (!r.ok) return refusal(r.error);
    if (this.#c.pump.state !== 'running') {
      // Accepted but held (an alarm, the reservoir's contents): nothing may start later by itself.
      const why = this.#c.status().why;
      this.#c.pause();
      return { error: 'NA', why: why || `delivery is ${this.#c.pump.state}` };
    }
    return undefined;
  }

  stop(): void {
    const state = this.#c.pump.state;
    if (state === 'running' || state === 'alarm') this.#c.pause();
  }
}

function refusal(e: PumpError): Refusal {
  return { error: OUT_OF_RANGE.has(e.code) ? 'OOR' : 'NA', why: `E${e.code} ${e.message}` };
}
