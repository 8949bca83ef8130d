// Real lines: the ranges a bench line's compliance, time constant and downstream share take, a
// line built from those three figures, and a seeded draw of one within the ranges (for the
// population of rigs). line.ts's defaults stay one line among them. No Node APIs (bundled into
// the XS engine with host/sim).

import { DownstreamSection } from './line-downstream';
import type { FluidLineOptions } from './line-shapes';
import { DEFAULT_COMPLIANCE_NL_PER_KPA, DEFAULT_TAU_MS } from './line-shapes';
import { deriveSeed, expDet, lnDet, Prng } from './prng';

/** A line as a bench engineer would describe it. */
export interface LineSpec {
  /** Upstream plus downstream compliance, nl per kPa. */
  readonly totalComplianceNlPerKpa: number;
  /** The clear line's time constant (its slowest), ms: how long the flow lags the plunger. */
  readonly tauMs: number;
  /** Share of the compliance past the sensor (0: all upstream, today's line). */
  readonly downstreamShare: number;
  /** Share of the resistance between the sensor and that compliance (0.5: a uniform catheter). */
  readonly sensorSideShare: number;
}

/**
 * The ranges, and why (orders of magnitude, not measurements of one set):
 * - Compliance from a tenth to four times the default 7.5 uL/kPa (1 uL/mmHg): a small glass or
 *   stiff syringe with microbore tubing (0.75 uL/kPa) to a 60 mL plastic syringe with a soft
 *   extension set (30 uL/kPa); the plunger's rubber stopper dominates, so it scales with the bore.
 * - Time constant 10 to 150 s: the same compliances through a short wide line to a long narrow
 *   catheter (R from under 1 to 20 kPa s/uL); 35 s is the default (line-shapes.ts).
 * - Downstream share 0 to 50 %: the sensor next to the syringe with a stiff catheter after it
 *   (a silicone catheter of 0.5 mm bore holds about 0.1 uL/kPa a metre, about 1 %) to a sensor
 *   followed by a metre of soft PVC extension (order of 1 uL/kPa) and a connector.
 * - Sensor-side share of the resistance 0.2 to 0.8: the downstream compliance lumped near the
 *   sensor (a soft connector) or near the tip; 0.5 is the middle of a uniform catheter.
 */
export const LINE_RANGES = {
  totalComplianceNlPerKpa: [DEFAULT_COMPLIANCE_NL_PER_KPA / 10, DEFAULT_COMPLIANCE_NL_PER_KPA * 4],
  tauMs: [10_000, 150_000],
  downstreamShare: [0, 0.5],
  sensorSideShare: [0.2, 0.8],
} as const;

/** Today's line (line-shapes.ts DEFAULT_LINE) as a spec. */
export const DEFAULT_LINE_SPEC: LineSpec = { totalComplianceNlPerKpa: DEFAULT_COMPLIANCE_NL_PER_KPA, tauMs: DEFAULT_TAU_MS, downstreamShare: 0, sensorSideShare: 0.5 };

/** Seed stream of the line draw (prng.ts deriveSeed). */
export const LINE_DRAW_STREAM = 0x11e0;

/**
 * The line options for a spec: compliance split at the downstream share, and the resistance that
 * gives the clear line's slowest time constant `tauMs` (all rates scale as 1 / R, so it is
 * found from the line with R = 1).
 */
export function lineFor(spec: LineSpec): FluidLineOptions {
  const { totalComplianceNlPerKpa: c, tauMs, downstreamShare: share, sensorSideShare } = spec;
  if (!(c > 0) || !(tauMs > 0) || !(share >= 0 && share < 1)) throw new RangeError(`line spec ${JSON.stringify(spec)}`);
  const c1 = c * (1 - share);
  const c2 = c * share;
  if (c2 === 0) return { complianceNlPerKpa: c1, resistanceKpaSPerUl: tauMs / c1 };
  const unit = new DownstreamSection({ complianceNlPerKpa: c2, upstreamComplianceNlPerKpa: c1, resistanceKpaSPerUl: 1, sensorSideShare });
  unit.setState(false, 1, 0);
  return { complianceNlPerKpa: c1, downstreamComplianceNlPerKpa: c2, sensorSideResistanceShare: sensorSideShare, resistanceKpaSPerUl: tauMs / unit.slowTauMs() };
}

/** Log-uniform in [lo, hi]: as many small as large lines per factor of range. */
function logUniform(prng: Prng, [lo, hi]: readonly [number, number]): number {
  return expDet(lnDet(lo) + prng.next() * (lnDet(hi) - lnDet(lo)));
}

/** One line within LINE_RANGES, a pure function of `prng`'s state. */
export function drawLineSpec(prng: Prng): LineSpec {
  const r = LINE_RANGES;
  const totalComplianceNlPerKpa = logUniform(prng, r.totalComplianceNlPerKpa);
  const tauMs = logUniform(prng, r.tauMs);
  const downstreamShare = r.downstreamShare[0] + prng.next() * (r.downstreamShare[1] - r.downstreamShare[0]);
  const sensorSideShare = r.sensorSideShare[0] + prng.next() * (r.sensorSideShare[1] - r.sensorSideShare[0]);
  return { totalComplianceNlPerKpa, tauMs, downstreamShare, sensorSideShare };
}

/** Rig `seed`'s line: the draw on its own seed stream, as line options. */
export function lineOptionsFor(seed: number): FluidLineOptions {
  return lineFor(drawLineSpec(new Prng(deriveSeed(seed, LINE_DRAW_STREAM))));
}
