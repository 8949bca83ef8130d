// What the line holds before the flow sensor, as the flow check counts it: pushed minus measured
// since the line last lay drained, kept through restarts (the line keeps its pressure when
// delivery pauses), each sum with the sensor's zero as learned so far (ZeroFoldedSum). Three
// sums over the same reads, each for its own use:
// - held: every read. Capped once the zero is known.
// - drift: the reads while the line is filled (flow arriving in full at a rate held for
//   settleMs), whose content no longer changes: what pushed and measured still disagree by then
//   is the sensor's and the drive's error. The back-off's estimate is held less drift (content).
// - drainable: what the line can give back, which leaves out the filled line's steady reads
//   (within the rate allowance; the flow check judges that) and takes everything else.
// Pure: the flow check gives it the zero, the cap and its judgement of each read.

import { ZeroFoldedSum } from './flow-zero';

export class LineContent {
  readonly #held = new ZeroFoldedSum();
  readonly #drift = new ZeroFoldedSum();
  /**
   * Why a third sum: in held, a sensor reading 6 % high (a 4 % span error within its datasheet
   * and a drive 2 % generous) took 124 uL off a 190 uL line in 20 min at 6 mL/h before the zero
   * learned it; after a drop to 0.1 mL/h the line's drain came out as a false OVER_DELIVERY
   * (population rigs 23 and 24; stop-drain-excess.test.ts). A read beyond the allowance is the
   * line changing (a break downstream drains it in seconds, and that is not excess) and is
   * taken. The back-off keeps held less drift: on this sum it sucked back up to 8.6 uL at
   * 0.1 mL/h, where the zero's error is a large share of the rate.
   */
  readonly #drainable = new ZeroFoldedSum();
  /** What the line gave back at the latest read (nl), until taken. */
  #gaveBackNl = 0;

  /**
   * One valid read's gap (pushed less measured, raw: nl over `dtMs`). `filled`: the line is
   * filled; `steady`: the read is a filled line's steady error, not content (flow-check.ts).
   */
  add(gapNl: number, dtMs: number, filled: boolean, steady: boolean, zeroNlPerMin: number): void {
    const before = Math.max(0, this.#drainable.value(zeroNlPerMin));
    this.#held.add(gapNl, dtMs);
    if (filled) this.#drift.add(gapNl, dtMs);
    if (!steady) this.#drainable.add(gapNl, dtMs);
    this.#gaveBackNl = Math.max(0, before - Math.max(0, this.#drainable.value(zeroNlPerMin)));
  }

  /** What the line gave back at the latest read (nl): drainage, not over-delivery. Counted once. */
  takeGivenBackNl(): number {
    const nl = this.#gaveBackNl;
    this.#gaveBackNl = 0;
    return nl;
  }

  /**
   * The zero is known: the sums are folded in. Growth beyond `capNl` (what a normal line takes up
   * at the peak rate) is not taken as content then: a sensor reading low by a zero error must
   * not build an excuse for later free flow (an occlusion's growth is the flow check's to judge).
   */
  fold(zeroNlPerMin: number, capNl: number): void {
    this.#held.fold(Math.min(this.heldNl(zeroNlPerMin), Math.max(this.#held.folded, capNl)));
    this.#drift.fold(this.#drift.value(zeroNlPerMin));
    this.#drainable.fold(Math.min(Math.max(0, this.#drainable.value(zeroNlPerMin)), Math.max(this.#drainable.folded, capNl)));
  }

  /** Still and steady long enough: the line has drained. */
  drained(): void {
    this.#held.fold(0);
    this.#drift.fold(0);
    this.#drainable.fold(0);
  }

  /** What the line holds before the sensor now (nl): every read. */
  heldNl(zeroNlPerMin: number): number {
    return Math.max(0, this.#held.value(zeroNlPerMin));
  }

  /**
   * What it holds, for the back-off (nl): held less what it took while filled. Taken on, that is
   * the zero's error times the whole time since the line lay drained (the zero, learned 30-40 min
   * in, is applied to all of it; 100 nl/min off over 40 min is 4 uL): the held content at 2 h was
   * -7 to +17 uL off on the population's rigs at 1 mL/h, and without what it took while filled -4
   * to +8 (issue 15). Both err the same way where they err: growth the cap kept out is left out
   * twice, and a line that takes up less than the rate allowance while filled (a partial block
   * building slowly) is not counted: a bolus, not suction.
   */
  contentNl(zeroNlPerMin: number): number {
    return Math.max(0, this.heldNl(zeroNlPerMin) - this.#drift.value(zeroNlPerMin));
  }
}
