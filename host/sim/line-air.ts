// Air bubbles in the fluid line (line.ts): a queue of bubbles placed on the cumulative volume
// through the flow sensor, which says how much air has passed and whether a bubble is in the
// sensor now. Whole femtolitres, like the line. No Node APIs (bundled into the XS engine with
// host/sim).

interface Bubble {
  /** Cumulative through-sensor volume at which the bubble's front reaches the sensor... */
  readonly startFl: number;
  /** ...and at which its tail has passed. */
  readonly endFl: number;
}

/** The line's bubbles; every call takes the line's cumulative through-sensor volume now. */
export class BubbleQueue {
  #bubbles: Bubble[] = [];
  /** Air of bubbles already fully through the sensor. */
  #doneFl = 0;

  /** A bubble of `volumeFl` reaches the sensor now, or behind the last one queued. */
  add(throughFl: number, volumeFl: number): void {
    const last = this.#bubbles[this.#bubbles.length - 1];
    // A bubble behind another one reaches the sensor when the first has passed.
    const startFl = Math.max(throughFl, last ? last.endFl : -Infinity);
    this.#bubbles.push({ startFl, endFl: startFl + volumeFl });
  }

  /** Air through the sensor so far: a function of the cumulative through-sensor volume. */
  passedFl(through: number): number {
    // Bubbles queue one behind the other, so only the first can be in the sensor; those wholly
    // past it have gone downstream for good.
    let passed = 0;
    while (passed < this.#bubbles.length && through >= this.#bubbles[passed]!.endFl) {
      const b = this.#bubbles[passed++]!;
      this.#doneFl += b.endFl - b.startFl;
    }
    if (passed > 0) this.#bubbles = this.#bubbles.slice(passed);
    const first = this.#bubbles[0];
    const inFlight = first && through > first.startFl ? through - first.startFl : 0;
    return this.#doneFl + inFlight;
  }

  /** Bubbles not yet through the sensor vanish (re-priming). */
  clear(throughFl: number): void {
    // What part of a bubble is already through stays counted; the rest is gone.
    this.#doneFl = this.passedFl(throughFl);
    this.#bubbles = [];
  }

  /** A bubble is in the sensor now. */
  inSensor(through: number): boolean {
    return this.#bubbles.some((b) => through >= b.startFl && through < b.endFl);
  }
}
