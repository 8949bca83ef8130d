// What the line holds before the flow sensor, as the flow check counts it: pushed minus measured
// since the line last lay drained, kept through restarts (the line keeps its pressure when
// delivery pauses), each sum with the sensor's zero as learned so far (ZeroFoldedSum). Two
// sums over the same reads, each for its own use:
// - unfilled: the reads while the line is not filled (flow arriving in full at a rate held for
//   settleMs). A filled line's content no longer changes, so what pushed and measured disagree by
//   then is the sensor's and the drive's error: the back-off's estimate leaves it out.
// - drainable: what the line can give back, which leaves out the filled line's steady reads
//   (within the rate allowance; the flow check judges that) and takes everything else.
// Pure: the flow check gives it the zero, the cap and its judgement of each read.

import { ZeroFoldedSum } from './flow-zero';

export class LineContent {
  /**
   * Why the unfilled reads alone, and not every read less the filled ones: the sum of every read
   * is clamped at empty and capped, the filled reads' is not, and the difference grew wherever
   * the clamp had bitten. A sensor reading high while filled (0.13 uL/min over 90 min) took 11.6
   * uL off the filled sum while the clamp held the other at empty, the back-off asked 41 uL of a
   * line holding 31, and the catheter sucked back 8.2 uL when it cleared (rig 1482 at 1 mL/h,
   * drawn beyond the bench's sample; backoff-content.test.ts).
   */
  readonly #unfilled = new ZeroFoldedSum();
  /**
   * Why a second sum: in a sum of every read, a sensor reading 6 % high (a 4 % span error within
   * its datasheet and a drive 2 % generous) took 124 uL off a 190 uL line in 20 min at 6 mL/h
   * before the zero learned it; after a drop to 0.1 mL/h the line's drain came out as a false
   * OVER_DELIVERY (population rigs 23 and 24; stop-drain-excess.test.ts). A read beyond the
   * allowance is the line changing (a break downstream drains it in seconds, and that is not
   * excess) and is taken. The back-off keeps the unfilled sum: on this one it sucked back up to
   * 8.6 uL at 0.1 mL/h, where the zero's error is a large share of the rate.
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
    if (!filled) this.#unfilled.add(gapNl, dtMs);
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
    this.#unfilled.fold(Math.min(this.contentNl(zeroNlPerMin), Math.max(this.#unfilled.folded, capNl)));
    this.#drainable.fold(Math.min(Math.max(0, this.#drainable.value(zeroNlPerMin)), Math.max(this.#drainable.folded, capNl)));
  }

  /** Still and steady long enough: the line has drained. */
  drained(): void {
    this.#unfilled.fold(0);
    this.#drainable.fold(0);
  }

  /**
   * What the line holds before the sensor, for the back-off (nl): what it took up while not
   * filled. The zero, learned 30-40 min in, is applied to every read since the line lay drained
   * until the sum is folded (100 nl/min off over 40 min is 4 uL). Where it errs: growth the cap
   * kept out is left out, and a line that takes up less than the rate allowance while filled (a
   * partial block building slowly) is not counted: a bolus, not suction.
   */
  contentNl(zeroNlPerMin: number): number {
    return Math.max(0, this.#unfilled.value(zeroNlPerMin));
  }
}
