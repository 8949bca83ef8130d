// The fair baseline for the occlusion figures: the pressure detector a good pump would build on
// the same load cell, read as the firmware reads it (one HX711 conversion a second), with no flow
// sensor. Instead of a fixed 66 kPa it learns the force and its noise after the start and alarms
// on (1) a one-sided CUSUM of the rise above that level (k = 0.5 sigma + 2.5 % of the level,
// h = 30 sigma: the statistics the firmware's own pressure-drop check uses, force-check.ts; a
// reading counts at most 3 sigma over the level, here and in the trend), (2) a trend: the
// least-squares slope of the last 2 min above 6 sigma of its own noise, while the force is above
// its level, or (3) the classic 66 kPa as a backstop. After the alarm it backs off by the
// pressure it measured times the compliance it measured, C x P: from a fit of the force against
// the volume pushed, flat then rising from the block's onset, which comes to the volume pushed
// since the onset. What it cannot know is the working pressure the line held before the block
// (friction and Q x R are one level to a load cell), so that part, Q x tau, comes out when the
// line clears.
//
// Run on the virtual rig's line and force model directly (a plunger pushing whole microsteps at
// the rate), not through the firmware: host/sim only, so it costs a fraction of a firmware run.

import { readMechanics } from '../../firmware/core/mechanics';
import type { FluidLineOptions } from '../sim/line';
import { FluidLine } from '../sim/line';
import { ForceModel } from '../sim/sensor-models';

export interface FairDetectorConfig {
  /** Samples (1 s) ignored after the start: 5 x the longest line time constant (150 s). */
  readonly settleSamples: number;
  /** Samples the level and noise are learned over. */
  readonly learnSamples: number;
  readonly kSigma: number;
  /**
   * More allowance, as a share of the learned level: the firmware pressure-drop check's, for the
   * same reason. On a drawn rig's drive the screw's once-a-turn wobble swings the working pressure
   * by up to 3.1 %; with k = 0.5 sigma alone the baseline raised OCCLUSION on 3 of rigs 1-40
   * within 3 h at 1 mL/h, nothing blocked (population-load-cell.ts measures it on every rig).
   */
  readonly levelShare: number;
  /**
   * The most one reading counts over the level, in sigmas, in the sum and in the trend. A stall
   * in the step timing lets the seal stick, and the force jumps to break-loose for a moment (on
   * rig 5: 1.1 N, then 2.7 N, then back): two such readings passed h, and tipped the 2-minute
   * slope. A real block's rise goes on, and a clipped sum still reaches h within ten readings
   * once the rise passes 3 sigma.
   */
  readonly clipSigma: number;
  readonly hSigma: number;
  /**
   * After learning, the level follows the force along the barrel over this much plunger travel,
   * um. A seal's glide force wanders along the barrel (silicone thinner in patches: up to 10 %
   * over 10 mm on the drawn rigs), and a level fixed at the start read that wander as a rise:
   * false OCCLUSION on 18 of rigs 1-50 within 3 h at 1 mL/h. Following by travel, not time, keeps
   * the lag on the steepest wander to 1.3 % of the glide force (inside the level share) at every
   * rate, while a block's rise, tens of times steeper per um on all but the softest lines, gets
   * ahead of it.
   */
  readonly followUm: number;
  /**
   * The trend's allowance for the same wander, a share of the level per mm of travel: a block's
   * slope must beat the steepest wander's (10 % x 2 pi / 10 mm = 6.3 % per mm) as well as the
   * slope's noise.
   */
  readonly wanderSharePerMm: number;
  /** Trend window (samples) and its threshold in sigmas of the slope's own noise. */
  readonly trendSamples: number;
  readonly trendSigmas: number;
  /** The classic threshold, kept as a backstop. */
  readonly classicKpa: number;
  /** Readings kept for the onset fit at the alarm (30 min). */
  readonly historySamples: number;
}

export const FAIR_DETECTOR: FairDetectorConfig = {
  settleSamples: 750,
  learnSamples: 900,
  kSigma: 0.5,
  levelShare: 0.025,
  clipSigma: 3,
  hSigma: 30,
  followUm: 200,
  wanderSharePerMm: 0.1,
  trendSamples: 120,
  trendSigmas: 6,
  classicKpa: 66,
  historySamples: 1_800,
};

export interface FairAlarm {
  readonly why: 'cusum' | 'trend' | 'classic';
  /** What the detector backs off: its measured compliance x the measured pressure rise, nl. */
  readonly backoffNl: number;
}

