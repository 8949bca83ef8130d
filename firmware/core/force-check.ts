// Plunger-force occlusion check: the classic pump method (and this project's baseline).
// Line pressure times the plunger area adds to the seal friction; with pressure in kPa and
// area in mm^2 the product is directly millinewtons (1 kPa x 1 mm^2 = 1 mN). The friction
// baseline is the lowest force seen since delivery (re)started with the line at rest: a
// sliding window would follow a slow occlusion's rising pressure and never alarm. It is learned
// only once the plunger has moved forward far enough to take up the drive's play and the
// stopper's deflection (loadUpUm): before that the seal carries less than its sliding friction
// (or the back-off's, reversed), and a baseline learned there put the seal's friction into the
// "rise" (a false OCCLUSION after 11 s on a 1 mL syringe; within 5 min at 1 mL/h on two
// population rigs).

export interface ForceCheckConfig {
  /** Occlusion pressure threshold (hospital syringe pumps: about 40-120 kPa, 300-900 mmHg). */
  readonly occlusionKpa: number;
  /** Consecutive readings over the threshold needed. */
  readonly consecutive: number;
  /**
   * Forward travel after a (re)start before the friction is learned, um. The nut's play (up to
   * 100 um on the plain brass nut) and the stopper's glide deflection (up to 30 um) are taken up
   * first, and the seal's force climbs to its glide force only as they are: a baseline learned
   * sooner held part of the friction, which then read as line pressure. On a stiff, resistive
   * line (35 kPa of working pressure at 1 mL/h) with a 5 N seal that made a false OCCLUSION within
   * 5 min on 2 of 100 population rigs (issue 15). The baseline learned after it holds what working
   * pressure the line has built by then, so the threshold counts from there, as a dynamic
   * pressure baseline does.
   */
  readonly loadUpUm: number;
}

export const DEFAULT_FORCE_CHECK: ForceCheckConfig = { occlusionKpa: 66, consecutive: 2, loadUpUm: 130 };

export class ForceCheck {
  readonly config: ForceCheckConfig;
  readonly thresholdMilliNewton: number;
  /** The load-up travel as a volume (um x mm^2 = nl). */
  readonly #loadUpNl: number;
  #baseline: number | undefined;
  #over = 0;
  #travelNl = 0;

  constructor(plungerAreaMm2: number, config: ForceCheckConfig = DEFAULT_FORCE_CHECK) {
    this.config = config;
    this.thresholdMilliNewton = Math.round(config.occlusionKpa * plungerAreaMm2);
    this.#loadUpNl = config.loadUpUm * plungerAreaMm2;
  }

  /** Delivery (re)starts with the line at rest: learn the friction afresh. */
  reset(): void {
    this.#baseline = undefined;
    this.#over = 0;
    this.#travelNl = 0;
  }

