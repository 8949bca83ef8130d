// A NOR flash partition for the host, with real semantics: it starts erased (every byte
// 0xFF), a write can only turn bits from 1 to 0 (asking for a 0 -> 1 is a programming error
// and throws), eraseBlock sets a whole block back to 0xFF and is counted, and the power can be
// cut after any byte of a write. No Node imports: it is bundled into the XS engine later.

import { type FlashPartition } from '../../firmware/ports/flash';

/** Thrown by the write that the power cut stopped, and by every call until `reboot()`. */
export class PowerCut extends Error {
  constructor(message = 'power cut') {
    super(message);
    this.name = 'PowerCut';
  }
}

export class MockFlash implements FlashPartition {
  readonly byteLength: number;
  readonly blockSize: number;
  readonly #bytes: Uint8Array;
  readonly #erases: number[];
  /** Bytes still allowed before the cut; undefined when no cut is armed. */
  #cutAfter: number | undefined;
  #dead = false;
  /** Every byte programmed (for wear and cost figures). */
  bytesWritten = 0;
  writeCalls = 0;

  /** Defaults: 128 KB of 4 KB blocks, the log partition's size on the device. */
  constructor(byteLength = 128 * 1024, blockSize = 4096) {
    if (!Number.isInteger(blockSize) || blockSize <= 0 || !Number.isInteger(byteLength) || byteLength <= 0 || byteLength % blockSize !== 0) {
      throw new RangeError(`flash: ${byteLength} bytes is not a whole number of ${blockSize}-byte blocks`);
    }
    this.byteLength = byteLength;
    this.blockSize = blockSize;
    this.#bytes = new Uint8Array(byteLength).fill(0xff);
    this.#erases = new Array<number>(byteLength / blockSize).fill(0);
  }

  get blockCount(): number {
    return this.#erases.length;
  }

  /** Erases per block since the mock was made (a copy). */
  get eraseCounts(): number[] {
    return this.#erases.slice();
  }

  /** True between a cut and `reboot()`. */
  get dead(): boolean {
    return this.#dead;
  }

  read(offset: number, length: number): Uint8Array {
    this.#alive();
    this.#range(offset, length);
    return this.#bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.#alive();
    this.#range(offset, data.length);
    for (let i = 0; i < data.length; i++) {
      const was = this.#bytes[offset + i]!;
      const want = data[i]!;
      if ((was & want) !== want) {
        throw new Error(`flash: writing 0x${want.toString(16)} over 0x${was.toString(16)} at offset ${offset + i} would turn a 0 bit into 1 (erase the block first)`);
      }
    }
    this.writeCalls++;
    for (let i = 0; i < data.length; i++) {
      if (this.#cutAfter !== undefined && this.#cutAfter-- <= 0) {
        this.#dead = true;
        throw new PowerCut(`power cut at offset ${offset + i}, byte ${i} of a ${data.length}-byte write`);
      }
      this.#bytes[offset + i] = data[i]!;
      this.bytesWritten++;
    }
  }

  /** Erases are atomic here: a cut armed by `cutAfterBytes` only ever stops a write. */
  eraseBlock(block: number): void {
    this.#alive();
    if (!Number.isInteger(block) || block < 0 || block >= this.#erases.length) throw new RangeError(`flash: no block ${block}`);
    this.#bytes.fill(0xff, block * this.blockSize, (block + 1) * this.blockSize);
    this.#erases[block]!++;
  }

  /**
   * Arms a power cut: the coming writes program `n` more bytes in all, and the write that
   * would program the next byte stops there (the rest of it is never written) and throws
   * PowerCut. Every call then throws PowerCut until `reboot()`.
   */
  cutAfterBytes(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`flash: cutAfterBytes(${n})`);
    this.#cutAfter = n;
  }

  /** Power back on: clears the cut (armed or happened); the contents stay as they were. */
  reboot(): void {
    this.#cutAfter = undefined;
    this.#dead = false;
  }

  /** Test hook: sets raw bytes, ignoring the 1-to-0 rule (bit rot, foreign data). Not counted. */
  poke(offset: number, bytes: ArrayLike<number>): void {
    this.#range(offset, bytes.length);
    for (let i = 0; i < bytes.length; i++) this.#bytes[offset + i] = bytes[i]! & 0xff;
  }

  /** Test hook: a copy of the whole partition. */
  snapshot(): Uint8Array {
    return this.#bytes.slice();
  }

  #alive(): void {
    if (this.#dead) throw new PowerCut('the power is off: reboot() first');
  }

  #range(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.byteLength) {
      throw new RangeError(`flash: ${length} bytes at ${offset} are outside the ${this.byteLength}-byte partition`);
    }
  }
}
