// The physics side of the rig's sensors: what an SF06 flow sensor, a load cell on the pusher
// and the battery would measure, as functions of the fluid line's state plus seeded noise.
// The device mocks (I2C frames, ADC, HX711) ask these for values; fault switches that belong
// to the device (unplugged, bad CRC, stuck) are plain booleans here for those mocks to apply.
// No Node APIs, no Math.random: noise comes from prng.ts so Node and XS agree bit for bit.

import type { FluidLine, LineMark } from './line';
import { deriveSeed, Prng } from './prng';
import type { FlowZeroErrors } from './sensor-flow-errors';
import { liquidTemperatureC, zeroErrorNlPerMin } from './sensor-flow-errors';

const MS_PER_HOUR = 3_600_000;

/** Seed streams (prng.ts deriveSeed), one per model, so one model's draws never shift another's. */
export const SEED_STREAM = { flow: 1, force: 2 } as const;

// ---------------------------------------------------------------------------------------------
// Flow sensor (Sensirion SLF3S-0600F, SF06 family)

/** What the SF06 device model asks for at each read. */
export interface FlowSourceReading {
  /** Flow the sensor reports, nl/min (noise and offsets included; the mock quantises it). */
  readonly flowNlPerMin: number;
  readonly temperatureC: number;
  /** Flag bit 0: air was in the sensor at some time since the last read. */
  readonly airInLine: boolean;
  /** Flag bit 1: the flow went beyond the sensor's range since the last read. */
  readonly highFlow: boolean;
}

/** What the fault schedule switches on the flow sensor. */
export interface FlowSensorFaults {
  setUnplugged(on: boolean): void;
  setCrcError(on: boolean): void;
  setStuck(on: boolean): void;
  /** Noise sigma at a 1 s averaging window, nl/min; undefined restores the default. */
  setNoise(sigmaNlPerMin: number | undefined): void;
  /** A fixed offset added to every reading, nl/min (0 removes it). */
  setOffset(nlPerMin: number): void;
}

/**
 * Defaults, and why (figures marked unverified are reasoning, not a datasheet quote):
 * - Noise 40 nl/min rms at 1 s. The SF06 reports the mean of its internal 2 kHz measurements
 *   since the last read-out (Sensirion's liquid flow kit guidelines: "internally averaged by the
 *   sensor until read out"), so white noise shrinks with the square root of the window; it is
 *   given at 1 s and scaled by sqrt(1 s / window). SLF3S-0600F repeatability near zero is a
 *   small fraction of its 2000 uL/min full scale, and its output step is 0.1 uL/min (raw / 10,
 *   domain.md): an rms below one 100 nl/min step at 1 Hz is the right order (unverified).
 * - Zero drift: a random walk of 10 nl/min per sqrt(hour), folded back into +/-50 nl/min (a
 *   thermal sensor's zero wanders with temperature and orientation; unverified magnitude). This
 *   is far kinder than the datasheets' bounds (0.25 % of full scale, 5 000 nl/min here, for the
 *   zero point; 0.025 % for its repeatability): `zeroErrors` (sensor-flow-errors.ts) gives a
 *   sensor drawn within those.
 * - Air: a thermal sensor calibrated for water moves far less heat with air, so it reads near
 *   zero while a bubble passes (airReadingFactor 0); the air flag says why.
 * - Full scale 2000 uL/min (SLF3S-0600F, domain.md); beyond it the high-flow flag.
 */
export const DEFAULT_FLOW_SENSOR = {
  noiseSigmaNlPerMin: 40,
  driftLimitNlPerMin: 50,
  driftNlPerMinPerSqrtHour: 10,
  fullScaleNlPerMin: 2_000_000,
  temperatureC: 23,
  airReadingFactor: 0,
  seed: 1,
} as const;

