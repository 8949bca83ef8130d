// The ranges a real rig's mechanics errors fall in, each with its source, and the seeded draw of
// one rig within them: a pure function of the seed, so a population of rigs is a list of seeds.
// docs/virtual-rig.md "## Mechanics" is the table of these. No Node APIs (bundled into XS).

import { deriveSeed, Prng } from './prng';
import type { RigMechanicsErrors } from './rig-mechanics';
import { MECHANICS_STREAM } from './rig-mechanics';

export interface MechanicsRange {
  readonly min: number;
  readonly max: number;
  /** Drawn uniformly in [min, max]; `signed`: the sign is drawn too (the range is a magnitude). */
  readonly signed: boolean;
  readonly unit: string;
  readonly source: string;
}

type RangedField = Exclude<keyof RigMechanicsErrors, 'seed' | 'pitchWobblePhase' | 'microstepErrorPhase' | 'detentErrorPhase' | 'glideWanderPhase'>;

/** The range of each error a drawn rig gets. Phases are uniform over a whole period. */
export const MECHANICS_RANGES: Readonly<Record<RangedField, MechanicsRange>> = Object.freeze({
  boreAreaError: {
    min: 0,
    max: 0.02,
    signed: true,
    unit: 'fraction of the nominal cross-section',
    source:
      'ISO 7886-1 allows +-4 % on a graduated volume of half the nominal capacity or more; a syringe table bore (New Era: BD 10 mL 14.427 mm) against a measured barrel differs by up to about 1 % in diameter (unverified), 2 % in area',
  },
  leadError: {
    min: 0,
    max: 0.2 / 300,
    signed: true,
    unit: 'fraction of the lead',
    source: 'rolled ACME / trapezoidal lead accuracy 0.05-0.2 mm per 300 mm (about 0.005 in/ft); a generic T8 states none, so the top of the range',
  },
  pitchWobbleUm: {
    min: 0,
    max: 10,
    signed: false,
    unit: 'um amplitude, once per turn',
    source: 'one-turn lead variation ("drunkenness"): ISO 3408-3 ball-screw classes allow a few um per turn (unverified); a rolled T8, its coupling and thrust bearing are no better (assumed)',
  },
  microstepErrorFullSteps: {
    min: 0,
    max: 0.05,
    signed: false,
    unit: 'full steps amplitude, over 4 full steps',
    source:
      'A4988 / DRV8825 / TMC2209 microstep position error: uneven microsteps measured on step-stick drivers (Hackaday, "How accurate is microstepping really?", 2016; MPS, "Why microstepping isn\'t as good as you think")',
  },
  detentErrorFullSteps: {
    min: 0,
    max: 0.02,
    signed: false,
    unit: 'full steps amplitude, every full step',
    source: 'the motor\'s detent torque pulls microsteps toward full-step positions (MPS, same article; Machine Design, "Microstepping myths and realities")',
  },
  stepAngleErrorFullSteps: {
    min: 0,
    max: 0.05,
    signed: false,
    unit: 'full steps, each full-step position of a turn',
    source: 'hybrid stepper step accuracy +-5 % of a step, non-cumulative (MinebeaMitsumi glossary, "step position error"; Oriental Motor: +-3 arcmin = 2.8 % of 1.8 deg)',
  },
  backlashUm: {
    min: 20,
    max: 100,
    signed: false,
    unit: 'um',
    source: 'plain brass Tr8 nut on a rolled screw: 0.02-0.1 mm of axial play (typical of 3D-printer lead screws; anti-backlash nuts are not in the parts list)',
  },
  stickGlideUm: {
    min: 5,
    max: 30,
    signed: false,
    unit: 'um',
    source: 'glide force of a lubricated plastic syringe (a few N, ISO 7886-1 Annex E / ISO 11040-4 method) over a printed drive chain of 100-500 N/mm (assumed order of magnitude)',
  },
  stickSlipUm: {
    min: 0,
    max: 8,
    signed: false,
    unit: 'um per slip',
    source:
      '2 (break-loose - glide force) / stiffness with 0-1 N between the two (ISO 11040-4 measures both); flow pulsation from stick-slip in syringe pumps: Leuthner and Hayden, Lab Chip 24 (2024) (assumed order of magnitude)',
  },
  stickCriticalUmPerS: {
    min: 0.3,
    max: 3,
    signed: false,
    unit: 'um/s',
    source: 'stick-slip of rubber seals fades above a critical sliding speed; chosen so 0.1 mL/h on a 10 mL syringe (0.17 um/s) always sticks and 6 mL/h (10 um/s) never does (assumed)',
  },
  pullOutForceN: {
    min: 150,
    max: 400,
    signed: false,
    unit: 'N on the plunger',
    source: 'F = 2 pi eta T / lead: NEMA 17 17HS19-2004S1 (0.59 N m at 2 A) run at 70 %, pull-out 60-80 % of holding, Tr8x2 efficiency 0.3-0.4 (hardware/README.md parts list)',
  },
  glideForceN: {
    min: 2,
    max: 6,
    signed: false,
    unit: 'N on the stopper',
    source:
      'glide force of a lubricated 10 mL plastic syringe stopper, measured by the ISO 7886-1 Annex E / ISO 11040-4 method: a few N (no maker publishes it for the BD 10 mL; assumed 2-6 N). With stickGlideUm it sets the chain stiffness (67-1200 N/mm), so a line pressure above glide force / bore area (12-37 kPa) keeps the nut on its driving flank in a back-off',
  },
  glideWander: {
    min: 0,
    max: 0.1,
    signed: false,
    unit: 'share of the glide force, amplitude along the barrel',
    source:
      'silicone oil migrates and leaves lubricant-depleted patches of the barrel where the glide force rises (TriboFilm Research, "Inconsistent plunger forces"); the ISO 7886-1 Annex E / ISO 11040-4 glide-force curve records it along the stroke. No maker publishes its size for the BD 10 mL: assumed up to +-10 %',
  },
  glideWanderMm: {
    min: 10,
    max: 40,
    signed: false,
    unit: 'mm of travel per period',
    source: "one patch to a few over a 10 mL barrel's 60 mm stroke (assumed)",
  },
});

