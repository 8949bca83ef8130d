// The flow sensor's zero as the flow check learns it (flow-check.ts): at rest, once the line has
// drained, from what the sensor reads alone; in delivery, from what it reads beyond what was
// pushed, but only from spans that later delivery confirmed as normal. The datasheet bounds the
// zero (offset 0.25 % FS, wander 0.025 % FS, tempco 0.01 % FS/degC: sensor-flow-errors.ts), far
// above the flow check's allowance, so the check cannot work without learning it; and it must not
// learn an occlusion's onset as zero drift.
//
// Why confirmed spans (issue 15's population): learned sample by sample with a 10 min time
// constant, the first minutes of a block at 0.1 mL/h, before the deficit sum had grown enough to
// stop the learning, moved the zero by 290 nl/min (seed 3: a sixth of the rate, a third of what
// the deficit grows by with half the compliance past the sensor), and the deficit then grew too
// slowly to be judged within 2 h. The sensor's zero drifts over hours (its wander crosses its
// band in about a day; the lab's temperature turns once a day), so data 10-15 min old costs
// nothing: a span is learned only after 10 min more of normal delivery followed it.

import { MS_PER_HOUR, MS_PER_MINUTE } from './units';

/** The figures the zero is learned with (FlowCheckConfig's fields of the same names). */
export interface SensorZeroConfig {
  readonly zeroBoundNlPerMin: number;
  /** How fast the zero wanders from what was learned (nl/min per root hour). */
  readonly zeroWanderNlPerMinPerSqrtHour: number;
  /** The share of the rate the drive's volume error may reach (percent): what a zero learned in delivery may carry. */
  readonly driveErrorPercent: number;
  /** The sensor's span error (percent of the reading): the same share of a zero learned in delivery, gone at rest. */
  readonly sensorSpanPercent: number;
  readonly zeroLearnMs: number;
  readonly restLearnMs: number;
  /** One span of delivery learning (ms)... */
  readonly zeroSpanMs: number;
  /** ...learned only once this much more normal delivery followed it (ms). */
  readonly zeroConfirmMs: number;
}

export class SensorZero {
  readonly #c: SensorZeroConfig;
  #zero = 0;
  #doubt: number;
  /**
   * The pushed rate the zero was learned from (nl/min), folded as the zero is (0 at rest). A zero
   * learned in delivery is the reading less what was pushed, so it takes up the drive's volume
   * error and the sensor's span error as well as the sensor's offset, and those parts are a share
   * of this rate that stops with the drive (restDoubtNlPerMin).
   */
  #rateNlPerMin = 0;
  /** The span being summed: raw reading less pushed volume (nl), and pushed volume (nl), over its length (ms). */
  #spanMs = 0;
  #spanErrNl = 0;
  #spanPushedNl = 0;
  /** Finished spans waiting for confirmation, a ring (allocated once), oldest at #head. */
  readonly #waitMs: Float64Array;
  readonly #waitErrNl: Float64Array;
  readonly #waitPushedNl: Float64Array;
  #head = 0;
  #waiting = 0;
  /** Time learned from so far, at rest and in delivery (ms): the running mean's weight. */
  #learnedMs = 0;
  /** Of it, in delivery (ms): the jumps' share of the doubt shrinks with it. */
  #deliveryLearnedMs = 0;
  /** A stick-slip jump and the drive's position error as volume (nl): flow-check.ts travel. */
  #jumpNl = 0;
  /** Time since the zero was last learned (ms): its wander since then is doubt. */
  #sinceMs = 0;

  constructor(config: SensorZeroConfig) {
    this.#c = config;
    this.#doubt = config.zeroBoundNlPerMin;
    const n = Math.max(1, Math.ceil(config.zeroConfirmMs / config.zeroSpanMs));
    this.#waitMs = new Float64Array(n);
    this.#waitErrNl = new Float64Array(n);
    this.#waitPushedNl = new Float64Array(n);
  }

  /** The zero as learned (nl/min). */
  get nlPerMin(): number {
    return this.#zero;
  }