  /** The plunger moved `nl` (negative backing off) since the last call. */
  pushed(nl: number): void {
    this.#travelNl += nl;
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
    // Until the drive's play and the stopper's deflection are taken up, the friction is not all there.
    if (this.#travelNl < this.#loadUpNl) return undefined;
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
  /**
   * The level then follows slow changes over this many samples: 5 min, so it keeps within about
   * 2 % of the working pressure behind the screw's wobble (30 min lagged it by the whole swing).
   */
  readonly followSamples: number;
  /**
   * The level also follows over this much plunger travel, um, whichever is faster. A seal's glide
   * force wanders along the barrel (silicone thinner in patches), and a level following by time
   * lags that wander by its slope times 5 min: the slope grows with the speed, and at 5 mL/h on a
   * 10 mL syringe the lag passed the allowance and raised UNDER_DELIVERY on 4 of 30 population
   * rigs within 45 min (issue 15). Over 500 um of travel the lag on the steepest wander the rigs
   * draw (10 % of the glide force over 10 mm) is at most 3 % of the glide force, whatever the
   * speed; below 1.7 um/s (1 mL/h on a 10 mL syringe) the 5 min is the faster, as before.
   */
  readonly followUm: number;
  /**
   * The noise follows over this many samples: slower than the level, so the minute a real drop
   * takes to add up does not raise the sigma its threshold is counted in (with the level's 5 min
   * it did, and a disconnection at 1 mL/h went unseen).
   */
  readonly noiseFollowSamples: number;
  /** Drift allowance per sample, in noise sigmas: a drop must exceed it to accumulate. */
  readonly kSigma: number;
  /**
   * More drift allowance, as a share of the working level. The lead screw's once-a-turn wobble
   * (up to 10 um on a 2 mm lead) moves the flow, and with it the working pressure, by up to
   * 2 pi x 10 / 2000 = 3.1 %, over a turn (20 min at 1 mL/h on a 10 mL syringe, an hour on a
   * 60 mL): too slow for the sum to ignore and too fast for the level to follow, 2.1 % of the
   * pressure behind it. Where the pressure is most of the force (a 60 mL syringe at 2 mL/h: 4.6 N
   * of 7.4 N) that lag alone passed 0.5 sigma and raised UNDER_DELIVERY (issue 15). The level
   * holds the seal's friction too, so the share errs large; a seal's own slow wander is covered
   * by it as well.
   */
  readonly levelShare: number;
  /** Alarm threshold of the sum, in noise sigmas (false alarms: about one in years of samples). */
  readonly hSigma: number;
  /**
   * Slowest plunger the check watches, um/s. Below a stopper's critical speed its seal sticks and
   * slips: the force climbs while it sticks and falls by up to 2 N at each slip, a sawtooth whose
   * period is the slip (up to 8 um) over the speed. Where that period is long the falling half
   * reads as a drop: every population rig on a 60 mL syringe at 1 mL/day raised UNDER_DELIVERY
   * within hours (issue 15). 0.3 um/s keeps the period under 30 s; below it (0.18 mL/h on a 10 mL
   * syringe, 0.6 mL/h on a 60 mL) the working pressure lost in a disconnection is a few tens of mN
   * and was not seen anyway.
   */
  readonly minSpeedUmPerS: number;
}

export const DEFAULT_PRESSURE_DROP: PressureDropConfig = {
  settleSamples: 180,
  learnSamples: 900,
  followSamples: 300,
  followUm: 500,
  noiseFollowSamples: 1_800,
  kSigma: 0.5,
  levelShare: 0.025,
  hSigma: 30,
  minSpeedUmPerS: 0.3,
};

/** Nanolitres a day over square millimetres is micrometres a day: 86 400 s to the day. */
const S_PER_DAY = 86_400;

export class PressureDropCheck {
  readonly config: PressureDropConfig;
  #areaMm2: number;
  #rate = -1;
  #n = 0;
  #level = 0;
  #var = 0;
  #sum = 0;

  constructor(plungerAreaMm2: number, config: PressureDropConfig = DEFAULT_PRESSURE_DROP) {
    this.config = config;
    this.#areaMm2 = plungerAreaMm2;
  }

  /** A new syringe: the plunger's speed at a rate follows its bore. */
  setPlungerArea(plungerAreaMm2: number): void {
    this.#areaMm2 = plungerAreaMm2;
    this.reset();
  }

  /** The plunger's speed at `rateNlPerDay`, um/s (nl over mm^2 is um). */
  #umPerS(rateNlPerDay: number): number {
    return rateNlPerDay / this.#areaMm2 / S_PER_DAY;
  }

  /** The plunger is fast enough at `rateNlPerDay` for the seal's stick-slip to average out. */
  watches(rateNlPerDay: number): boolean {
    return this.#umPerS(rateNlPerDay) >= this.config.minSpeedUmPerS;
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
    if (!this.watches(rateNlPerDay)) return undefined; // the seal's sawtooth would read as drops
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
    this.#sum = Math.max(0, this.#sum + below - c.kSigma * sigma - c.levelShare * this.#level);
    // Follow slow changes with every sample: slowly (followSamples, followUm) against the sum's reaction
    // to a real drop (about 40 samples at 1 mL/h), and without choosing which samples to follow:
    // following only those that added nothing to the sum biased the level upwards and gave a
    // false alarm every two or three hours.
    // One reading a second: the plunger's travel per reading is its speed in um/s.
    this.#level -= below * Math.max(1 / c.followSamples, Math.min(1, this.#umPerS(rateNlPerDay) / c.followUm));
    this.#var += (below * below - this.#var) / c.noiseFollowSamples;
    if (this.#sum <= c.hSigma * sigma) return undefined;
    const detail = `plunger force fell below its working level of ${Math.round(this.#level)} mN (now ${Math.round(forceMilliNewton)} mN; drop sum ${Math.round(this.#sum)} mN over ${Math.round(c.hSigma * sigma)} mN, noise ${Math.round(sigma)} mN): the line pressure fell, a disconnection or leak downstream of the sensor`;
    this.reset();
    return detail;
  }
}