/** One rig's errors, drawn within MECHANICS_RANGES from `seed` alone (same seed, same rig). */
export function drawMechanicsErrors(seed: number): RigMechanicsErrors {
  const prng = new Prng(deriveSeed(seed, MECHANICS_STREAM.draw));
  const draw = (r: MechanicsRange): number => {
    const v = r.min + (r.max - r.min) * prng.next();
    return r.signed && prng.next() < 0.5 ? -v : v;
  };
  const R = MECHANICS_RANGES;
  // Field by field in a fixed order: adding a field at the end never changes the earlier ones.
  const boreAreaError = draw(R.boreAreaError);
  const leadError = draw(R.leadError);
  const pitchWobbleUm = draw(R.pitchWobbleUm);
  const pitchWobblePhase = prng.next();
  const microstepErrorFullSteps = draw(R.microstepErrorFullSteps);
  const microstepErrorPhase = prng.next();
  const detentErrorFullSteps = draw(R.detentErrorFullSteps);
  const detentErrorPhase = prng.next();
  const stepAngleErrorFullSteps = draw(R.stepAngleErrorFullSteps);
  const backlashUm = draw(R.backlashUm);
  const stickGlideUm = draw(R.stickGlideUm);
  const stickSlipUm = Math.min(draw(R.stickSlipUm), 2 * stickGlideUm);
  const stickCriticalUmPerS = draw(R.stickCriticalUmPerS);
  const pullOutForceN = draw(R.pullOutForceN);
  const glideForceN = draw(R.glideForceN);
  const glideWander = draw(R.glideWander);
  const glideWanderMm = draw(R.glideWanderMm);
  const glideWanderPhase = prng.next();
  return {
    seed,
    boreAreaError,
    leadError,
    pitchWobbleUm,
    pitchWobblePhase,
    microstepErrorFullSteps,
    microstepErrorPhase,
    detentErrorFullSteps,
    detentErrorPhase,
    stepAngleErrorFullSteps,
    backlashUm,
    stickGlideUm,
    stickSlipUm,
    stickCriticalUmPerS,
    pullOutForceN,
    glideForceN,
    glideWander,
    glideWanderMm,
    glideWanderPhase,
  };
}
