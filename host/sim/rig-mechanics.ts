// The syringe drive with real errors, pulse by pulse: driver and motor (microstep error over an
// electrical cycle and per full step, the motor's step-angle error over a revolution, pulses lost
// under load), the lead screw (cumulative and once-per-turn pitch error), the nut's backlash, the
// plunger stopper's stick-slip, and the barrel's real cross-section. The rig (rig.ts) keeps the
// plunger where this chain puts it, so the volume pushed into the line is the true one. Ranges,
// sources and the seeded draw are in rig-mechanics-draw.ts. Only + - * / and floor: the same
// numbers on Node and XS (Math.sin is implementation-approximated, see prng.ts). No Node APIs.

import { deriveSeed, Prng } from './prng';

/** One rig's mechanics errors (all zero: the ideal rig). Angles and lengths as named. */
export interface RigMechanicsErrors {
  /** Seed of this rig's step-angle table and of its lost-step draws. */
  readonly seed: number;
  /** Barrel cross-section / nominal - 1: the volume per mm of travel (+0.02: bore 1 % wider). */
  readonly boreAreaError: number;
  /** Lead / nominal - 1: the cumulative pitch error (0.000667 is +0.2 mm per 300 mm). */
  readonly leadError: number;
  /** Axial error once per screw turn (wobble, drunkenness), amplitude in micrometres. */
  readonly pitchWobbleUm: number;
  /** Where in the turn the wobble peaks, in turns [0, 1). */
  readonly pitchWobblePhase: number;
  /** Driver microstep error over one electrical cycle (4 full steps), amplitude in full steps. */
  readonly microstepErrorFullSteps: number;
  readonly microstepErrorPhase: number;
  /** Microstep error repeating every full step (detent torque), amplitude in full steps. */
  readonly detentErrorFullSteps: number;
  readonly detentErrorPhase: number;
  /** Motor step-angle accuracy: each full-step position of a turn off by up to this, full steps. */
  readonly stepAngleErrorFullSteps: number;
  /**
   * Nut backlash, micrometres: the screw turns this far before the pusher moves once the force
   * through the chain changes sign (a reversal with no line pressure holding the nut on its
   * driving flank).
   */
  readonly backlashUm: number;
  /** Stopper deflection while it glides (glide force / chain stiffness), micrometres. */
  readonly stickGlideUm: number;
  /** Travel of one slip at low speed (2 (break-loose - glide force) / stiffness), micrometres. */
  readonly stickSlipUm: number;
  /** Pusher speed above which the stopper glides instead of sticking and slipping, um/s. */
  readonly stickCriticalUmPerS: number;
  /** Plunger force at which the motor starts to miss pulses, N (lost with certainty at 1.5 x). */
  readonly pullOutForceN: number;
  /**
   * The stopper's glide force, N. With `stickGlideUm` it gives the chain's stiffness, so the
   * line's force on the stopper can be set against the seal's: 0 only with no glide deflection.
   */
  readonly glideForceN: number;
  /**
   * How the glide force wanders along the barrel, a share of it (amplitude): silicone oil is
   * thinner in places, and the seal drags harder there. 0: the same force along the whole stroke.
   */
  readonly glideWander: number;
  /** Length of one wander period along the barrel, mm (a single patch to a few per stroke). */
  readonly glideWanderMm: number;
  /** Where along that period the stroke starts, in periods [0, 1). */
  readonly glideWanderPhase: number;
}

/** No errors at all: the chain reproduces the ideal rig (to a femtolitre of rounding). */
export const IDEAL_MECHANICS: RigMechanicsErrors = Object.freeze({
  seed: 0,
  boreAreaError: 0,
  leadError: 0,
  pitchWobbleUm: 0,
  pitchWobblePhase: 0,
  microstepErrorFullSteps: 0,
  microstepErrorPhase: 0,
  detentErrorFullSteps: 0,
  detentErrorPhase: 0,
  stepAngleErrorFullSteps: 0,
  backlashUm: 0,
  stickGlideUm: 0,
  stickSlipUm: 0,
  stickCriticalUmPerS: 0,
  pullOutForceN: Infinity,
  glideForceN: 0,
  glideWander: 0,
  glideWanderMm: 1,
  glideWanderPhase: 0,
});

/** The nominal drive the firmware believes in (firmware/core/mechanics.ts). */
export interface RigGeometry {
  readonly leadUm: number;
  readonly fullStepsPerRev: number;
  readonly microsteps: number;
}

export interface RigMechanicsOptions {
  readonly errors: RigMechanicsErrors;
  readonly geometry: RigGeometry;
  /** Force on the plunger against forward motion now, N (the line's pressure times the bore). */
  readonly loadN?: () => number;
}

