// A flow sensor's errors as its datasheet bounds them, and a seeded draw of one sensor within
// those bounds: a fixed zero-point offset, a wandering zero (repeatability), a zero that moves
// with the liquid's temperature, which follows the lab's day, and a span error (the reading off
// in proportion to the flow). FlowSensorModel
// (sensor-models.ts) applies them when given (`zeroErrors`); without them it keeps its own small
// default drift. No Node APIs, no Math.random (bundled into the XS engine with host/sim).
//
// Sources (Sensirion CMOSens thermal liquid flow sensors; each spec is "whichever is larger" of a
// share of the measured value and a share of full scale, and near zero flow the full-scale
// share is the one that applies):
// - LD20 series datasheet (prototype table, LD20-2600B column; dtsheet.com doc 2940568):
//   accuracy 5 % m.v. or 0.25 % FS; repeatability 0.5 % m.v. or 0.025 % FS; temperature
//   coefficient 0.2 % m.v. or 0.01 % FS per deg C away from 23 deg C; mounting orientation 1.0 % FS.
// - SLI series datasheet (SLI-1000 column, same sensor platform; en.eeworld.com.cn datasheet
//   21969131): 5 % m.v. or 0.2 % FS; 0.5 % m.v. or 0.02 % FS; 0.1 % m.v. or 0.004 % FS per deg C.
// The rig's sensor is an SLF3S-0600F (full scale 2 mL/min); its own table was not at hand, so
// these shares of full scale are applied to its 2 mL/min (assumed by family: check them against
// LQ_DS_SLF3S-0600F_Datasheet.pdf). Orientation is left out (the rig lies flat).

import { deriveSeed, Prng } from './prng';

/** One sensor's zero errors (what drawFlowSensorErrors returns). */
export interface FlowZeroErrors {
  /** Fixed zero-point error of this sensor, nl/min (within the accuracy spec's FS share). */
  readonly zeroOffsetNlPerMin: number;
  /** The zero's wander (repeatability), a bounded random walk: its bound, nl/min... */
  readonly driftLimitNlPerMin: number;
  /** ...and its step, nl/min per sqrt(hour). */
  readonly driftNlPerMinPerSqrtHour: number;
  /** Extra zero error per deg C away from the 23 deg C calibration, nl/min per deg C (either sign). */
  readonly tempcoNlPerMinPerC: number;
  /** The liquid's mean temperature, its daily swing (amplitude) and where in the day it peaks. */
  readonly meanTemperatureC: number;
  readonly temperatureSwingC: number;
  /** Fraction of a day [0, 1) at which the temperature is at its mean, rising. */
  readonly temperaturePhase: number;
  /**
   * Span error: the reading is (1 + this) times the flow through the sensor, before the zero
   * errors (within the accuracy spec's share of the measured value, 5 %).
   */
  readonly spanErrorFraction: number;
}

/** The temperature the datasheets' figures are calibrated at. */
export const CALIBRATION_TEMPERATURE_C = 23;

/**
 * The ranges a sensor is drawn from. Shares of full scale from the datasheets above (the larger
 * of the two families' figures); the lab's temperature is an assumption (a room without close
 * control: 21-25 deg C, a day-night swing of 0.5-2 deg C, unverified).
 */
export const FLOW_SENSOR_RANGES = {
  /** Zero-point error bound, % of full scale (accuracy spec near zero). */
  zeroOffsetPctFs: 0.25,
  /** Wander bound, % of full scale (repeatability spec near zero). */
  repeatabilityPctFs: 0.025,
  /** The wander crosses its band in about a day: step = bound per sqrt(24 h) (assumed). */
  driftHoursToCross: 24,
  /** Temperature coefficient bound, % of full scale per deg C. */
  tempcoPctFsPerC: 0.01,
  /**
   * Span error bound, % of the measured value (the accuracy spec's other share: 5 % m.v. on both
   * families). Drawn beside the zero offset, each within its own share, so at the flows where the
   * two shares are close (100 uL/min, 6 mL/h) the sum can reach twice the "whichever is larger"
   * bound: a harsher sensor than the datasheet's, never a kinder one.
   */
  spanPctMv: 5,
  meanTemperatureC: [21, 25],
  temperatureSwingC: [0.5, 2],
} as const;

/** The SLF3S-0600F's full scale (firmware/drivers/sf06-lf.ts), nl/min. */
export const SLF3S_0600F_FULL_SCALE_NL_PER_MIN = 2_000_000;

/** Seed stream of the draw (prng.ts deriveSeed), apart from the model's noise stream. */
export const FLOW_DRAW_STREAM = 0x5f06;

const MS_PER_DAY = 86_400_000;

/**
 * One sensor, drawn uniformly within FLOW_SENSOR_RANGES from `prng` (a pure function of its
 * state): `drawFlowSensorErrors(new Prng(deriveSeed(seed, FLOW_DRAW_STREAM)))` is rig `seed`'s.
 */
export function drawFlowSensorErrors(prng: Prng, fullScaleNlPerMin: number = SLF3S_0600F_FULL_SCALE_NL_PER_MIN): FlowZeroErrors {
  const r = FLOW_SENSOR_RANGES;
  const pct = fullScaleNlPerMin / 100;
  const within = (bound: number): number => (2 * prng.next() - 1) * bound;
  const between = (range: readonly [number, number]): number => range[0] + prng.next() * (range[1] - range[0]);
  const limit = r.repeatabilityPctFs * pct;
  return {
    zeroOffsetNlPerMin: within(r.zeroOffsetPctFs * pct),
    driftLimitNlPerMin: limit,
    driftNlPerMinPerSqrtHour: limit / Math.sqrt(r.driftHoursToCross),
    tempcoNlPerMinPerC: within(r.tempcoPctFsPerC * pct),
    meanTemperatureC: between(r.meanTemperatureC),
    temperatureSwingC: between(r.temperatureSwingC),
    temperaturePhase: prng.next(),
    // Drawn last, so the draws before it are what they were before the span was modelled.
    spanErrorFraction: within(r.spanPctMv / 100),
  };
}

/** Rig `seed`'s sensor: the draw on its own seed stream. */
export function flowSensorErrorsFor(seed: number, fullScaleNlPerMin?: number): FlowZeroErrors {
  return drawFlowSensorErrors(new Prng(deriveSeed(seed, FLOW_DRAW_STREAM)), fullScaleNlPerMin);
}

/**
 * A smooth periodic wave of period 1 in [-1, 1], 0 rising at 0: two parabolas, close to a sine
 * (within 6 %) with + - * / only, so every engine gives the same bits (Math.sin does not).
 */
export function dailyWave(turns: number): number {
  const x = turns - Math.floor(turns);
  return x < 0.5 ? 16 * x * (0.5 - x) : -16 * (x - 0.5) * (1 - x);
}

/** The liquid's temperature at `atMs`, deg C. */
export function liquidTemperatureC(z: FlowZeroErrors, atMs: number): number {
  return z.meanTemperatureC + z.temperatureSwingC * dailyWave(atMs / MS_PER_DAY + z.temperaturePhase);
}

/** The fixed and thermal zero error at `atMs` (the wander is the model's), nl/min. */
export function zeroErrorNlPerMin(z: FlowZeroErrors, temperatureC: number): number {
  return z.zeroOffsetNlPerMin + z.tempcoNlPerMinPerC * (temperatureC - CALIBRATION_TEMPERATURE_C);
}
