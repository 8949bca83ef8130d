// Plunger-force occlusion check: the classic pump method (and this project's baseline).
// Line pressure times the plunger area adds to the seal friction; with pressure in kPa and
// area in mm^2 the product is directly millinewtons (1 kPa x 1 mm^2 = 1 mN). The friction
// baseline is the lowest force seen since delivery (re)started with the line at rest: a
// sliding window would follow a slow occlusion's rising pressure and never alarm. The monitor
// feeds it only after the plunger has moved forward since the restart: before that the seal
// carries no sliding friction (or the back-off's, reversed), and a baseline learned there put a
// whole seal friction into the "rise" (a false OCCLUSION after 11 s on a 1 mL syringe).

export interface ForceCheckConfig {
  /** Occlusion pressure threshold (hospital syringe pumps: about 40-120 kPa, 300-900 mmHg). */
  readonly occlusionKpa: number;
  /** Consecutive readings over the threshold needed. */
  readonly consecutive: number;
}

export const DEFAULT_FORCE_CHECK: ForceCheckConfig = { occlusionKpa: 66, consecutive: 2 };

export class ForceCheck {
  readonly config: ForceCheckConfig;
  readonly thresholdMilliNewton: number;
  #baseline: number | undefined;
  #over = 0;

  constructor(plungerAreaMm2: number, config: ForceCheckConfig = DEFAULT_FORCE_CHECK) {
    this.config = config;
    this.thresholdMilliNewton = Math.round(config.occlusionKpa * plungerAreaMm2);
  }

  /** Delivery (re)starts with the line at rest: learn the friction afresh. */
  reset(): void {
    this.#baseline = undefined;
    this.#over = 0;
  }

  get baselineMilliNewton(): number | undefined {
    return this.#baseline;
  }

  /**
   * The line's share of a reading taken at rest (delivery stopped): the seal's friction acts
   * against the last direction of travel, so after a back-off it is added back, not taken off.
   * Undefined before a baseline was learned.
   */
  pressureForce(forceMilliNewton: number, lastForward: boolean): number | undefined {
    const b = this.#baseline;
    if (b === undefined) return undefined;
    return lastForward ? forceMilliNewton - b : forceMilliNewton + b;
  }

  /** One reading; returns a description when it says occlusion. */
  sample(forceMilliNewton: number): string | undefined {
    if (this.#baseline === undefined || forceMilliNewton < this.#baseline) this.#baseline = forceMilliNewton;
    const rise = forceMilliNewton - this.#baseline;
    this.#over = rise > this.thresholdMilliNewton ? this.#over + 1 : 0;
    if (this.#over < this.config.consecutive) return undefined;
    return `plunger force ${forceMilliNewton} mN is ${rise} mN above the friction baseline; the threshold is ${this.thresholdMilliNewton} mN (${this.config.occlusionKpa} kPa)`;
  }
}

// ---------------------------------------------------------------------------------------------
// Pressure drop (issue 13, hole 5): a disconnection or leak downstream of the flow sensor empties
// the line at once, and the flow sensor never sees it at steady state (the plunger pushes through
// the leak too). What changes is the line pressure: it falls from the working pressure (rate x
// catheter resistance, 1.3 kPa at 1 mL/h on the rig's line) to about zero, so the plunger force
// falls by that pressure times the bore. That step is small against the seal's stick-slip (about
// 100 mN a sample), so it is found with a one-sided CUSUM on the force below its learned working
// level: each sample adds (level - force - k) and the sum alarms past h, with k and h in units of
// the noise measured while learning. The level is learned afresh at every (re)start and every rate
// change (a rate drop lowers the working pressure too), after the line has settled.

export interface PressureDropConfig {
  /** Samples ignored after a (re)start or a rate change: the line settles (5 x the rig's 35 s). */
  readonly settleSamples: number;
  /** Samples the working level and its noise are learned over before the check starts. */
  readonly learnSamples: number;
  /** The level then follows slow friction changes over this many samples. */
  readonly followSamples: number;
  /** Drift allowance per sample, in noise sigmas: a drop must exceed it to accumulate. */
  readonly kSigma: number;
  /** Alarm threshold of the sum, in noise sigmas (false alarms: about one in years of samples). */
  readonly hSigma: number;
}

export const DEFAULT_PRESSURE_DROP: PressureDropConfig = { settleSamples: 180, learnSamples: 900, followSamples: 1_800, kSigma: 0.5, hSigma: 30 };

export class PressureDropCheck {
  readonly config: PressureDropConfig;
  #rate = -1;
  #n = 0;
  #level = 0;
  #var = 0;
  #sum = 0;

  constructor(config: PressureDropConfig = DEFAULT_PRESSURE_DROP) {
    this.config = config;
  }

  /** Learn afresh: delivery (re)started, the rate changed, or a drop was reported. */
  reset(): void {
    this.#n = 0;
    this.#sum = 0;
  }

  /** Still settling or learning the working level since the last relearn. */
  get learning(): boolean {
    return this.#n <= this.config.settleSamples + this.config.learnSamples;
  }

  /** One force reading while delivering at `rateNlPerDay`; a description when the force dropped. */
  sample(forceMilliNewton: number, rateNlPerDay: number): string | undefined {
    const c = this.config;
    if (rateNlPerDay !== this.#rate) {
      this.#rate = rateNlPerDay;
      this.reset();
    }
    if (!(rateNlPerDay > 0)) return undefined; // nothing pushed: no working pressure to lose
    const i = ++this.#n - c.settleSamples;
    if (i <= 0) return undefined;
    if (i <= c.learnSamples) {
      // Welford's running mean and variance: exact, no stored samples.
      if (i === 1) {
        this.#level = forceMilliNewton;
        this.#var = 0;
        return undefined;
      }
      const d = forceMilliNewton - this.#level;
      this.#level += d / i;
      this.#var += (d * (forceMilliNewton - this.#level) - this.#var) / i;
      return undefined;
    }
    const sigma = Math.sqrt(this.#var) || 1;
    const below = this.#level - forceMilliNewton;
    this.#sum = Math.max(0, this.#sum + below - c.kSigma * sigma);
    // Follow slow friction changes with every sample: slowly (followSamples) against the sum's
    // reaction to a real drop (about 20 samples at 1 mL/h), and without choosing which samples
    // to follow: following only those that added nothing to the sum biased the level upwards
    // and gave a false alarm every two or three hours.
    const w = 1 / c.followSamples;
    this.#level -= w * below;
    this.#var += w * (below * below - this.#var);
    if (this.#sum <= c.hSigma * sigma) return undefined;
    const detail = `plunger force fell below its working level of ${Math.round(this.#level)} mN (now ${Math.round(forceMilliNewton)} mN; drop sum ${Math.round(this.#sum)} mN over ${Math.round(c.hSigma * sigma)} mN, noise ${Math.round(sigma)} mN): the line pressure fell, a disconnection or leak downstream of the sensor`;
    this.reset();
    return detail;
  }
}
