// Flow-based line check: compares the volume the plunger pushed with the volume the flow
// sensor measured, sample by sample, with two one-sided CUSUMs (Page's cumulative sum):
// the deficit sum grows while less arrives than was pushed, the excess sum while more does.
// An allowance per minute (sensor offset plus a fraction of the rate) drains each sum, so
// noise and small offsets never accumulate; the threshold grows with the recent peak rate,
// because the line's compliance holds back about rate x time-constant whenever the rate rises
// (and gives it back when it falls). A full occlusion stops all flow at the sensor, so the
// deficit grows at nearly the whole rate and crosses the threshold in minutes, long before
// pressure would build enough for a force threshold. Whether flow still arrives (occlusion or
// under-delivery) is judged over a recent window, not over the whole deficit: a deficit left
// over from the start-up transient would otherwise carry minutes of normal flow into the ratio.

import { MS_PER_DAY, MS_PER_MINUTE } from './units';

export interface FlowCheckConfig {
  /** Flow error always tolerated: sensor offset and drift (nl/min). */
  readonly allowanceNlPerMin: number;
  /** Flow error tolerated in proportion to the rate, in percent of it. */
  readonly allowancePercent: number;
  /** Smallest volume either sum must reach to alarm (nl). */
  readonly thresholdNl: number;
  /** The line time constants the threshold tolerates: threshold += peak rate x lagMs. */
  readonly lagMs: number;
  /** Below this share of the pushed volume arriving, a deficit is an occlusion (percent). */
  readonly occlusionFlowPercent: number;
  /**
   * The window "is flow still arriving" is judged over (ms): pushed and measured volume are
   * filtered sums with the weight recentMs / (recentMs + dt) per sample. Short against the
   * time a full occlusion needs to pass the threshold (88 s at 1 mL/h), so that by then the
   * flow before the occlusion has faded below occlusionFlowPercent; long against the sensor's
   * noise and the gaps between microsteps at low rates.
   */
  readonly recentMs: number;
}

export const DEFAULT_FLOW_CHECK: FlowCheckConfig = {
  allowanceNlPerMin: 150,
  allowancePercent: 10,
  thresholdNl: 5_000,
  lagMs: 60_000,
  occlusionFlowPercent: 20,
  recentMs: 30_000,
};

export type FlowVerdict = 'ok' | 'occlusion' | 'under-delivery' | 'over-delivery';

export interface FlowFinding {
  readonly verdict: FlowVerdict;
  /**
   * Volume the line has taken up since flow last arrived in full (or since the line restarted,
   * or the deficit last drained): pushed but not seen at the sensor, never more than that.
   */
  readonly storedEstimateNl: number;
  /**
   * The flow that last arrived in full (the recent pushed flow, nl/day, as the sensor saw it
   * within the allowance): the line also holds what that flow needed to pass the catheter.
   * 0 when full flow has not been seen since the restart (a line blocked from the start, or
   * one relieved by a back-off and still blocked).
   */
  readonly arrivedNlPerDay: number;
  readonly detail: string;
}

/** The verdict of almost every sample, made once: a sample per second must not allocate. */
const FLOW_OK: FlowFinding = Object.freeze({ verdict: 'ok', storedEstimateNl: 0, arrivedNlPerDay: 0, detail: '' });

export class FlowCheck {
  readonly config: FlowCheckConfig;
  #deficit = 0;
  #excess = 0;
  /**
   * Since flow last arrived in full, the deficit sum last stood at zero or the line restarted,
   * whichever came last: pushed and measured volume (what the line has taken up since).
   */
  #pushedSince = 0;
  #measuredSince = 0;
  /** The pushed flow the sensor last saw arrive in full (nl/day; 0: not since the restart). */
  #arrivedNlPerDay = 0;
  /** Recent window: filtered sums of pushed and measured volume (nl) and of time (ms). */
  #recentPushed = 0;
  #recentMeasured = 0;
  #recentMs = 0;
  /** Peak rate for the deficit side: held for a few time constants after a rate drop. */
  #peakRate = 0;
  #peakUntilMs = 0;
  /**
   * Peak rate for the excess side: also held until the excess sum has drained, because after
   * a rate drop the line gives back what it held at the old rate. (The deficit side must not
   * hold it so: a deficit that never drains is an occlusion, and must meet the current rate's
   * threshold.)
   */
  #excessPeakRate = 0;
  #excessPeakUntilMs = 0;

  constructor(config: FlowCheckConfig = DEFAULT_FLOW_CHECK) {
    this.config = config;
  }

  get deficitNl(): number {
    return this.#deficit;
  }

  get excessNl(): number {
    return this.#excess;
  }

  /** Forget the sums: after a pause, an alarm or a new prescription the line starts afresh. */
  reset(): void {
    this.#deficit = 0;
    this.#excess = 0;
    this.#pushedSince = 0;
    this.#measuredSince = 0;
    this.#arrivedNlPerDay = 0;
    this.#recentPushed = 0;
    this.#recentMeasured = 0;
    this.#recentMs = 0;
  }

