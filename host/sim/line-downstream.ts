// The compliance downstream of the flow sensor (the catheter's wall, its connector, soft tubing
// after the sensor) and the exact solution of the two-node line it makes with the upstream one.
// line.ts keeps node 1 (upstream, pressure P1 = S1 / C1); this section keeps node 2 (P2 = S2 / C2)
// between the sensor-side resistance R1 and the tip-side resistance R2:
//
//   plunger -> C1 -> sensor -> R1 -> C2 -> R2 (x occlusion factor) -> tip (outlet)
//                                      \-> leak (R_leak, a fraction of the flow with the line clear)
//
//   dS1/dt = q - g1 (P1 - P2),   dS2/dt = g1 (P1 - P2) - (g2 + gL) P2,   g = 1 / R.
//
// With the tip blocked and the plunger still, the sensor flow g1 (P1 - P2) decays as
// e^(-t / tau_down), tau_down = R1 C1 C2 / (C1 + C2); with the plunger pushing q it settles at
// q C2 / (C1 + C2) (the catheter balloons). Solved exactly between events, as line.ts does with one
// node: x(t) = x0 + Phi(t) (M x0 + u), Phi(t) = integral of e^(Ms) over [0, t], from the two real
// eigenvalues of M (Sylvester's formula), with expm1Det so Node and XS agree to the bit. The whole
// femtolitre ledger of node 2 is kept here: through the sensor + pinched = stored2 + outlet + leak
// + air. No Node APIs (bundled into the XS engine with host/sim).

import { expm1Det } from './prng';

/** What the downstream section needs to be built. */
export interface DownstreamSpec {
  /** C2, nl per kPa (above 0). */
  readonly complianceNlPerKpa: number;
  /** C1, the line's upstream compliance, nl per kPa. */
  readonly upstreamComplianceNlPerKpa: number;
  /** R1 + R2: the clear line's resistance from the sensor to the tip, kPa s per uL. */
  readonly resistanceKpaSPerUl: number;
  /** R1 / (R1 + R2), strictly between 0 and 1. */
  readonly sensorSideShare: number;
}

export class DownstreamSection {
  readonly complianceNlPerKpa: number;
  /** R1 and R2, kPa s per uL (= kPa ms per nl). */
  readonly sensorSideKpaSPerUl: number;
  readonly tipSideKpaSPerUl: number;
  readonly #c1: number;
  /** Exact stored volume (fl, fractional) and its whole-femtolitre ledger. */
  #s = 0;
  #storedFl = 0;
  #splitCarry = 0;
  // Rates per ms for the state the line is in (set by `setState` before each use).
  #alpha = 0;
  #beta = 0;
  #gamma = 0;
  /** Share of node 2's outflow that leaves through the tip (the rest through the leak). */
  #tipShare = 1;

  constructor(spec: DownstreamSpec) {
    const { complianceNlPerKpa: c2, upstreamComplianceNlPerKpa: c1, resistanceKpaSPerUl: r, sensorSideShare: share } = spec;
    if (!(c2 > 0 && Number.isFinite(c2))) throw new RangeError(`downstream compliance ${c2}`);
    if (!(share > 0 && share < 1)) throw new RangeError(`sensor-side resistance share ${share} must be between 0 and 1`);
    this.complianceNlPerKpa = c2;
    this.#c1 = c1;
    this.sensorSideKpaSPerUl = r * share;
    this.tipSideKpaSPerUl = r * (1 - share);
  }

  /**
   * The line's switches now: a closed valve (just past the sensor) stops R1; an occlusion
   * multiplies R2 (Infinity: blocked); a leak takes `leakFraction` of the flow with the line clear
   * (R_leak = R2 (1 - f) / f; 1: a disconnection, node 2 at no pressure).
   */
  setState(valveClosed: boolean, resistanceFactor: number, leakFraction: number): void {
    const g1 = valveClosed ? 0 : 1 / this.sensorSideKpaSPerUl;
    const r2 = this.tipSideKpaSPerUl;
    const g2 = resistanceFactor === Infinity ? 0 : 1 / (r2 * resistanceFactor);
    const gL = leakFraction <= 0 ? 0 : leakFraction >= 1 ? Infinity : leakFraction / ((1 - leakFraction) * r2);
    this.#alpha = g1 / this.#c1;
    this.#beta = g1 / this.complianceNlPerKpa;
    this.#gamma = (g2 + gL) / this.complianceNlPerKpa;
    this.#tipShare = gL === 0 ? 1 : gL === Infinity || g2 === 0 ? 0 : g2 / (g2 + gL);
  }

