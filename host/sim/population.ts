// A population of rigs: rig `seed` is its mechanics errors, its line and its flow sensor's zero
// errors, each drawn within the ranges of its own file on its own seed stream, with late timers
// on; plus named corner rigs put at the ranges' extremes. A pure function of the seed, so the
// bench, the tests and `npm start -- --rig` build the same rig. No Node APIs (bundled into XS).

import type { FluidLineOptions } from './line-shapes';
import type { LineSpec } from './line-draw';
import { drawLineSpec, LINE_DRAW_STREAM, LINE_RANGES, lineFor } from './line-draw';
import { deriveSeed, Prng } from './prng';
import type { RigMechanicsErrors } from './rig-mechanics';
import { drawMechanicsErrors, MECHANICS_RANGES } from './rig-mechanics-draw';
import type { FlowZeroErrors } from './sensor-flow-errors';
import { flowSensorErrorsFor, FLOW_SENSOR_RANGES, SLF3S_0600F_FULL_SCALE_NL_PER_MIN } from './sensor-flow-errors';

/** What a rig sets on the virtual pump (VirtualPumpOptions' fields of the same names). */
export interface RigOptions {
  readonly seed: number;
  readonly mechanicsErrors: RigMechanicsErrors;
  readonly line: FluidLineOptions;
  readonly flowZeroErrors: FlowZeroErrors;
  readonly lateTimers: true;
}

export interface PopulationRig {
  /** `seed 17` or the corner's name. */
  readonly name: string;
  readonly lineSpec: LineSpec;
  readonly options: RigOptions;
}

/** The sample the bench measures: seeds 1 to 100. */
export const POPULATION_SIZE = 100;
export const POPULATION_SEEDS: readonly number[] = Array.from({ length: POPULATION_SIZE }, (_, i) => i + 1);

/** Rig `seed`, drawn: the same seed, the same rig, on Node and on XS. */
export function drawnRig(seed: number): PopulationRig {
  const lineSpec = drawLineSpec(new Prng(deriveSeed(seed, LINE_DRAW_STREAM)));
  return {
    name: `seed ${seed}`,
    lineSpec,
    options: { seed, mechanicsErrors: drawMechanicsErrors(seed), line: lineFor(lineSpec), flowZeroErrors: flowSensorErrorsFor(seed), lateTimers: true },
  };
}

/** The virtual-pump options of rig `seed`. */
export function rigFor(seed: number): RigOptions {
  return drawnRig(seed).options;
}

// --- Corners: a middle rig, then the fields a corner is about pushed to one end of their range.

const R = MECHANICS_RANGES;
const mid = (r: { readonly min: number; readonly max: number }): number => (r.min + r.max) / 2;
const geoMid = ([lo, hi]: readonly [number, number]): number => Math.sqrt(lo * hi);

/** Every mechanics error at the middle of its range (signed ones positive), phases 0. */
export const MIDDLE_MECHANICS: RigMechanicsErrors = Object.freeze({
  seed: 0,
  boreAreaError: mid(R.boreAreaError),
  leadError: mid(R.leadError),
  pitchWobbleUm: mid(R.pitchWobbleUm),
  pitchWobblePhase: 0,
  microstepErrorFullSteps: mid(R.microstepErrorFullSteps),
  microstepErrorPhase: 0,
  detentErrorFullSteps: mid(R.detentErrorFullSteps),
  detentErrorPhase: 0,
  stepAngleErrorFullSteps: mid(R.stepAngleErrorFullSteps),
  backlashUm: mid(R.backlashUm),
  stickGlideUm: mid(R.stickGlideUm),
  stickSlipUm: mid(R.stickSlipUm),
  stickCriticalUmPerS: mid(R.stickCriticalUmPerS),
  pullOutForceN: mid(R.pullOutForceN),
  glideForceN: mid(R.glideForceN),
  glideWander: mid(R.glideWander),
  glideWanderMm: mid(R.glideWanderMm),
  glideWanderPhase: 0,
});

/** Every mechanics error at its bad end: wide bore, long lead, most wobble, play and stick-slip, weakest motor. */
export const WORST_MECHANICS: RigMechanicsErrors = Object.freeze({
  ...MIDDLE_MECHANICS,
  boreAreaError: R.boreAreaError.max,
  leadError: R.leadError.max,
  pitchWobbleUm: R.pitchWobbleUm.max,
  microstepErrorFullSteps: R.microstepErrorFullSteps.max,
  detentErrorFullSteps: R.detentErrorFullSteps.max,
  stepAngleErrorFullSteps: R.stepAngleErrorFullSteps.max,
  backlashUm: R.backlashUm.max,
  stickGlideUm: R.stickGlideUm.max,
  stickSlipUm: R.stickSlipUm.max,
  // Sticks up to the highest speed: stick-slip at more rates.
  stickCriticalUmPerS: R.stickCriticalUmPerS.max,
  pullOutForceN: R.pullOutForceN.min,
  // The strongest seal: the line's pressure stops holding the nut on its flank soonest.
  glideForceN: R.glideForceN.max,
  // The patchiest barrel: the most wander over the shortest length, the steepest drag change.
  glideWander: R.glideWander.max,
  glideWanderMm: R.glideWanderMm.min,
});

