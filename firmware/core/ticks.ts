// Wrap-safe arithmetic on the device's 32-bit millisecond tick counter, and the extension of
// that counter into a monotonic millisecond count that never wraps (a double holds integers
// exactly to 2^53 ms, about 285,000 years). Everything above the app works in monotonic ms.

export const TICK_MODULUS = 0x1_0000_0000; // 2^32
const HALF_RANGE = 0x8000_0000; // 2^31

/** Reduces any integer to the 32-bit tick range [0, 2^32). */
export function toTick(value: number): number {
  return ((value % TICK_MODULUS) + TICK_MODULUS) % TICK_MODULUS;
}

/**
 * Signed difference `later - earlier` between two 32-bit ticks, correct across one wrap as
 * long as the true difference is within +/- 2^31 ms (about 24.8 days).
 */
export function tickDiff(later: number, earlier: number): number {
  const d = toTick(later - earlier);
  return d >= HALF_RANGE ? d - TICK_MODULUS : d;
}

/** True when tick `a` is at or after tick `b` (wrap-safe). */
export function tickReached(a: number, b: number): boolean {
  return tickDiff(a, b) >= 0;
}

/** The tick `ms` milliseconds after `tick`. */
export function tickAdd(tick: number, ms: number): number {
  return toTick(tick + ms);
}

/**
 * Turns successive reads of a wrapping tick counter into monotonic milliseconds. It must be
 * read at least once every 2^31 ms; the app's loop wakes far more often than that.
 */
export class MonotonicClock {
  #lastTick: number;
  #monotonicMs: number;

  constructor(firstTick: number, startMs = 0) {
    this.#lastTick = toTick(firstTick);
    this.#monotonicMs = startMs;
  }

  /** Starts over from `firstTick` at 0 ms: lets a driver keep one clock per segment without allocating. */
  restart(firstTick: number): void {
    this.#lastTick = toTick(firstTick);
    this.#monotonicMs = 0;
  }

  /** Advances by the wrap-safe distance from the previous read; never goes backwards. */
  update(tick: number): number {
    const d = tickDiff(tick, this.#lastTick);
    if (d > 0) {
      this.#monotonicMs += d;
      this.#lastTick = toTick(tick);
    }
    return this.#monotonicMs;
  }

  get nowMs(): number {
    return this.#monotonicMs;
  }
}