/** The detector, fed one force reading (mN) a second with the volume pushed so far (nl). */
export class FairPressureDetector {
  readonly config: FairDetectorConfig;
  readonly #areaMm2: number;
  #n = 0;
  #level = 0;
  #m2 = 0;
  #sum = 0;
  /** The last trendSamples forces (clipped once learned), and the volume pushed at each. */
  readonly #window: number[] = [];
  readonly #windowNl: number[] = [];
  /** The 2-minute slopes seen while learning: their sum of squares and count. */
  #slopeSq = 0;
  #slopes = 0;
  /** The last historySamples forces and volumes pushed, for the onset fit at the alarm. */
  readonly #forces: number[] = [];
  readonly #volumes: number[] = [];
  /** The level as it stood at each of those readings: the flat part of the onset fit. */
  readonly #levels: number[] = [];

  constructor(areaMm2: number, config: FairDetectorConfig = FAIR_DETECTOR) {
    this.config = config;
    this.#areaMm2 = areaMm2;
  }

  /** Noise of one reading learned after the start, mN (0 while learning). */
  get sigmaMn(): number {
    return this.#n > this.config.learnSamples + this.config.settleSamples ? Math.sqrt(this.#m2 / (this.config.learnSamples - 1)) : 0;
  }

  sample(forceMn: number, pushedNl: number): FairAlarm | undefined {
    const c = this.config;
    const i = ++this.#n - c.settleSamples;
    if (i <= 0) return undefined;
    if (i <= c.learnSamples) {
      const d = forceMn - this.#level;
      this.#level += d / i;
      this.#m2 += d * (forceMn - this.#level);
      // The trend's own noise: the 2-minute slopes of the learning readings themselves.
      this.#toWindow(forceMn, pushedNl);
      if (this.#window.length === c.trendSamples) {
        const slope = this.#slope();
        this.#slopeSq += slope * slope;
        this.#slopes++;
      }
      return undefined;
    }
    const sigma = Math.sqrt(this.#m2 / (c.learnSamples - 1)) || 1;
    const rise = forceMn - this.#level;
    // What the sum and the trend count of this reading: at most clipSigma over the level.
    const counted = Math.min(forceMn, this.#level + c.clipSigma * sigma);
    this.#sum = Math.max(0, this.#sum + (counted - this.#level) - c.kSigma * sigma - c.levelShare * this.#level);
    this.#forces.push(forceMn);
    this.#volumes.push(pushedNl);
    this.#levels.push(this.#level);
    if (this.#forces.length > c.historySamples) {
      this.#forces.shift();
      this.#volumes.shift();
      this.#levels.shift();
    }
    this.#toWindow(counted, pushedNl);
    let why: FairAlarm['why'] | undefined;
    if (this.#sum > c.hSigma * sigma) why = 'cusum';
    else if (rise > c.classicKpa * this.#areaMm2) why = 'classic';
    else if (this.#window.length === c.trendSamples && this.#trendOver(sigma)) why = 'trend';
    // The level follows along the barrel, each reading clipped to 3 sigma both ways (a stuck
    // seal's jump does not drag it), by the window's mean travel: the stopper moves only as it
    // slips, when the force falls, and following each second's own travel sank the level under
    // the sawtooth (a false OCCLUSION within 6 min of learning on rig 10).
    const followed = Math.max(this.#level - c.clipSigma * sigma, counted);
    this.#level += (followed - this.#level) * Math.min(1, this.#umPerSample() / c.followUm);
    if (!why) return undefined;
    return { why, backoffNl: this.#backoff() };
  }

  /** The plunger's mean travel per reading over the trend window, um (nl over mm^2). */
  #umPerSample(): number {
    const v = this.#windowNl;
    return v.length < 2 ? 0 : Math.max(0, v[v.length - 1]! - v[0]!) / this.#areaMm2 / (v.length - 1);
  }

  #toWindow(forceMn: number, pushedNl: number): void {
    this.#window.push(forceMn);
    this.#windowNl.push(pushedNl);
    if (this.#window.length > this.config.trendSamples) {
      this.#window.shift();
      this.#windowNl.shift();
    }
  }

  /** Least-squares slope of the window, mN per reading. */
  #slope(): number {
    const w = this.#window;
    const n = w.length;
    let sy = 0;
    let sty = 0;
    for (let t = 0; t < n; t++) {
      sy += w[t]!;
      sty += t * w[t]!;
    }
    return (sty - ((n - 1) / 2) * sy) / ((n * (n * n - 1)) / 12);
  }

  /**
   * The window's slope above trendSigmas of its noise, the window above the level. The noise is
   * the larger of white noise's (sigma over the window) and the slopes measured while learning:
   * a drawn drive's force is not white. Stuck below the critical speed, the seal's force follows
   * the driver's microstep error (up to 0.5 um of the pusher: a third of a newton through rig 97's
   * chain) round its 4-full-step cycle, 4 min at 0.1 mL/h: on rig 97, with its seal's wander
   * keeping the window above the level, a 2-minute slope of that cycle passed the white noise's
   * 6 sigma at 126 min, nothing blocked.
   */
  #trendOver(sigma: number): boolean {
    const w = this.#window;
    const n = w.length;
    const white = sigma * Math.sqrt(12 / (n * (n * n - 1)));
    const slopeSigma = Math.max(white, this.#slopes > 0 ? Math.sqrt(this.#slopeSq / this.#slopes) : 0);
    // The seal's wander along the barrel over the window's travel, per sample.
    const wander = (this.config.wanderSharePerMm * this.#level * this.#umPerSample()) / 1_000;
    let sy = 0;
    for (let t = 0; t < n; t++) sy += w[t]!;
    return this.#slope() > this.config.trendSigmas * slopeSigma + wander && sy / n > this.#level;
  }

  /**
   * C x P, both measured: a hinge fitted to the force against the volume pushed (flat at the
   * level as it stood at the onset, which has since followed part of the rise; then rising from
   * the onset), the onset chosen by least squares. The pressure rise over the compliance it took
   * is the volume pushed since the onset: what the blocked line took up. (A straight-line fit
   * from the CUSUM's start instead wandered by a factor of 4.)
   */
  #backoff(): number {
    const f = this.#forces;
    const v = this.#volumes;
    const n = f.length;
    const vNow = v[n - 1]!;
    let best = 0;
    let bestVolume = 0;
    for (let k = n - 3; k >= 0; k--) {
      const v0 = v[k]!;
      const flat = this.#levels[k]!;
      let sxy = 0;
      let sxx = 0;
      for (let i = k + 1; i < n; i++) {
        const x = v[i]! - v0;
        sxy += x * (f[i]! - flat);
        sxx += x * x;
      }
      // The fit's gain over a flat line at the level: the larger, the better the onset.
      const gain = sxx > 0 && sxy > 0 ? (sxy * sxy) / sxx : 0;
      if (gain > best) {
        best = gain;
        bestVolume = vNow - v0;
      }
    }
    return bestVolume;
  }
}

export interface BaselineRun {
  readonly timeToAlarmS: number;
  readonly why: FairAlarm['why'] | 'none';
  readonly releaseBolusUl: number;
  readonly backoffUl: number;
  /** Alarms before the occlusion (false alarms of the start-up). */
  readonly earlyAlarms: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * A plunger pushing `mlPerHour` in whole microsteps of `mechanics` into `line`; the tip blocks at
 * `occludeAtMs`; the detector alarms (or not within `waitMs`); the plunger stops and backs off;
 * the line clears 10 min later and the outlet is weighed for an hour.
 */
export function fairBaselineRun(options: {
  readonly line: FluidLineOptions;
  readonly mlPerHour: number;
  readonly mechanics: Parameters<typeof readMechanics>[0];
  readonly seed: number;
  readonly occludeAtMs: number;
  readonly waitMs: number;
  /** A partial occlusion (the tip's resistance times this) instead of a full one. */
  readonly partialFactor?: number;
}): BaselineRun {
  const mech = readMechanics(options.mechanics);
  if (!mech.ok) throw new Error(`mechanics: ${mech.error.message}`);
  const flPerStep = mech.value.flPerMicrostep;
  const boreUm = mech.value.syringe.innerDiameterUm;
  const areaMm2 = Math.PI * (boreUm / 2_000) ** 2;
  const line = new FluidLine(options.line);
  const force = new ForceModel({ line, boreDiameterUm: boreUm, seed: options.seed });
  const detector = new FairPressureDetector(areaMm2);
  // mL/h is 1e12 fl per hour.
  const msPerStep = flPerStep / ((options.mlPerHour * 1e12) / HOUR);
  let steps = 0;
  let earlyAlarms = 0;
  let occluded = false;
  const end = options.occludeAtMs + options.waitMs;
  for (let t = 1_000; t <= end; t += 1_000) {
    for (let due = (steps + 1) * msPerStep; due <= t; due = (++steps + 1) * msPerStep) line.pushFl(Math.floor(due), flPerStep);
    if (!occluded && t >= options.occludeAtMs) {
      if (options.partialFactor === undefined) line.occlude(options.occludeAtMs);
      else line.partiallyOcclude(options.occludeAtMs, options.partialFactor);
      occluded = true;
    }
    const pushedNl = line.pushedNl;
    const alarm = detector.sample(force.sample(t), pushedNl);
    if (!alarm) continue;
    if (!occluded) {
      earlyAlarms++;
      continue;
    }
    line.push(t, -alarm.backoffNl);
    line.advanceTo(t + 10 * MIN);
    line.release(t + 10 * MIN);
    const before = line.outletNl;
    line.advanceTo(t + 10 * MIN + HOUR);
    return { timeToAlarmS: (t - options.occludeAtMs) / 1_000, why: alarm.why, releaseBolusUl: Math.round(line.outletNl - before) / 1_000, backoffUl: Math.round(alarm.backoffNl) / 1_000, earlyAlarms };
  }
  return { timeToAlarmS: Infinity, why: 'none', releaseBolusUl: NaN, backoffUl: 0, earlyAlarms };
}
