// An independent oracle for basal delivery, in BigInt: the microsteps a piecewise-constant rate
// should have produced by time t, and the exact millisecond each microstep falls due. It
// shares no code with the engine, so the scenario tests compare two derivations.

const DAY = 86_400_000n;

export interface RatePiece {
  /** Monotonic ms the rate starts. */
  readonly fromMs: number;
  readonly rateNlPerDay: number;
}

/** Rate-time (nl/day x ms) delivered by `t` under rates that change at `pieces` (sorted). */
function rateTime(pieces: readonly RatePiece[], t: number): bigint {
  let total = 0n;
  for (let i = 0; i < pieces.length; i++) {
    const from = pieces[i]!.fromMs;
    const to = i + 1 < pieces.length ? Math.min(pieces[i + 1]!.fromMs, t) : t;
    if (to > from) total += BigInt(pieces[i]!.rateNlPerDay) * BigInt(to - from);
  }
  return total;
}

/** Whole microsteps due by `t`: whole nanolitres first, then whole microsteps. */
export function stepsDue(pieces: readonly RatePiece[], t: number, flPerMicrostep: number): number {
  const nl = rateTime(pieces, t) / DAY;
  return Number((nl * 1_000_000n) / BigInt(flPerMicrostep));
}

/** The first millisecond by which `k` microsteps are due (searching from `from`). */
export function stepDueMs(pieces: readonly RatePiece[], k: number, flPerMicrostep: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (stepsDue(pieces, mid, flPerMicrostep) >= k) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