  /** Node 2 drains with no resistance at all (a disconnection): its pressure is 0. */
  get drainsAtOnce(): boolean {
    return this.#gamma === Infinity;
  }

  /**
   * Moves both nodes on by `dtMs` with `q` fl/ms flowing into node 1; returns node 1's exact new
   * state (node 2's is kept here). Call `setState` first.
   */
  step(s1: number, q: number, dtMs: number): number {
    const a = this.#alpha;
    const b = this.#beta;
    const g = this.#gamma;
    const s2 = this.#s;
    if (g === Infinity) {
      // Node 2 is held at zero pressure: node 1 alone drains through R1.
      this.#s = 0;
      if (a === 0) return s1 + q * dtMs;
      const eq = q / a;
      return s1 + (s1 - eq) * expm1Det(-a * dtMs);
    }
    // v = M x0 + u with M = [[-a, b], [a, -(b + g)]], u = (q, 0).
    const v1 = -a * s1 + b * s2 + q;
    const v2 = a * s1 - (b + g) * s2;
    // Eigenvalues: trace -(a + b + g), determinant a g; the discriminant written as a sum of
    // squares (no cancellation), the slow one from the product (exact 0 when g is 0).
    const half = (a + b - g) / 2;
    const fast = -(a + b + g) / 2 - Math.sqrt(half * half + b * g);
    if (fast === 0) {
      // Nothing moves between the nodes or out (valve shut, tip blocked, no leak).
      this.#s = s2;
      return s1 + q * dtMs;
    }
    const slow = (a * g) / fast;
    const gap = slow - fast;
    const phiSlow = slow === 0 ? dtMs : expm1Det(slow * dtMs) / slow;
    const phiFast = expm1Det(fast * dtMs) / fast;
    // Phi = A M - B I with A = (phiSlow - phiFast) / gap, B = (phiSlow fast - phiFast slow) / gap.
    const A = (phiSlow - phiFast) / gap;
    const B = (phiSlow * fast - phiFast * slow) / gap;
    const mv1 = -a * v1 + b * v2;
    const mv2 = a * v1 - (b + g) * v2;
    this.#s = s2 + A * mv2 - B * v2;
    return s1 + A * mv1 - B * v1;
  }

  /**
   * Whole femtolitres through the sensor since the last call (`airFl` of them air, which leaves
   * the liquid here): returns the whole femtolitres that left node 2, split into [tip, leak].
   */
  receive(throughFl: number, airFl: number, out: { tipFl: number; leakFl: number }): void {
    if (airFl !== 0) this.#s -= airFl;
    // Sealed (tip blocked, no leak): nothing leaves, to the femtolitre; the exact state and the
    // ledger then differ by the rounding of node 1 alone, which does not accumulate.
    const stored = this.#gamma === 0 ? this.#storedFl + throughFl - airFl : Math.round(this.#s);
    const left = this.#storedFl + throughFl - airFl - stored;
    this.#storedFl = stored;
    const share = this.#tipShare;
    let tip: number;
    if (share === 1) tip = left;
    else if (share === 0) tip = 0;
    else {
      const x = this.#splitCarry + left * share;
      tip = Math.round(x);
      this.#splitCarry = x - tip;
    }
    out.tipFl = tip;
    out.leakFl = left - tip;
  }

  /** The valve's jaw pushes `volumeFl` into node 2 (negative: draws it back). */
  inject(volumeFl: number): void {
    this.#s += volumeFl;
    this.#storedFl += volumeFl;
  }

  /** Flow through the sensor for node 1's exact state `s1`, fl per ms. */
  flowFlPerMs(s1: number): number {
    return this.#alpha * s1 - this.#beta * this.#s;
  }

  /** The slowest time constant of the line now, ms (Infinity when nothing drains). */
  slowTauMs(): number {
    const a = this.#alpha;
    const b = this.#beta;
    const g = this.#gamma;
    if (g === Infinity) return a === 0 ? Infinity : 1 / a;
    const half = (a + b - g) / 2;
    const fast = -(a + b + g) / 2 - Math.sqrt(half * half + b * g);
    return fast === 0 ? Infinity : -fast / (a * g);
  }

  get storedFl(): number {
    return this.#storedFl;
  }

  /** Pressure at node 2, kPa. */
  get pressureKpa(): number {
    return this.#s / 1_000_000 / this.complianceNlPerKpa;
  }
}
