// Flow-based line check: compares the volume the plunger pushed with the volume the flow
// sensor measured, sample by sample, with two one-sided CUSUMs (Page's cumulative sum):
// the deficit sum grows while less arrives than was pushed, the excess sum while more does.
// An allowance per minute (sensor offset plus a fraction of the rate) drains each sum, so
// noise and small offsets never accumulate; the threshold grows with the recent peak rate,
// because the line's compliance holds back about rate x time-constant whenever the rate rises
// (and gives it back when it falls). A full occlusion stops all flow at the sensor, so the
// deficit grows at nearly the whole rate and crosses the threshold in minutes, long before
// pressure would build enough for a force threshold.

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
}

export const DEFAULT_FLOW_CHECK: FlowCheckConfig = {
  allowanceNlPerMin: 150,
  allowancePercent: 10,
  thresholdNl: 5_000,
  lagMs: 60_000,
  occlusionFlowPercent: 20,
};

export type FlowVerdict = 'ok' | 'occlusion' | 'under-delivery' | 'over-delivery';

export interface FlowFinding {
  readonly verdict: FlowVerdict;
  /** Volume pushed but not seen at the sensor since the deficit started: what the line holds. */
  readonly storedEstimateNl: number;
  readonly detail: string;
}

/** The verdict of almost every sample, made once: a sample per second must not allocate. */
const FLOW_OK: FlowFinding = Object.freeze({ verdict: 'ok', storedEstimateNl: 0, detail: '' });

export class FlowCheck {
  readonly config: FlowCheckConfig;
  #deficit = 0;
  #excess = 0;
  /** Since the deficit sum last stood at zero: pushed and measured volume. */
  #pushedSince = 0;
  #measuredSince = 0;
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
    const threshold = this.#threshold(this.#peakRate);
    if (this.#deficit === 0) {
      this.#pushedSince = 0;
      this.#measuredSince = 0;
    } else {
      this.#pushedSince += pushedNl;
      this.#measuredSince += measuredNl;
    }

    if (this.#deficit > threshold) {
      const arrived = this.#pushedSince > 0 ? Math.round((100 * this.#measuredSince) / this.#pushedSince) : 0;
      const detail = `${Math.round(this.#pushedSince)} nl pushed, ${Math.round(this.#measuredSince)} nl measured (${arrived}%), deficit ${Math.round(this.#deficit)} nl over ${Math.round(threshold)} nl`;
      const verdict = arrived < c.occlusionFlowPercent ? 'occlusion' : 'under-delivery';
      return { verdict, storedEstimateNl: Math.max(0, this.#pushedSince - this.#measuredSince), detail };
    }
    const excessThreshold = this.#threshold(this.#excessPeakRate);
    if (this.#excess > excessThreshold) {
      return { verdict: 'over-delivery', storedEstimateNl: 0, detail: `${Math.round(this.#excess)} nl more measured than pushed (threshold ${Math.round(excessThreshold)} nl)` };
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