/** Seed streams (prng.ts deriveSeed) of the mechanics: the draw, the table, the lost steps. */
export const MECHANICS_STREAM = { draw: 0x3ec1, stepAngle: 0x3ec2, lostSteps: 0x3ec3 } as const;

/**
 * sin(2 pi turns), the same to the bit on every engine: reduced to an octant, then the Taylor
 * series of sin or cos there (|argument| <= pi/4, so 10 terms take it below 1e-19).
 */
export function sinTurns(turns: number): number {
  let f = turns - Math.floor(turns); // [0, 1)
  let sign = 1;
  if (f >= 0.5) {
    f -= 0.5;
    sign = -1;
  }
  if (f > 0.25) f = 0.5 - f; // sin(pi - x) = sin x: now f in [0, 0.25]
  let r: number;
  if (f <= 0.125) {
    const x = 2 * Math.PI * f;
    const x2 = x * x;
    let t = 1;
    for (let n = 21; n >= 3; n -= 2) t = 1 - (x2 / (n * (n - 1))) * t;
    r = x * t;
  } else {
    const y = 2 * Math.PI * (0.25 - f); // sin(pi/2 - y) = cos y
    const y2 = y * y;
    let t = 1;
    for (let n = 20; n >= 2; n -= 2) t = 1 - (y2 / (n * (n - 1))) * t;
    r = t;
  }
  return sign === 1 ? r : 0 - r;
}

/** What one batch of pulses did. */
export interface PulseOutcome {
  /** Pulses that turned the rotor (signed by direction). */
  readonly moved: number;
  /** Forward pulses refused because the stopper is at the end of the barrel. */
  readonly blocked: number;
}

/**
 * The chain from pulses to the stopper. Positions: rotor in microsteps (an integer), screw, pusher
 * and stopper in micrometres from where the pusher stood at the start; the volume in femtolitres
 * is the stopper's travel times the true cross-section, rounded once from the state.
 */
export class MechanicsTrain {
  readonly errors: RigMechanicsErrors;
  /** Nominal travel of one microstep, um. */
  readonly travelUm: number;
  /** True volume per um of stopper travel, fl. */
  readonly flPerUm: number;
  readonly #microsteps: number;
  readonly #perRev: number;
  readonly #stepAngle: Float64Array;
  readonly #lostPrng: Prng;
  readonly #loadN: (() => number) | undefined;
  #rotor = 0;
  #screwUm: number;
  #pusherUm: number;
  #stopperUm: number;
  readonly #stopperStartUm: number;
  /** +1 or -1 while the stopper glides that way above the critical speed, else 0. */
  #gliding: -1 | 0 | 1 = 0;
  #lost = 0;
  #slips = 0;

  /** `flPerMicrostep`: the nominal volume of a microstep (the geometry's, not a calibration). */
  constructor(options: RigMechanicsOptions, flPerMicrostep: number) {
    const { errors: e, geometry: g } = options;
    if (!(g.leadUm > 0 && g.fullStepsPerRev > 0 && g.microsteps > 0)) throw new RangeError('rig geometry');
    if (e.stickSlipUm > 2 * e.stickGlideUm) throw new RangeError(`stickSlipUm ${e.stickSlipUm} is more than twice stickGlideUm ${e.stickGlideUm}: the stopper would overshoot the pusher`);
    if (e.backlashUm < 0 || e.stickGlideUm < 0 || e.stickSlipUm < 0 || !(e.pullOutForceN > 0) || e.glideForceN < 0) throw new RangeError('mechanics errors out of their physical range');
    if (e.stickGlideUm > 0 && !(e.glideForceN > 0)) throw new RangeError(`stickGlideUm ${e.stickGlideUm} needs a glide force (glideForceN) to give the chain a stiffness`);
    if (!(e.glideWander >= 0 && e.glideWander < 1 && e.glideWanderMm > 0))
      throw new RangeError(`glideWander ${e.glideWander} must be a share in [0, 1) over a length > 0 mm (glideWanderMm ${e.glideWanderMm})`);
    this.errors = e;
    this.#microsteps = g.microsteps;
    this.#perRev = g.fullStepsPerRev * g.microsteps;
    this.travelUm = g.leadUm / this.#perRev;
    this.flPerUm = (flPerMicrostep / this.travelUm) * (1 + e.boreAreaError);
    // The motor's step-angle error: a fixed offset for each full-step position of the turn.
    const table = new Prng(deriveSeed(e.seed, MECHANICS_STREAM.stepAngle));
    this.#stepAngle = new Float64Array(g.fullStepsPerRev);
    for (let i = 0; i < g.fullStepsPerRev; i++) this.#stepAngle[i] = (2 * table.next() - 1) * e.stepAngleErrorFullSteps;
    this.#lostPrng = new Prng(deriveSeed(e.seed, MECHANICS_STREAM.lostSteps));
    this.#loadN = options.loadN;
    // At the start the nut bears forward on the pusher and the stopper rests undeflected.
    this.#screwUm = this.#screwAt(0);
    this.#pusherUm = this.#screwUm;
    this.#stopperUm = this.#screwUm;
    this.#stopperStartUm = this.#screwUm;
  }