export interface FlowSensorModelOptions {
  readonly line: FluidLine;
  readonly seed?: number;
  readonly noiseSigmaNlPerMin?: number;
  readonly driftLimitNlPerMin?: number;
  readonly driftNlPerMinPerSqrtHour?: number;
  readonly fullScaleNlPerMin?: number;
  readonly temperatureC?: number;
  readonly airReadingFactor?: number;
  /**
   * Zero errors as the datasheet bounds them (sensor-flow-errors.ts draws them): a fixed offset,
   * a wander that replaces the default drift, and a zero that follows the liquid's temperature
   * (reported in the frame). Without them: the small default drift, at a constant temperature.
   */
  readonly zeroErrors?: FlowZeroErrors;
}

/** Folds x back into [-limit, limit] by reflection at both ends (a bounded random walk). */
export function reflectInto(x: number, limit: number): number {
  if (!(limit > 0)) return 0;
  const period = 4 * limit;
  const y = (((x + limit) % period) + period) % period;
  return y <= 2 * limit ? y - limit : 3 * limit - y;
}

export class FlowSensorModel implements FlowSensorFaults {
  readonly #line: FluidLine;
  readonly #prng: Prng;
  readonly #defaultSigma: number;
  readonly #driftLimit: number;
  readonly #driftStep: number;
  readonly fullScaleNlPerMin: number;
  readonly airReadingFactor: number;
  /** Liquid temperature reported (deg C); tests may change it. */
  temperatureC: number;

  readonly #zero: FlowZeroErrors | undefined;
  #sigma: number;
  #offset = 0;
  #drift: number;
  #mark: LineMark;
  #samples = 0;

  /** Device faults for the SF06 mock to apply: no ACK, corrupt CRC, the same frame forever. */
  unplugged = false;
  crcError = false;
  stuck = false;

  constructor(options: FlowSensorModelOptions) {
    const d = DEFAULT_FLOW_SENSOR;
    this.#line = options.line;
    this.#prng = new Prng(deriveSeed(options.seed ?? d.seed, SEED_STREAM.flow));
    this.#defaultSigma = options.noiseSigmaNlPerMin ?? d.noiseSigmaNlPerMin;
    this.#sigma = this.#defaultSigma;
    this.#zero = options.zeroErrors;
    this.#driftLimit = options.zeroErrors?.driftLimitNlPerMin ?? options.driftLimitNlPerMin ?? d.driftLimitNlPerMin;
    this.#driftStep = options.zeroErrors?.driftNlPerMinPerSqrtHour ?? options.driftNlPerMinPerSqrtHour ?? d.driftNlPerMinPerSqrtHour;
    this.fullScaleNlPerMin = options.fullScaleNlPerMin ?? d.fullScaleNlPerMin;
    this.temperatureC = options.temperatureC ?? d.temperatureC;
    this.airReadingFactor = options.airReadingFactor ?? d.airReadingFactor;
    // Each sensor starts with its own zero error, somewhere in the middle half of the band.
    this.#drift = (2 * this.#prng.next() - 1) * 0.5 * this.#driftLimit;
    this.#mark = this.#line.mark();
  }

  setUnplugged(on: boolean): void {
    this.unplugged = on;
  }
  setCrcError(on: boolean): void {
    this.crcError = on;
  }
  setStuck(on: boolean): void {
    this.stuck = on;
  }
  setNoise(sigmaNlPerMin: number | undefined): void {
    if (sigmaNlPerMin !== undefined && !(sigmaNlPerMin >= 0)) throw new RangeError(`noise sigma ${sigmaNlPerMin}`);
    this.#sigma = sigmaNlPerMin ?? this.#defaultSigma;
  }
  setOffset(nlPerMin: number): void {
    if (!Number.isFinite(nlPerMin)) throw new RangeError(`offset ${nlPerMin}`);
    this.#offset = nlPerMin;
  }

  get noiseSigmaNlPerMin(): number {
    return this.#sigma;
  }
  get offsetNlPerMin(): number {
    return this.#offset;
  }
  /** The wandering zero error now (without the injected offset). */
  get driftNlPerMin(): number {
    return this.#drift;
  }
  get samples(): number {
    return this.#samples;
  }

