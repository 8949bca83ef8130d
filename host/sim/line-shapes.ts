// The fluid line's public shapes and defaults (line.ts re-exports them): its options, the
// cumulative mark a sensor averages over, the fault switches, and the default compliance and
// resistance with the reasoning behind them. No Node APIs (bundled into XS with host/sim).

/** About 1 uL per mmHg (7.5 uL/kPa): see DEFAULT_LINE for the reasoning. */
export const DEFAULT_COMPLIANCE_NL_PER_KPA = 7_500;
export const DEFAULT_TAU_MS = 35_000;

/**
 * Defaults, and why:
 * - Compliance 7.5 uL/kPa (1 uL/mmHg). With it, the published behaviour of hospital syringe
 *   pumps falls out: an occlusion alarm at about 500 mmHg (67 kPa) needs 500 uL pushed into a
 *   closed line, which takes 5 h at 0.1 mL/h and 1 h at 0.5 mL/h (domain.md: 5 h and 50 min
 *   to 2 h), and the release bolus is the same 0.5 mL, ECRI's limit.
 * - tau = R C of 35 s, so R = 4.7 kPa s/uL: Poiseuille for water through 1 m of 0.31 mm bore
 *   (8 mu L / (pi r^4)), a microbore extension plus catheter. R (kPa s/uL) x C (nl/kPa) is ms.
 *   At 1 mL/day the steady line pressure is then Q R = 0.05 kPa: pressure only tells
 *   something once the line is blocked.
 */
export const DEFAULT_LINE = {
  complianceNlPerKpa: DEFAULT_COMPLIANCE_NL_PER_KPA,
  resistanceKpaSPerUl: DEFAULT_TAU_MS / DEFAULT_COMPLIANCE_NL_PER_KPA,
} as const;

export interface FluidLineOptions {
  /** Compliance upstream of the sensor, nl per kPa. */
  readonly complianceNlPerKpa?: number;
  /** Catheter/outlet resistance downstream of the sensor, kPa per (uL/s). */
  readonly resistanceKpaSPerUl?: number;
  /**
   * Compliance downstream of the sensor (catheter wall, connector, soft tubing after the
   * sensor), nl per kPa; default 0: all of it upstream, the line of line.ts's one node. Above 0
   * the line has two nodes (line-downstream.ts) and a blocked tip no longer stops the sensor's
   * flow at once.
   */
  readonly downstreamComplianceNlPerKpa?: number;
  /**
   * Where that compliance sits along the resistance: the share of it between the sensor and the
   * compliance (0 to 1, exclusive; default 0.5, the middle of a uniform catheter). Occlusions and
   * leaks act beyond it, at the tip side. Ignored without a downstream compliance.
   */
  readonly sensorSideResistanceShare?: number;
  /** The line's clock at creation (ms); default 0. */
  readonly startMs?: number;
}

/** A point on the line's cumulative record, for mean flows over a window (a sensor's read). */
export interface LineMark {
  readonly atMs: number;
  readonly throughSensorFl: number;
  readonly airFl: number;
}

/** What the fault schedule changes on the line (faults.ts calls these). */
export interface LineFaults {
  /** Full occlusion downstream of the sensor (R infinite; with a downstream compliance, at the tip beyond it). */
  occlude(atMs: number): void;
  /** Partial occlusion: R multiplied by `factor` (with a downstream compliance, the tip side's R). */
  partiallyOcclude(atMs: number, factor: number): void;
  /** The occlusion clears: R back to normal, and the stored volume comes out as a bolus. */
  release(atMs: number): void;
  /** A leak between the sensor and the outlet taking `fraction` of the flow (0: none, 1: disconnection). */
  setLeak(atMs: number, fraction: number): void;
  /** Flow from the syringe into the line independent of the plunger (siphon), nl/min. */
  setFreeFlow(atMs: number, nlPerMin: number): void;
  /** An air bubble of `volumeNl` reaches the sensor now. */
  injectAir(atMs: number, volumeNl: number): void;
  /** Bubbles not yet through the sensor vanish (re-priming). */
  clearAir(atMs: number): void;
}

/** The line refuses a time, volume or rate that is not a finite number (a caller's bug). */
export function checkFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} ${value} is not a finite number`);
}
