// Plunger-force occlusion check: the classic pump method (and this project's baseline).
// Line pressure times the plunger area adds to the seal friction; with pressure in kPa and
// area in mm^2 the product is directly millinewtons (1 kPa x 1 mm^2 = 1 mN). The friction
// baseline is the lowest force seen since delivery (re)started with the line at rest: a
// sliding window would follow a slow occlusion's rising pressure and never alarm.

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

  /** One reading; returns a description when it says occlusion. */
  sample(forceMilliNewton: number): string | undefined {
    if (this.#baseline === undefined || forceMilliNewton < this.#baseline) this.#baseline = forceMilliNewton;
    const rise = forceMilliNewton - this.#baseline;
    this.#over = rise > this.thresholdMilliNewton ? this.#over + 1 : 0;
    if (this.#over < this.config.consecutive) return undefined;
    return `plunger force ${forceMilliNewton} mN is ${rise} mN above the friction baseline; the threshold is ${this.thresholdMilliNewton} mN (${this.config.occlusionKpa} kPa)`;
  }
}