const L = LINE_RANGES;
/** The line in the middle: log-middle compliance and time constant, a quarter past the sensor. */
export const MIDDLE_LINE: LineSpec = {
  totalComplianceNlPerKpa: geoMid(L.totalComplianceNlPerKpa),
  tauMs: geoMid(L.tauMs),
  downstreamShare: mid({ min: L.downstreamShare[0], max: L.downstreamShare[1] }),
  sensorSideShare: 0.5,
};

const F = FLOW_SENSOR_RANGES;
const pctFs = SLF3S_0600F_FULL_SCALE_NL_PER_MIN / 100;
const driftLimit = F.repeatabilityPctFs * pctFs;
/** A sensor with no zero offset, no tempco, at 23 deg C (only its wander). */
export const MIDDLE_SENSOR: FlowZeroErrors = Object.freeze({
  zeroOffsetNlPerMin: 0,
  driftLimitNlPerMin: driftLimit,
  driftNlPerMinPerSqrtHour: driftLimit / Math.sqrt(F.driftHoursToCross),
  tempcoNlPerMinPerC: 0,
  meanTemperatureC: 23,
  temperatureSwingC: mid({ min: F.temperatureSwingC[0], max: F.temperatureSwingC[1] }),
  temperaturePhase: 0,
  spanErrorFraction: 0,
});

interface CornerSpec {
  readonly why: string;
  readonly mechanics?: Partial<RigMechanicsErrors>;
  readonly line?: Partial<LineSpec>;
  readonly sensor?: Partial<FlowZeroErrors>;
}

/** The named corners, what each is for, and what it changes from the middle rig. */
export const CORNER_SPECS: Readonly<Record<string, CornerSpec>> = Object.freeze({
  middle: { why: 'every range at its middle: the reference the corners move from' },
  stiffest: {
    why: 'least compliance, shortest time constant, nothing past the sensor: the fastest pressure rise, the least release',
    line: { totalComplianceNlPerKpa: L.totalComplianceNlPerKpa[0], tauMs: L.tauMs[0], downstreamShare: L.downstreamShare[0] },
  },
  softest: {
    why: 'most compliance, half of it past the sensor: the block seen latest at the sensor, the most to release',
    line: { totalComplianceNlPerKpa: L.totalComplianceNlPerKpa[1], downstreamShare: L.downstreamShare[1], sensorSideShare: L.sensorSideShare[0] },
  },
  slowest: {
    why: 'longest time constant with the most compliance and share past the sensor: the longest lag after a start or a bolus',
    line: { totalComplianceNlPerKpa: L.totalComplianceNlPerKpa[1], tauMs: L.tauMs[1], downstreamShare: L.downstreamShare[1] },
  },
  'worst-syringe': { why: 'every mechanics error at its bad end: bore and lead long, most wobble, backlash and stick-slip, the weakest motor', mechanics: WORST_MECHANICS },
  'worst-sensor': {
    why: 'the flow sensor at its datasheet bounds: zero offset, tempco and span all high, the warm end of the lab with the widest swing',
    sensor: {
      spanErrorFraction: F.spanPctMv / 100,
      zeroOffsetNlPerMin: F.zeroOffsetPctFs * pctFs,
      tempcoNlPerMinPerC: F.tempcoPctFsPerC * pctFs,
      meanTemperatureC: F.meanTemperatureC[1],
      temperatureSwingC: F.temperatureSwingC[1],
    },
  },
});

export type CornerName = keyof typeof CORNER_SPECS;

/** Noise seeds of the corners: far from the sample's 1-100, one per corner in table order. */
const CORNER_SEED_BASE = 1_000_000;

function cornerRig(name: string, index: number, c: CornerSpec): PopulationRig {
  const seed = CORNER_SEED_BASE + index;
  const lineSpec = { ...MIDDLE_LINE, ...c.line };
  return {
    name,
    lineSpec,
    options: { seed, mechanicsErrors: { ...MIDDLE_MECHANICS, ...c.mechanics, seed }, line: lineFor(lineSpec), flowZeroErrors: { ...MIDDLE_SENSOR, ...c.sensor }, lateTimers: true },
  };
}

export const CORNER_RIGS: Readonly<Record<string, PopulationRig>> = Object.freeze(Object.fromEntries(Object.entries(CORNER_SPECS).map(([name, c], i) => [name, cornerRig(name, i, c)])));

export type RigParse = { readonly ok: true; readonly rig: PopulationRig } | { readonly ok: false; readonly message: string };

/** `--rig 17` (a drawn rig, seed a whole number >= 0) or `--rig softest` (a corner). */
export function parseRig(text: string): RigParse {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const seed = Number(t);
    if (Number.isSafeInteger(seed)) return { ok: true, rig: drawnRig(seed) };
  }
  const corner = CORNER_RIGS[t];
  if (corner && Object.hasOwn(CORNER_RIGS, t)) return { ok: true, rig: corner };
  return { ok: false, message: `"${text}" is neither a seed (a whole number) nor a corner rig (${Object.keys(CORNER_RIGS).join(', ')})` };
}
