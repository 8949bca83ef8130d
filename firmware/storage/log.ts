// The event and delivery log: an append-only ring of CRC-checked records on a raw NOR flash
// partition. Records are never rewritten; when the newest block is full the oldest block is
// erased and reused, so the oldest records go first, in order. A record counts only once its
// commit byte is written, after the rest of it: a power cut at any byte leaves a record that
// is skipped at the next boot and never read. The bytes of a block header and a record are
// encoded and checked in log-format.ts; this file is the ring. Format and reasoning:
// docs/storage-log.md.

import type { PumpError, Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { FlashPartition } from '../ports/flash';
import {
  dataEnd,
  encodeHeader,
  encodeRecord,
  headerBlockSeq,
  headerFirstSeq,
  headerTorn,
  headerValid,
  headerVersion,
  LOG_BLOCK_HEADER_BYTES,
  LOG_FORMAT_VERSION,
  LOG_MAX_PAYLOAD,
  LOG_MAX_TYPE,
  LOG_RECORD_OVERHEAD,
  logGeometry,
  RECORD_COMMIT,
  RECORD_KILLED,
  recordSizeAt,
  tornStart,
  u32,
} from './log-format';

export { LOG_BLOCK_HEADER_BYTES, LOG_FORMAT_VERSION, LOG_MAX_PAYLOAD, LOG_MAX_TYPE, LOG_RECORD_OVERHEAD } from './log-format';

/** Problems kept in `problems` (all are counted in `problemCount`). */
const MAX_PROBLEMS = 32;

export interface LogRecord {
  readonly seq: number;
  readonly type: number;
  readonly payload: Uint8Array;
}

/** Something the boot scan skipped: a numbered error with where it was. */
export interface LogProblem extends PumpError {
  readonly block: number;
  /** Byte offset in the block (0 for a block header). */
  readonly offset: number;
}

export interface LogStats {
  readonly blocks: number;
  readonly blockSize: number;
  /** Readable records now in the log. */
  readonly records: number;
  /** Bytes programmed in live blocks (headers, records and skipped bytes). */
  readonly bytesUsed: number;
  readonly bytesTotal: number;
  /** Block being written, or -1 before the first append. */
  readonly headBlock: number;
  /**
   * Erases of each block since the log was formatted. Blocks are taken strictly in ring order
   * and erased before each use, so block b has been erased once for each block sequence number
   * s <= the head's with (s - 1) mod blocks = b. A power cut inside a block change can add one
   * physical erase this does not see.
   */
  readonly erasesPerBlock: number[];
}

type Visit = (buf: Uint8Array, at: number, seq: number) => boolean;

export class FlashLog {
  readonly #flash: FlashPartition;
  readonly #blocks: number;
  readonly #bs: number;
  /** Per block: sequence number while live (0: erased, torn, bad or stale). */
  readonly #blockSeq: Float64Array;
  /** Per live block: the header's first-record sequence, first and last readable seq, count, bytes. */
  readonly #hdrFirst: Float64Array;
  readonly #first: Float64Array;
  readonly #last: Float64Array;
  readonly #count: Uint32Array;
  readonly #used: Uint32Array;
  /** Scratch, allocated once: a record, a block header, one byte. */
  readonly #rec = new Uint8Array(LOG_MAX_PAYLOAD + LOG_RECORD_OVERHEAD);
  readonly #hdr = new Uint8Array(LOG_BLOCK_HEADER_BYTES);
  readonly #one = new Uint8Array(1);
  #head = -1;
  #headSeq = 0;
  #writePos = 0;
  #nextSeq = 1;
  #newest = 0;
  #total = 0;
  /** Offset in the head block of a torn record to close before the next append, or -1. */
  #killAt = -1;
  /** A flash call threw inside append: the state on flash is re-read before going on. */
  #dirty = false;
  /** What the last boot scan skipped (the first 32; `problemCount` counts all). */
  readonly problems: LogProblem[] = [];
  problemCount = 0;

  private constructor(flash: FlashPartition) {
    this.#flash = flash;
    this.#bs = flash.blockSize;
    this.#blocks = flash.byteLength / flash.blockSize;
    const n = this.#blocks;
    this.#blockSeq = new Float64Array(n);
    this.#hdrFirst = new Float64Array(n);
    this.#first = new Float64Array(n);
    this.#last = new Float64Array(n);
    this.#count = new Uint32Array(n);
    this.#used = new Uint32Array(n);
  }

  /**
   * The boot scan: reads every block, finds the oldest and newest records and where the next
   * one goes. Torn and corrupt records are skipped and listed in `problems`; a partition that
   * is not a log (no block with a valid header) or holds a newer format is refused.
   */
  static open(flash: FlashPartition): Result<FlashLog> {
    const bad = logGeometry(flash.byteLength, flash.blockSize);
    if (bad) return fail(bad);
    const log = new FlashLog(flash);
    const error = log.#scan();
    return error ? fail(error) : ok(log);
  }

  /** Erases the whole partition and opens it empty (a service action: everything is lost). */
  static format(flash: FlashPartition): Result<FlashLog> {
    const bad = logGeometry(flash.byteLength, flash.blockSize);
    if (bad) return fail(bad);
    for (let b = 0; b < flash.byteLength / flash.blockSize; b++) flash.eraseBlock(b);
    return FlashLog.open(flash);
  }

  /** Sequence number of the oldest readable record (the next one's when the log is empty). */
  get oldestSeq(): number {
    if (this.#total === 0) return this.#nextSeq;
    for (let k = this.#blocks - 1; k >= 0; k--) {
      const b = this.#ring(k);
      if (this.#blockSeq[b]! !== 0 && this.#count[b]! > 0) return this.#first[b]!;
    }
    return this.#nextSeq;
  }

  /** Sequence number of the newest readable record (oldestSeq - 1 when the log is empty). */
  get newestSeq(): number {
    return this.#total === 0 ? this.#nextSeq - 1 : this.#newest;
  }

  get stats(): LogStats {
    const n = this.#blocks;
    const erasesPerBlock: number[] = [];
    let bytesUsed = 0;
    for (let b = 0; b < n; b++) {
      if (this.#blockSeq[b]! !== 0) bytesUsed += this.#used[b]!;
      const h = this.#headSeq - 1;
      erasesPerBlock.push(h >= b ? Math.floor((h - b) / n) + 1 : 0);
    }
    return { blocks: n, blockSize: this.#bs, records: this.#total, bytesUsed, bytesTotal: n * this.#bs, headBlock: this.#head, erasesPerBlock };
  }

  /**
   * Appends a record of `type` (0-254) with the first `length` bytes of `payload` (at most 254)
   * and returns its sequence number. When the head block is full the oldest block is erased
   * first. A flash call that throws (a power cut) propagates; the next call re-reads the flash.
   */
  append(type: number, payload: Uint8Array, length = payload.length): Result<{ seq: number }> {
    if (!Number.isInteger(type) || type < 0 || type > LOG_MAX_TYPE) {
      return fail(pumpError('LOG_RECORD_INVALID', `record type ${type} is not a whole number from 0 to ${LOG_MAX_TYPE}`));
    }
    if (!Number.isInteger(length) || length < 0 || length > payload.length || length > LOG_MAX_PAYLOAD) {
      return fail(pumpError('LOG_RECORD_INVALID', `a ${length}-byte payload does not fit a record (at most ${LOG_MAX_PAYLOAD} bytes)`));
    }
    if (this.#dirty) {
      const error = this.#scan();
      if (error) return fail(error);
    }
    this.#dirty = true;
    const bs = this.#bs;
    if (this.#killAt >= 0) {
      this.#one[0] = RECORD_KILLED;
      this.#flash.write(this.#head * bs + this.#killAt, this.#one);
      this.#killAt = -1;
    }
    const size = length + LOG_RECORD_OVERHEAD;
    if (this.#head < 0 || this.#writePos + size > bs) this.#startBlock();
    const seq = this.#nextSeq;
    const rec = this.#rec;
    encodeRecord(rec, seq, type, payload, length);
    const at = this.#head * bs + this.#writePos;
    this.#flash.write(at, rec.subarray(0, size - 1));
    this.#one[0] = RECORD_COMMIT;
    this.#flash.write(at + size - 1, this.#one);
    const b = this.#head;
    if (this.#count[b]! === 0) this.#first[b] = seq;
    this.#count[b]!++;
    this.#last[b] = seq;
    this.#writePos += size;
    this.#used[b] = this.#writePos;
    this.#newest = seq;
    this.#nextSeq = seq + 1;
    this.#total++;
    this.#dirty = false;
    return ok({ seq });
  }

  /**
   * Up to `max` readable records with seq >= fromSeq, oldest first: one page for the protocol.
   * The next page starts at the last seq returned + 1. Records are re-checked as they are read.
   */
  read(fromSeq: number, max: number): LogRecord[] {
    const out: LogRecord[] = [];
    if (max <= 0) return out;
    if (this.#dirty && this.#scan()) return out;
    const visit: Visit = (buf, at, seq) => {
      if (seq < fromSeq) return true;
      const len = buf[at + 1]!;
      out.push({ seq, type: buf[at + 6]!, payload: buf.slice(at + 7, at + 7 + len) });
      return out.length < max;
    };
    for (let k = this.#blocks - 1; k >= 0 && out.length < max; k--) {
      const b = this.#ring(k);
      if (this.#blockSeq[b]! === 0 || this.#count[b]! === 0 || this.#last[b]! < fromSeq) continue;
      this.#walk(this.#flash.read(b * this.#bs, this.#bs), b, this.#first[b]! - 1, false, visit);
    }
    return out;
  }

  /** The block k places before the head in ring order (k = 0 is the head). */
  #ring(k: number): number {
    const n = this.#blocks;
    return (((this.#head - k) % n) + n) % n;
  }

  #problem(name: 'LOG_TORN' | 'LOG_CORRUPT_RECORD' | 'LOG_CORRUPT_BLOCK', block: number, offset: number, message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ ...pumpError(name, message), block, offset });
  }

  /** Reads the whole partition into the per-block tables. Returns the error that refuses it. */
  #scan(): PumpError | undefined {
    const n = this.#blocks;
    const bs = this.#bs;
    this.#blockSeq.fill(0);
    this.#hdrFirst.fill(0);
    this.#first.fill(0);
    this.#last.fill(0);
    this.#count.fill(0);
    this.#used.fill(0);
    this.problems.length = 0;
    this.problemCount = 0;
    this.#head = -1;
    this.#headSeq = 0;
    this.#killAt = -1;
    this.#total = 0;
    this.#newest = 0;
    // Pass 1: block headers. Blocks that are not live are read whole to tell erased, torn and bad apart.
    let bad = 0;
    let future = 0;
    for (let b = 0; b < n; b++) {
      const h = this.#flash.read(b * bs, LOG_BLOCK_HEADER_BYTES);
      const valid = headerValid(h);
      if (valid && headerVersion(h) !== LOG_FORMAT_VERSION) {
        future = future || headerVersion(h);
        continue;
      }
      const seq = valid ? headerBlockSeq(h) : 0;
      if (valid && seq !== 0 && (seq - 1) % n === b) {
        this.#blockSeq[b] = seq;
        this.#hdrFirst[b] = headerFirstSeq(h);
        if (seq > this.#headSeq) {
          this.#headSeq = seq;
          this.#head = b;
        }
        continue;
      }
      if (valid) {
        bad++;
        this.#problem(
          'LOG_CORRUPT_BLOCK',
          b,
          0,
          `block ${b}: its header names block sequence ${seq}, which cannot be in block ${b} of ${n}; the block is ignored and will be erased when its turn comes`,
        );
        continue;
      }
      const end = dataEnd(this.#flash.read(b * bs, bs));
      if (end === 0) continue; // erased
      if (headerTorn(h, end)) {
        this.#problem('LOG_TORN', b, 0, `block ${b}: its header was cut short by a power loss while the block was being started; the block will be erased and reused`);
      } else {
        bad++;
        this.#problem('LOG_CORRUPT_BLOCK', b, 0, `block ${b}: the block header fails its checks (magic, CRC-16); its contents are not used and the block will be erased when its turn comes`);
      }
    }
    if (future) {
      return pumpError('LOG_FUTURE', `the log partition was written in log format version ${future}; this firmware reads version ${LOG_FORMAT_VERSION}`);
    }
    if (this.#head < 0) {
      if (bad > 0) return pumpError('LOG_FOREIGN', `none of the ${n} blocks of the log partition has a valid log header, and ${bad} hold other data`);
      this.#nextSeq = 1;
      this.#writePos = 0;
      return undefined; // erased (or only a torn first header): an empty log
    }
    // Pass 2: records, oldest block first. Blocks too old to still be in the ring are stale.
    let lastSeq = 0;
    for (let k = n - 1; k >= 0; k--) {
      const b = this.#ring(k);
      const seq = this.#blockSeq[b]!;
      if (seq === 0) continue;
      if (seq !== this.#headSeq - k) {
        this.#blockSeq[b] = 0;
        this.#problem('LOG_CORRUPT_BLOCK', b, 0, `block ${b}: block sequence ${seq} is older than the ring (head ${this.#headSeq}); the block is ignored`);
        continue;
      }
      lastSeq = this.#walk(this.#flash.read(b * bs, bs), b, lastSeq, true, undefined);
    }
    this.#writePos = this.#used[this.#head]!;
    this.#newest = lastSeq;
    this.#nextSeq = Math.max(lastSeq + 1, this.#hdrFirst[this.#head]!, 1);
    this.#dirty = false;
    return undefined;
  }

  /**
   * Walks the records of one block. At boot (`boot`) it fills the block's tables and reports
   * what it skips; a region that fails the checks is skipped up to the next valid record.
   * Returns the last valid sequence number (records must increase: an older one is stale).
   */
  #walk(buf: Uint8Array, b: number, lastSeq: number, boot: boolean, visit: Visit | undefined): number {
    const end = Math.max(LOG_BLOCK_HEADER_BYTES, dataEnd(buf));
    let p = LOG_BLOCK_HEADER_BYTES;
    while (p < end) {
      const size = recordSizeAt(buf, p, end, lastSeq);
      if (size > 0) {
        const seq = u32(buf, p + 2);
        if (boot) {
          if (this.#count[b]! === 0) this.#first[b] = seq;
          this.#count[b]!++;
          this.#last[b] = seq;
          this.#total++;
        }
        lastSeq = seq;
        if (visit && !visit(buf, p, seq)) return lastSeq;
        p += size;
        continue;
      }
      let q = p + 1;
      while (q < end && recordSizeAt(buf, q, end, lastSeq) === 0) q++;
      if (boot && buf[p] !== RECORD_KILLED) {
        const len = buf[p + 1]!;
        const committed = len <= LOG_MAX_PAYLOAD && p + len + LOG_RECORD_OVERHEAD <= end && buf[p + len + LOG_RECORD_OVERHEAD - 1] === RECORD_COMMIT;
        if (b === this.#head && q === end && tornStart(buf[p]!) && !committed) {
          this.#killAt = p;
          this.#problem('LOG_TORN', b, p, `block ${b} offset ${p}: the last record (${q - p} bytes) was cut short by a power loss before its commit byte; it is skipped and will never be read`);
        } else {
          this.#problem('LOG_CORRUPT_RECORD', b, p, `block ${b} offset ${p}: ${q - p} bytes fail the record checks (magic, length, CRC-16, commit byte or sequence order) and are skipped`);
        }
      }
      p = q;
    }
    if (boot) this.#used[b] = end;
    return lastSeq;
  }

  /** Erases the block after the head (the oldest, whose records are dropped) and starts it. */
  #startBlock(): void {
    const n = this.#blocks;
    const b = this.#head < 0 ? 0 : (this.#head + 1) % n;
    const seq = this.#headSeq + 1;
    if (this.#blockSeq[b]! !== 0) this.#total -= this.#count[b]!;
    this.#blockSeq[b] = 0;
    this.#count[b] = 0;
    this.#first[b] = 0;
    this.#last[b] = 0;
    this.#used[b] = 0;
    this.#flash.eraseBlock(b);
    encodeHeader(this.#hdr, seq, this.#nextSeq);
    this.#flash.write(b * this.#bs, this.#hdr);
    this.#blockSeq[b] = seq;
    this.#hdrFirst[b] = this.#nextSeq;
    this.#used[b] = LOG_BLOCK_HEADER_BYTES;
    this.#head = b;
    this.#headSeq = seq;
    this.#writePos = LOG_BLOCK_HEADER_BYTES;
  }
}