  /**
   * How far it may still be off (nl/min): what is left of the datasheet's bound (none once a
   * span was learned), or what a whole jump of the stopper can do to the estimate over the
   * delivery it was learned from. The stopper moves in jumps at low rates, so a span of delivery
   * holds a jump or none: at 0.6 mL/day on a 60 mL syringe (a 4.4 uL jump every 10 min) the first
   * 10 min learned a zero 450 nl/min off, and with no doubt left to cover it the deficit built to
   * a false OCCLUSION (and, building, stopped the learning that would have put it right). Past
   * four time constants of learning the estimate averages the jumps as the old filter did.
   */
  get doubtNlPerMin(): number {
    const d = this.#deliveryLearnedMs;
    const jumps = d > 0 && d < 4 * this.#c.zeroLearnMs ? Math.min(this.#c.zeroBoundNlPerMin, (this.#jumpNl * MS_PER_MINUTE) / d) : 0;
    return Math.max(this.#doubt, jumps, this.#wander());
  }

  /**
   * How far the sensor may have wandered since the zero was last learned (nl/min): the wander
   * rate times the root of that time (a random walk's spread), never past the datasheet's bound.
   * Nothing before anything was learned: the bound itself is the doubt then.
   */
  #wander(): number {
    if (this.#learnedMs === 0) return 0;
    return Math.min(this.#c.zeroBoundNlPerMin, this.#c.zeroWanderNlPerMinPerSqrtHour * Math.sqrt(this.#sinceMs / MS_PER_HOUR));
  }

  /**
   * How far it may be off while the plunger stands (nl/min): the doubt, and the drive's volume
   * error and the sensor's span error a zero learned in delivery took up (up to driveErrorPercent
   * and sensorSpanPercent of the rate it was learned at), which are not there when nothing is
   * pushed or flows. Without the drive's share a stop after 90 min at 6 mL/h on a syringe 2 %
   * wide of its table read as 2 % of 6 mL/h flowing back, and the deficit built to a false
   * OCCLUSION (and a back-off drawing on the stopped line) in 7 min; 2 % narrow, a false
   * OVER_DELIVERY in 11. Without the span's, a sensor reading 5 % high or low on such a syringe
   * did the same (host-tests/rest-zero.test.ts).
   */
  get restDoubtNlPerMin(): number {
    return this.doubtNlPerMin + ((this.#c.driveErrorPercent + this.#c.sensorSpanPercent) * Math.abs(this.#rateNlPerMin)) / 100;
  }

  /** A new syringe or drive: the volume of a jump (nl). */
  setJumpNl(nl: number): void {
    this.#jumpNl = nl;
  }

  /** Time passes for the sensor (every valid read, delivering or not): it wanders from its zero. */
  passed(dtMs: number): void {
    this.#sinceMs += dtMs;
  }

  /** At rest, the line drained: the reading is the zero alone (learned with restLearnMs). */
  atRest(dtMs: number, readNlPerMin: number): void {
    this.#learnedMs += dtMs;
    this.#fold(dtMs, readNlPerMin, 0, this.#c.restLearnMs);
  }

  /**
   * A sample of delivery. `steady`: the rate has settled since the last change or restart, and
   * the slack is taken up; other samples are not learned from. `building`: one of the flow
   * check's sums has grown to half its threshold, which throws away the span and the spans
   * waiting, as an occlusion's first minutes may sit in them. (Smaller sums are learned from: a
   * stopper that sticks holds back up to a whole jump, 4.4 uL on a 60 mL syringe, most of a
   * quarter threshold, and skipping those samples taught the zero the jumps alone.)
   */
  delivering(dtMs: number, pushedNl: number, rawMeasuredNl: number, steady: boolean, building: boolean): void {
    if (building) {
      this.forget();
      return;
    }
    if (!steady) return;
    this.#spanMs += dtMs;
    this.#spanErrNl += rawMeasuredNl - pushedNl;
    this.#spanPushedNl += pushedNl;
    if (this.#spanMs < this.#c.zeroSpanMs) return;
    const n = this.#waitMs.length;
    if (this.#waiting === n) {
      // The oldest span waiting is confirmed by zeroConfirmMs of normal delivery since: learned, as
      // a running mean of the spans so far until they cover zeroLearnMs (the datasheet's bound is
      // no estimate to average with: taken as the filter's start it kept the doubt above the
      // allowance for the first hour), then with that time constant.
      const ms = this.#waitMs[this.#head]!;
      this.#learnedMs += ms;
      this.#deliveryLearnedMs += ms;
      this.#fold(ms, (this.#waitErrNl[this.#head]! * MS_PER_MINUTE) / ms, (this.#waitPushedNl[this.#head]! * MS_PER_MINUTE) / ms, Math.min(this.#c.zeroLearnMs, this.#learnedMs - ms));
      this.#head = (this.#head + 1) % n;
      this.#waiting--;
    }
    const at = (this.#head + this.#waiting) % n;
    this.#waitMs[at] = this.#spanMs;
    this.#waitErrNl[at] = this.#spanErrNl;
    this.#waitPushedNl[at] = this.#spanPushedNl;
    this.#waiting++;
    this.#spanMs = 0;
    this.#spanErrNl = 0;
    this.#spanPushedNl = 0;
  }

  /** Drops what waits to be learned (a restart, a sum building). */
  forget(): void {
    this.#spanMs = 0;
    this.#spanErrNl = 0;
    this.#spanPushedNl = 0;
    this.#waiting = 0;
  }

  /**
   * First-order step towards `estimate` (nl/min), learned at `rateNlPerMin`, over `dtMs` with
   * time constant `tauMs` (a rational weight: the same bits on every engine).
   */
  #fold(dtMs: number, estimate: number, rateNlPerMin: number, tauMs: number): void {
    const bound = this.#c.zeroBoundNlPerMin;
    const k = dtMs / (tauMs + dtMs);
    const z = this.#zero + k * (estimate - this.#zero);
    this.#zero = Math.max(-bound, Math.min(bound, z));
    this.#rateNlPerMin += k * (rateNlPerMin - this.#rateNlPerMin);
    this.#doubt *= 1 - k;
    this.#sinceMs = 0;
  }
}

/**
 * A running sum of pushed less measured volume (nl) that takes the zero as it is learned: the
 * samples since the last fold are kept raw, with their time, and corrected with the zero known
 * now; once the zero is known the caller folds them into a plain value. So minutes read before
 * the zero was known (a 5 uL/min offset over the first 20 min is 100 uL) do not stay in it.
 * The flow check keeps two (what the line holds, and what that took while the line was filled).
 */
export class ZeroFoldedSum {
  #folded = 0;
  #rawNl = 0;
  #rawMs = 0;

  /** The folded part alone (nl). */
  get folded(): number {
    return this.#folded;
  }

  add(nl: number, dtMs: number): void {
    this.#rawNl += nl;
    this.#rawMs += dtMs;
  }

  /** The sum with `zeroNlPerMin` applied to the raw samples (nl). */
  value(zeroNlPerMin: number): number {
    return this.#folded + this.#rawNl + (zeroNlPerMin * this.#rawMs) / MS_PER_MINUTE;
  }

  /** The raw samples are done with: the sum is `nl` from here. */
  fold(nl: number): void {
    this.#folded = nl;
    this.#rawNl = 0;
    this.#rawMs = 0;
  }
}