  /**
   * One read-out at `atMs`: the mean flow through the sensor since the previous read, plus
   * zero drift, injected offset and noise scaled to the window.
   */
  sample(atMs: number): FlowSourceReading {
    const line = this.#line;
    line.advanceTo(atMs);
    const since = this.#mark;
    const now = line.mark();
    this.#mark = now;
    this.#samples++;
    const windowMs = Math.max(1, now.atMs - since.atMs);
    const trueMean = line.meanFlowSinceNlPerMin(since);
    const air = line.airInLine || now.airFl !== since.airFl;
    const highFlow = Math.abs(trueMean) > this.fullScaleNlPerMin || Math.abs(line.flowAtSensorNlPerMin) > this.fullScaleNlPerMin;

    if (now.atMs > since.atMs && this.#driftStep > 0) {
      const step = this.#prng.gaussian() * this.#driftStep * Math.sqrt((now.atMs - since.atMs) / MS_PER_HOUR);
      this.#drift = reflectInto(this.#drift + step, this.#driftLimit);
    }
    const noise = this.#sigma > 0 ? this.#prng.gaussian() * this.#sigma * Math.sqrt(1_000 / windowMs) : 0;
    const z = this.#zero;
    const through = air ? trueMean * this.airReadingFactor : trueMean;
    const seen = z ? through * (1 + z.spanErrorFraction) : through;
    const temperatureC = z ? liquidTemperatureC(z, atMs) : this.temperatureC;
    const flow = seen + this.#drift + this.#offset + noise;
    return {
      flowNlPerMin: z ? flow + zeroErrorNlPerMin(z, temperatureC) : flow,
      temperatureC,
      airInLine: air,
      highFlow,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Plunger force (load cell on the pusher block, read through an HX711)

/**
 * Defaults, and why: a plastic syringe's rubber seal glides at a few newtons (BD 10 mL order:
 * 2 to 5 N, unverified), so 3 N of friction with 100 mN of sample-to-sample wobble (stick-slip
 * of the seal), and 20 mN of load-cell noise (an HX711 at 10 Hz on a 5 kg cell, order of a few
 * grams). Pressure acts on the whole bore: F = P A, with 1 kPa on 1 um^2 = 1e-6 mN.
 */
export const DEFAULT_FORCE = {
  frictionMn: 3_000,
  frictionNoiseMn: 100,
  noiseMn: 20,
  seed: 1,
} as const;

export interface ForceModelOptions {
  readonly line: FluidLine;
  /** Syringe inner diameter (the mechanics' syringe table). */
  readonly boreDiameterUm: number;
  readonly frictionMn?: number;
  readonly frictionNoiseMn?: number;
  readonly noiseMn?: number;
  readonly seed?: number;
  /**
   * The seal's friction from the rig's mechanics, mN (MechanicsTrain.sealForceMn): where it gives
   * a figure it replaces the constant friction, so the load cell sees the stopper's stick-slip
   * the drive has. The sample-to-sample wobble stays on top (the seal's ripple while it glides).
   */
  readonly sealMn?: () => number | undefined;
}

export class ForceModel {
  readonly #line: FluidLine;
  readonly #prng: Prng;
  readonly areaUm2: number;
  readonly frictionMn: number;
  readonly frictionNoiseMn: number;
  readonly noiseMn: number;
  readonly #seal: (() => number | undefined) | undefined;

  constructor(options: ForceModelOptions) {
    if (!(options.boreDiameterUm > 0)) throw new RangeError(`boreDiameterUm ${options.boreDiameterUm}`);
    const d = DEFAULT_FORCE;
    this.#line = options.line;
    this.#prng = new Prng(deriveSeed(options.seed ?? d.seed, SEED_STREAM.force));
    const r = options.boreDiameterUm / 2;
    this.areaUm2 = Math.PI * r * r;
    this.frictionMn = options.frictionMn ?? d.frictionMn;
    this.frictionNoiseMn = options.frictionNoiseMn ?? d.frictionNoiseMn;
    this.noiseMn = options.noiseMn ?? d.noiseMn;
    this.#seal = options.sealMn;
  }

  /** The force of the fluid alone at the line's pressure, mN (no friction, no noise). */
  pressureForceMn(): number {
    return this.#line.pressureKpa * this.areaUm2 * 1e-6;
  }

  /**
   * Force on the pusher at `atMs`, mN: pressure times bore area plus seal friction against the
   * last direction of travel (none before the first push), plus noise. The friction's sign is a
   * simplification: a stopped seal holds anything up to its static friction.
   */
  sample(atMs: number): number {
    this.#line.advanceTo(atMs);
    const sign = this.#line.lastPushSign;
    // The ripple is drawn only while the seal has moved, and before the reading's own noise, as
    // before the seal came from the mechanics, so the ideal rig's readings are unchanged.
    const ripple = sign === 0 ? 0 : this.#prng.gaussian() * this.frictionNoiseMn;
    const seal = this.#seal?.();
    const friction = seal !== undefined ? seal + ripple : sign * (this.frictionMn + ripple);
    return this.pressureForceMn() + friction + this.#prng.gaussian() * this.noiseMn;
  }
}

// ---------------------------------------------------------------------------------------------
// Battery (coulomb counted, Li-SOCl2 discharge curve)

/** What the fault schedule switches on the battery. */
export interface BatteryFaults {
  /** An extra drop under load, mV (0 removes it). */
  setSag(millivolts: number): void;
  /** The supply collapses below the MCU's brown-out threshold while on. */
  setBrownOut(on: boolean): void;
}

/**
 * A lithium thionyl chloride cell (bobbin type, e.g. a 2.6 Ah AA such as Saft LS14500): very
 * flat near 3.6 V for most of its life, then a knee and a fast fall. Chosen because implant
 * batteries are also primary lithium cells with a flat plateau, where the elective replacement
 * indicator has to come from counted charge or the knee, not from a slow slope. Points are
 * (fraction of capacity used, mV at a light load), shape after typical datasheet curves
 * (unverified exact values).
 */
export const LI_SOCL2_CURVE: readonly (readonly [number, number])[] = [
  [0, 3_670],
  [0.1, 3_620],
  [0.5, 3_580],
  [0.8, 3_520],
  [0.9, 3_430],
  [0.95, 3_300],
  [0.98, 3_050],
  [1, 2_000],
];

/**
 * Defaults, and why: 2600 mAh (an AA Li-SOCl2 cell); 1 mA idle (an ESP32 in light sleep between
 * timer wake-ups is about 0.8 mA, plus the sensors); 500 uC per microstep (a driver at 1 A for
 * the 0.5 ms of a microstep at 2 kHz; order of magnitude). Brown-out at 2300 mV: below the
 * ESP32's lowest brown-out detector level (about 2.43 V).
 */
export const DEFAULT_BATTERY = {
  capacityMah: 2_600,
  idleMicroamps: 1_000,
  microcoulombsPerMicrostep: 500,
  brownOutMv: 2_300,
} as const;

export interface BatteryModelOptions {
  readonly capacityMah?: number;
  readonly idleMicroamps?: number;
  readonly microcoulombsPerMicrostep?: number;
  readonly brownOutMv?: number;
  /** Charge already used at the start, as a fraction of capacity (default 0: a fresh cell). */
  readonly usedFraction?: number;
  readonly startMs?: number;
  readonly curve?: readonly (readonly [number, number])[];
}

const NC_PER_MAH = 3_600_000_000;

export class BatteryModel implements BatteryFaults {
  readonly capacityNc: number;
  readonly idleMicroamps: number;
  readonly nanocoulombsPerMicrostep: number;
  readonly brownOutMv: number;
  readonly #curve: readonly (readonly [number, number])[];
  /** Charge used so far, whole nanocoulombs (uA x ms = nC: idle drain stays an integer). */
  #usedNc: number;
  #nowMs: number;
  #sagMv = 0;
  #brownOut = false;

  constructor(options: BatteryModelOptions = {}) {
    const d = DEFAULT_BATTERY;
    this.capacityNc = Math.round((options.capacityMah ?? d.capacityMah) * NC_PER_MAH);
    this.idleMicroamps = Math.round(options.idleMicroamps ?? d.idleMicroamps);
    this.nanocoulombsPerMicrostep = Math.round((options.microcoulombsPerMicrostep ?? d.microcoulombsPerMicrostep) * 1_000);
    this.brownOutMv = options.brownOutMv ?? d.brownOutMv;
    this.#curve = options.curve ?? LI_SOCL2_CURVE;
    this.#usedNc = Math.round((options.usedFraction ?? 0) * this.capacityNc);
    this.#nowMs = options.startMs ?? 0;
    if (!(this.capacityNc > 0) || this.idleMicroamps < 0 || this.nanocoulombsPerMicrostep < 0) throw new RangeError('battery parameters');
  }

  setSag(millivolts: number): void {
    if (!(millivolts >= 0)) throw new RangeError(`sag ${millivolts} mV`);
    this.#sagMv = millivolts;
  }
  setBrownOut(on: boolean): void {
    this.#brownOut = on;
  }

  /** Idle drain up to `atMs` (a time before the last is ignored). */
  advanceTo(atMs: number): void {
    if (atMs <= this.#nowMs) return;
    this.#usedNc += this.idleMicroamps * (atMs - this.#nowMs);
    this.#nowMs = atMs;
  }

  /** The motor took `count` microsteps (either direction). */
  addMicrosteps(count: number): void {
    this.#usedNc += Math.abs(Math.trunc(count)) * this.nanocoulombsPerMicrostep;
  }

  get usedNc(): number {
    return this.#usedNc;
  }

  /** Fraction of capacity left, 0..1. */
  get remainingFraction(): number {
    return Math.max(0, 1 - this.#usedNc / this.capacityNc);
  }

  get sagMv(): number {
    return this.#sagMv;
  }
  get brownOut(): boolean {
    return this.#brownOut;
  }

  /** Open-circuit-ish voltage from the curve for the charge used, before sag and brown-out. */
  curveMillivolts(): number {
    const used = Math.min(1, this.#usedNc / this.capacityNc);
    const c = this.#curve;
    for (let i = 1; i < c.length; i++) {
      const [x1, y1] = c[i]!;
      if (used <= x1) {
        const [x0, y0] = c[i - 1]!;
        return Math.round(y0 + ((y1 - y0) * (used - x0)) / (x1 - x0));
      }
    }
    return c[c.length - 1]![1];
  }

  /** Battery voltage at `atMs`, whole mV: the curve less any sag; the brown-out level while on. */
  millivolts(atMs: number): number {
    this.advanceTo(atMs);
    if (this.#brownOut) return Math.min(this.brownOutMv, this.curveMillivolts());
    return Math.max(0, this.curveMillivolts() - Math.round(this.#sagMv));
  }
}

// ---------------------------------------------------------------------------------------------
// Stepper driver fault lines

/** What the fault schedule switches on the stepper's power stage. */
export interface DriveFaults {
  setStall(on: boolean): void;
  setDriverFault(on: boolean): void;
}

/**
 * Stall (the motor slips: pulses arrive, the plunger does not move; connectLine drops pushes
 * while `stalled`) and driver fault (the driver's nFAULT: over-current, over-temperature).
 * `onChange` lets the rig integration drive the matching input pins.
 */
export class DriveFaultModel implements DriveFaults {
  stalled = false;
  driverFault = false;
  onChange: ((state: { readonly stalled: boolean; readonly driverFault: boolean }) => void) | undefined;

  /** Pulses do not move the plunger: a stall, or a driver that shut its outputs on a fault. */
  get motionBlocked(): boolean {
    return this.stalled || this.driverFault;
  }

  setStall(on: boolean): void {
    if (this.stalled === on) return;
    this.stalled = on;
    this.onChange?.({ stalled: this.stalled, driverFault: this.driverFault });
  }

  setDriverFault(on: boolean): void {
    if (this.driverFault === on) return;
    this.driverFault = on;
    this.onChange?.({ stalled: this.stalled, driverFault: this.driverFault });
  }
}