  /**
   * One sample: `pushedNl` moved by the plunger and `measuredNl` through the sensor over the
   * last `dtMs`, while the pump ran at `rateNlPerDay`.
   */
  sample(now: number, dtMs: number, pushedNl: number, measuredNl: number, rateNlPerDay: number): FlowFinding {
    const c = this.config;
    // The threshold follows the highest rate of the last few time constants: a rate drop
    // releases what the line held at the old rate.
    if (rateNlPerDay >= this.#peakRate || now > this.#peakUntilMs) {
      this.#peakRate = rateNlPerDay;
      this.#peakUntilMs = now + 3 * c.lagMs;
    }
    if (rateNlPerDay >= this.#excessPeakRate || (now > this.#excessPeakUntilMs && this.#excess === 0)) {
      this.#excessPeakRate = rateNlPerDay;
      this.#excessPeakUntilMs = now + 3 * c.lagMs;
    }
    const gap = pushedNl - measuredNl;
    this.#deficit = Math.max(0, this.#deficit + gap - this.#allowance(this.#peakRate, dtMs));
    this.#excess = Math.max(0, this.#excess - gap - this.#allowance(this.#excessPeakRate, dtMs));
    // The recent window: a first-order filter with a rational weight (not Math.exp), so that
    // every engine computes the same bits, in fields, so that no sample allocates.
    const w = c.recentMs / (c.recentMs + dtMs);
    this.#recentPushed = this.#recentPushed * w + pushedNl;
    this.#recentMeasured = this.#recentMeasured * w + measuredNl;
    this.#recentMs = this.#recentMs * w + dtMs;
    // Flow arrives in full when the recent window sees the pushed volume within the rate
    // allowance: the line then holds what that flow needs to pass the catheter, and what it
    // takes up beyond that is counted from here.
    const arriving = this.#recentPushed > 0 && 100 * this.#recentMeasured >= (100 - c.allowancePercent) * this.#recentPushed;
    if (arriving) this.#arrivedNlPerDay = (this.#recentPushed / this.#recentMs) * MS_PER_DAY;
    if (this.#deficit === 0 || arriving) {
      this.#pushedSince = 0;
      this.#measuredSince = 0;
    } else {
      this.#pushedSince += pushedNl;
      this.#measuredSince += measuredNl;
    }

    const threshold = this.#threshold(this.#peakRate);
    if (this.#deficit > threshold) {
      // Occlusion or under-delivery is judged on the recent window: a deficit that began in a
      // start-up transient or a bolus carries minutes of normal flow, and the ratio over it
      // would stay above occlusionFlowPercent long after the flow stopped.
      const p = this.#recentPushed;
      const m = this.#recentMeasured;
      const occluded = p > 0 && 100 * m < c.occlusionFlowPercent * p;
      const arrived = p > 0 ? Math.round((100 * m) / p) : 0;
      const stored = Math.max(0, this.#pushedSince - this.#measuredSince);
      const detail = `${Math.round(p)} nl pushed, ${Math.round(m)} nl measured in the last ${Math.round(c.recentMs / 1000)} s (${arrived}%), deficit ${Math.round(this.#deficit)} nl over ${Math.round(threshold)} nl, ${Math.round(stored)} nl taken up by the line`;
      return { verdict: occluded ? 'occlusion' : 'under-delivery', storedEstimateNl: stored, arrivedNlPerDay: this.#arrivedNlPerDay, detail };
    }
    const excessThreshold = this.#threshold(this.#excessPeakRate);
    if (this.#excess > excessThreshold) {
      return { verdict: 'over-delivery', storedEstimateNl: 0, arrivedNlPerDay: 0, detail: `${Math.round(this.#excess)} nl more measured than pushed (threshold ${Math.round(excessThreshold)} nl)` };
    }
    return FLOW_OK;
  }

  // Allowance and threshold as plain numbers (not a {allowance, threshold} object per sample).

  /** Flow error tolerated over `dtMs` at a given peak rate (nl). */
  #allowance(peakNlPerDay: number, dtMs: number): number {
    const c = this.config;
    const peakNlPerMin = peakNlPerDay / (MS_PER_DAY / MS_PER_MINUTE);
    return ((c.allowanceNlPerMin + (peakNlPerMin * c.allowancePercent) / 100) * dtMs) / MS_PER_MINUTE;
  }

  /** Volume either sum must pass to alarm at a given peak rate (nl). */
  #threshold(peakNlPerDay: number): number {
    const c = this.config;
    const peakNlPerMin = peakNlPerDay / (MS_PER_DAY / MS_PER_MINUTE);
    return c.thresholdNl + (peakNlPerMin * c.lagMs) / MS_PER_MINUTE;
  }
}
