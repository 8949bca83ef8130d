// Does the dose guard's counter see what the driver says it stepped? A dead counter (its buffer
// unpowered, a broken wire) would leave the guard blind; a driver counting steps it did not make
// under-delivers. Compared only when both counts are final (the segment in flight stopped). A
// counter that sees more than the driver is the guard's own business (an over-delivery).

/** How far the counter may fall behind the driver before it is a fault (and 2 % more). */
const MISMATCH_STEPS = 64;

export class StepAgreement {
  /** Steps the driver reported, either way, since the comparison began. */
  #driverSteps = 0;
  /** The counter's total when the comparison began (-1: not begun). */
  #counterBase = -1;

  /** Steps the driver reports it emitted (negative: backing off; the counter counts both). */
  driver(emitted: number): void {
    this.#driverSteps += emitted < 0 ? -emitted : emitted;
  }

  /**
   * Compares with the counter's total; returns why they disagree, or undefined. After a
   * disagreement the comparison starts again, so an acknowledged mismatch is judged afresh.
   */
  check(counterTotal: number): string | undefined {
    if (this.#counterBase >= 0) {
      const seen = counterTotal - this.#counterBase;
      if (this.#driverSteps - seen <= MISMATCH_STEPS + Math.floor(this.#driverSteps / 50)) return undefined;
      const why = `the driver reports ${this.#driverSteps} microsteps since the check began, the STEP line counter saw ${seen}`;
      this.#counterBase = counterTotal;
      this.#driverSteps = 0;
      return why;
    }
    this.#counterBase = counterTotal;
    this.#driverSteps = 0;
    return undefined;
  }
}
