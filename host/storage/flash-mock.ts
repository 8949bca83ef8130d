// A NOR flash partition for the host, with real semantics: it starts erased (every byte
// 0xFF), a write can only turn bits from 1 to 0 (asking for a 0 -> 1 is a programming error
// and throws), eraseBlock sets a whole block back to 0xFF and is counted, and the power can be
// cut after any byte of a write (leaving a torn byte) or part-way through an erase (leaving the
// block partly erased). No Node imports: it is bundled into the XS engine later.
//
// What a cut leaves, and why this model. ESP-IDF programs SPI NOR in page-program operations
// (at most 64 bytes, never across a 256-byte page); inside one, the chip's programming order is
// not documented, and a cell whose pulse was cut reads 0 or 1. We program bytes in address
// order (a program unit of one byte) and leave the byte at the cut HALF-programmed: of the bits
// it was to clear, those in its low nibble are cleared and the high nibble's are not. So a cut
// leaves a prefix followed by one byte that is neither the old value nor the new (0x5A written
// over 0xFF reads 0xFA), which is what a reader must cope with: a torn magic, commit or header
// byte. It does not model bits cleared further on in the same page operation; the log's CRCs
// and commit byte are what cover that. A sector erase resets the whole sector at once, and a
// cut part-way leaves bits anywhere in it between 0 and 1; we model it as an erase that runs
// through the block in address order, bytes before the cut erased, the byte at the cut
// half-erased (its low nibble back to 1s), the rest as they were. That can be enumerated, and
// gives the two states the log must survive: a header damaged or gone over old records (cut
// early), and an erased header over a half-erased body (cut late).

import type { FlashPartition } from '../../firmware/ports/flash';

/** Thrown by the write that the power cut stopped, and by every call until `reboot()`. */
export class PowerCut extends Error {
  constructor(message = 'power cut') {
    // Without a stack: a cut is an event of the simulated world, not a fault in the code, and
    // capturing one was a sixth of the power-cut bench's time (V8 reads the limit; XS has none).
    const E = Error as { stackTraceLimit?: number };
    const limit = E.stackTraceLimit;
    if (limit !== undefined) E.stackTraceLimit = 0;
    super(message);
    if (limit !== undefined) E.stackTraceLimit = limit;
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
  /** The next erase stops after this many bytes of its block; undefined when no erase cut is armed. */
  #eraseCutAt: number | undefined;
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
        this.#bytes[offset + i] = halfProgrammed(this.#bytes[offset + i]!, data[i]!);
        this.#dead = true;
        throw new PowerCut(`power cut at offset ${offset + i}, byte ${i} of a ${data.length}-byte write (that byte half-programmed)`);
      }
      this.#bytes[offset + i] = data[i]!;
      this.bytesWritten++;
    }
  }

  /** A cut armed by `cutAfterBytes` only stops a write; one armed by `cutInErase` stops the next erase. */
  eraseBlock(block: number): void {
    this.#alive();
    if (!Number.isInteger(block) || block < 0 || block >= this.#erases.length) throw new RangeError(`flash: no block ${block}`);
    const start = block * this.blockSize;
    const at = this.#eraseCutAt;
    if (at !== undefined && at < this.blockSize) {
      this.#bytes.fill(0xff, start, start + at);
      this.#bytes[start + at] = halfErased(this.#bytes[start + at]!);
      this.#erases[block]!++;
      this.#dead = true;
      throw new PowerCut(`power cut erasing block ${block}, after ${at} of ${this.blockSize} bytes (that byte half-erased)`);
    }
    this.#eraseCutAt = undefined;
    this.#bytes.fill(0xff, start, start + this.blockSize);
    this.#erases[block]!++;
  }

  /**
   * Arms a power cut in the next erase: it erases `n` bytes of its block in address order,
   * half-erases the next and stops (n >= blockSize: the erase completes, and the cut is disarmed).
   * Every call then throws PowerCut until `reboot()`.
   */
  cutInErase(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`flash: cutInErase(${n})`);
    this.#eraseCutAt = n;
  }

  /**
   * Arms a power cut: the coming writes program `n` more bytes in all, and the write that
   * would program the next byte half-programs it and stops there (the rest of it is never
   * written) and throws PowerCut. Every call then throws PowerCut until `reboot()`.
   */
  cutAfterBytes(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`flash: cutAfterBytes(${n})`);
    this.#cutAfter = n;
  }

  /** Power back on: clears the cut (armed or happened); the contents stay as they were. */
  reboot(): void {
    this.#cutAfter = undefined;
    this.#eraseCutAt = undefined;
    this.#dead = false;
  }

  /** Test hook: sets raw bytes, ignoring the 1-to-0 rule (bit rot, foreign data). Not counted. */
  poke(offset: number, bytes: ArrayLike<number>): void {
    this.#range(offset, bytes.length);
    // A byte array needs no masking: one copy (the power-cut bench pokes a whole 128 KB image
    // per cut point, and a loop over it was most of that bench's time).
    if (bytes instanceof Uint8Array) this.#bytes.set(bytes, offset);
    else for (let i = 0; i < bytes.length; i++) this.#bytes[offset + i] = bytes[i]! & 0xff;
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

/** A byte whose programming was cut: of the bits it was to clear, only the low nibble's are. */
export function halfProgrammed(was: number, want: number): number {
  return was & (want | 0xf0);
}

/** A byte whose erase was cut: its low nibble is back to 1s, its high nibble as it was. */
export function halfErased(was: number): number {
  return was | 0x0f;
}