  /** Net microsteps the rotor turned. */
  get rotorMicrosteps(): number {
    return this.#rotor;
  }

  /** Pulses the motor missed under load. */
  get lostSteps(): number {
    return this.#lost;
  }

  /** Slips of the stopper (stick-slip jumps). */
  get slips(): number {
    return this.#slips;
  }

  /** Screw (nut), pusher and stopper travel from the start, um. */
  get screwUm(): number {
    return this.#screwUm - this.#stopperStartUm;
  }

  get pusherUm(): number {
    return this.#pusherUm - this.#stopperStartUm;
  }

  get stopperUm(): number {
    return this.#stopperUm - this.#stopperStartUm;
  }

  /**
   * The seal's friction as the pusher feels it, mN: the chain's deflection (pusher - stopper) times
   * its stiffness (glide force / glide deflection). It is the glide force while the stopper glides,
   * and a sawtooth while it sticks and slips: rising to break-loose as the pusher closes in, falling
   * by a slip's worth at each jump. Undefined for a rigid chain (no glide deflection drawn), whose
   * seal the force model supplies itself.
   */
  get sealForceMn(): number | undefined {
    const e = this.errors;
    if (!(e.stickGlideUm > 0)) return undefined;
    return ((this.#pusherUm - this.#stopperUm) * e.glideForceN * 1_000) / e.stickGlideUm;
  }

  /** Volume the stopper displaced since the start, whole femtolitres (a function of the state). */
  get stopperFl(): number {
    return Math.round((this.#stopperUm - this.#stopperStartUm) * this.flPerUm);
  }

  /** The rotor's real angle at microstep position m, in microsteps. */
  #angleAt(m: number): number {
    const e = this.errors;
    const mu = this.#microsteps;
    let a = m;
    if (e.microstepErrorFullSteps !== 0) a += e.microstepErrorFullSteps * mu * sinTurns(m / (4 * mu) + e.microstepErrorPhase);
    if (e.detentErrorFullSteps !== 0) a += e.detentErrorFullSteps * mu * sinTurns(m / mu + e.detentErrorPhase);
    if (e.stepAngleErrorFullSteps !== 0) {
      // Between full-step positions the offset is interpolated; it never accumulates.
      const n = this.#stepAngle.length;
      const full = Math.floor(m / mu);
      const frac = m / mu - full;
      const k = ((full % n) + n) % n;
      const o0 = this.#stepAngle[k]!;
      const o1 = this.#stepAngle[(k + 1) % n]!;
      a += (o0 + (o1 - o0) * frac) * mu;
    }
    return a;
  }

  /** Where the nut stands for rotor position m, um. */
  #screwAt(m: number): number {
    const e = this.errors;
    const angle = this.#angleAt(m);
    let s = this.travelUm * angle * (1 + e.leadError);
    if (e.pitchWobbleUm !== 0) s += e.pitchWobbleUm * sinTurns(angle / this.#perRev + e.pitchWobblePhase);
    return s;
  }

  /**
   * `count` pulses in `direction` with the pusher at `speedUmPerS`; forward motion stops once the
   * stopper has displaced `limitFl` (the end of the barrel). The load is read once per batch.
   */
  pulses(direction: 1 | -1, count: number, speedUmPerS: number, limitFl: number): PulseOutcome {
    const e = this.errors;
    const load = this.#loadN ? this.#loadN() : 0;
    // Above the pull-out force each forward pulse is missed with a probability rising to 1 at
    // 1.5 x; backing off is helped by the pressure, never lost.
    const pLost = direction === 1 && load > e.pullOutForceN ? Math.min(1, (load - e.pullOutForceN) / (0.5 * e.pullOutForceN)) : 0;
    // How far the load compresses the chain (um), for the nut's play: once per batch, like the
    // load. A chain with no glide deflection is rigid: any load puts the pusher on a flank.
    const holdUm = e.stickGlideUm > 0 ? (load * e.stickGlideUm) / e.glideForceN : load > 0 ? Infinity : load < 0 ? -Infinity : 0;
    let moved = 0;
    for (let i = 0; i < count; i++) {
      if (direction === 1 && this.stopperFl >= limitFl) return { moved, blocked: count - i };
      if (pLost > 0 && this.#lostPrng.next() < pLost) {
        this.#lost++;
        continue;
      }
      this.#rotor += direction;
      moved += direction;
      this.#screwUm = this.#screwAt(this.#rotor);
      this.#followNut(holdUm);
      this.#followPusher(speedUmPerS);
      if (direction === 1 && this.stopperFl > limitFl) this.#stopperUm = this.#stopperStartUm + limitFl / this.flPerUm;
    }
    return { moved, blocked: 0 };
  }

  /**
   * Backlash: the nut's play lets the pusher sit anywhere from the screw's driving flank (`s`) to
   * its pulling flank (`s + backlash`), and it sits where the force through the chain is zero, or
   * against the flank that force presses it on. The force is the line's load on the stopper plus
   * the chain's deflection (`pusher - stopper`, the seal's friction) times its stiffness, so the
   * play opens only when that sum changes sign: a back-off against a pressurised line keeps the
   * nut on its driving flank until the pressure no longer beats the seal (a preloaded screw has
   * no backlash), and with no pressure a reversal loses the whole play, as before.
   */
  #followNut(holdUm: number): void {
    const s = this.#screwUm;
    // Where the chain's force is zero: the stopper less the deflection the load gives the chain
    // (a rigid chain's stopper stands at the pusher, so `hold` alone decides).
    this.#pusherUm = Math.min(s + this.errors.backlashUm, Math.max(s, this.#stopperUm - holdUm));
  }

  /**
   * The glide deflection where the stopper stands now, um. The chain's stiffness is the drive's,
   * so where the seal drags harder (a patch short of silicone) the chain deflects more, and the
   * pusher feels the harder drag (sealForceMn): the glide force, wandering along the barrel.
   */
  #glideUmHere(): number {
    const e = this.errors;
    if (e.glideWander === 0 || e.stickGlideUm === 0) return e.stickGlideUm;
    const alongMm = (this.#stopperUm - this.#stopperStartUm) / 1_000;
    return e.stickGlideUm * (1 + e.glideWander * sinTurns(alongMm / e.glideWanderMm + e.glideWanderPhase));
  }

  /**
   * Stick-slip: the stopper holds until the chain's deflection reaches break-loose (glide + half
   * a slip). Above the critical speed it then glides at the glide deflection; below, it jumps
   * one slip at a time and sticks again, so flow comes in steps.
   */
  #followPusher(speedUmPerS: number): void {
    const e = this.errors;
    const g = this.#glideUmHere();
    const j = e.stickSlipUm;
    const p = this.#pusherUm;
    if (g === 0 && j === 0) {
      this.#stopperUm = p;
      return;
    }
    const d = p - this.#stopperUm;
    const breakLoose = g + j / 2;
    if (speedUmPerS >= e.stickCriticalUmPerS) {
      if (d >= breakLoose || (this.#gliding === 1 && d > g)) {
        this.#stopperUm = p - g;
        this.#gliding = 1;
      } else if (d <= -breakLoose || (this.#gliding === -1 && d < -g)) {
        this.#stopperUm = p + g;
        this.#gliding = -1;
      } else this.#gliding = 0;
      return;
    }
    this.#gliding = 0;
    if (Math.abs(d) < breakLoose) return;
    const sign = d > 0 ? 1 : -1;
    if (j === 0) {
      this.#stopperUm = p - sign * breakLoose; // creeps at the edge of the band, no jumps
      return;
    }
    const n = Math.floor((Math.abs(d) - breakLoose) / j) + 1;
    this.#stopperUm += sign * n * j;
    this.#slips += n;
  }
}

/** The mechanics option for a rig built on firmware mechanics, loaded by the line's pressure. */
export function rigMechanicsFor(
  errors: RigMechanicsErrors,
  m: { readonly leadUm: number; readonly fullStepsPerRev: number; readonly microsteps: number; readonly syringe: { readonly innerDiameterUm: number } },
  pressureKpa: () => number,
): RigMechanicsOptions {
  const r = m.syringe.innerDiameterUm / 2_000;
  const areaMm2 = Math.PI * r * r * (1 + errors.boreAreaError);
  return {
    errors,
    geometry: { leadUm: m.leadUm, fullStepsPerRev: m.fullStepsPerRev, microsteps: m.microsteps },
    // Signed: suction pulls the stopper forward (through the nut's play, if the seal lets it).
    loadN: () => (pressureKpa() * areaMm2) / 1_000, // kPa x mm^2 = mN
  };
}
