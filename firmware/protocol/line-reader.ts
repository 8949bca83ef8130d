// Bytes from the UART into protocol lines (docs/protocol.md, "Lines"): ended by CR, LF or CRLF
// (whatever a terminal sends), at most 120 bytes with the line end, printable ASCII only,
// backspace honoured and trailing spaces dropped. Everything is
// checked as the bytes arrive; whatever comes in, the reader resynchronises at the next LF.
//
// The line being received is assembled apart from the rings, and only a complete line is
// filed: STOP and ACK lines into a ring of their own, everything else into the main ring. So
// however much input arrives faster than it is handled (a 64 KB burst in one push, a slow
// consumer), a STOP or an ACK behind it is never lost with the lines that are: it waits in
// its own ring, and next() gives it before anything else (issue 14). Only if that ring too is
// full is one discarded, and then that is reported by name ('priority-lost'), never silently.
//
// Use: the driver's onBytes calls push(); the dispatcher takes events with next() until it
// gives undefined, or with next(true) only the priority ones while it cannot answer others.

import { nativeAsciiText } from '../shared/hex';

/** Longest line in bytes, including its line end (the second byte of a CRLF is not counted). */
export const MAX_LINE_BYTES = 120;
/** Longest text a line can carry. */
export const MAX_LINE_CHARS = MAX_LINE_BYTES - 1;
/** Default main ring: four longest lines. */
export const DEFAULT_RING_BYTES = 512;
/** The priority ring: seven framed ACKs or sixteen STOPs waiting at once. */
export const PRIORITY_RING_BYTES = 256;
/** The commands filed in the priority ring. */
export const PRIORITY_COMMANDS: readonly string[] = Object.freeze(['STOP', 'ACK']);

export type LineEvent =
  /** A complete line without its CR LF; never empty, at most 119 printable ASCII characters. */
  | { readonly kind: 'line'; readonly text: string }
  /** A line passed 119 characters before its LF (reported then, the rest discarded). */
  | { readonly kind: 'too-long' }
  /** A line held a byte outside 0x20-0x7E (other than the line ends and rub-outs); `reason` says which. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /**
   * The main ring was full when lines completed (bytes came faster than next() took them):
   * those lines were dropped, and this one event stands for all of them, in their place.
   */
  | { readonly kind: 'overflow' }
  /** A STOP or ACK line found the priority ring full and was dropped. */
  | { readonly kind: 'priority-lost'; readonly command: string; readonly count: number };

const TOO_LONG: LineEvent = Object.freeze({ kind: 'too-long' });
const OVERFLOW: LineEvent = Object.freeze({ kind: 'overflow' });

const LF = 0x0a;
const CR = 0x0d;
const BS = 0x08;
const DEL = 0x7f;
const SPACE = 0x20;

// Records in the main ring: a line is its bytes then LF (its first byte is printable, as
// empty lines are not filed); an error is a marker byte below 0x20, the invalid one followed
// by the offending byte and its column. They are read back by type, never by searching.
const MARK_TOO_LONG = 0x01;
const MARK_OVERFLOW = 0x02;
const MARK_INVALID = 0x03;
const INVALID_RECORD_BYTES = 3;

const isPrintable = (byte: number): boolean => byte >= 0x20 && byte <= 0x7e;
/** A character outside 0x20-0x7E: where a run of line content ends. */
const NOT_PRINTABLE = /[^\x20-\x7e]/;
/** Bytes push() turns into text at once to search: the ESP32 UART's FIFO. */
const FAST_RUN_BYTES = 128;

/** The index of the first CR or LF at or after `from` (found in C), -1 if none. */
function lineEnd(bytes: Uint8Array, from: number): number {
  const lf = bytes.indexOf(LF, from);
  const cr = bytes.indexOf(CR, from);
  return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
}
const hex2 = (byte: number): string => (byte < 0x10 ? '0' : '') + byte.toString(16);

/** A ring of records; lines are stored with their LF. */
class Ring {
  readonly bytes: Uint8Array;
  head = 0;
  count = 0;
  records = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  free(): number {
    return this.bytes.length - this.count;
  }

  store(byte: number): void {
    this.bytes[(this.head + this.count) % this.bytes.length] = byte;
    this.count++;
  }

  peek(offset: number): number {
    return this.bytes[(this.head + offset) % this.bytes.length]!;
  }

  consume(n: number): void {
    this.head = (this.head + n) % this.bytes.length;
    this.count -= n;
  }

  /** Stores `n` bytes of `from` in at most two copies done in C (the ring may wrap). */
  storeAll(from: Uint8Array, n: number): void {
    const size = this.bytes.length;
    const at = (this.head + this.count) % size;
    const first = Math.min(n, size - at);
    this.bytes.set(from.subarray(0, first), at);
    if (first < n) this.bytes.set(from.subarray(first, n), 0);
    this.count += n;
  }

  /** Bytes before the first LF from the head (a line record's text), found in C. */
  lineLength(): number {
    const bytes = this.bytes;
    const end = bytes.indexOf(LF, this.head);
    if (end >= 0 && end < this.head + this.count) return end - this.head;
    return bytes.length - this.head + bytes.indexOf(LF);
  }

  /** Copies `n` bytes from the head into `to` (at most two copies in C) and consumes them. */
  take(to: Uint8Array, n: number): void {
    const size = this.bytes.length;
    const first = Math.min(n, size - this.head);
    to.set(this.bytes.subarray(this.head, this.head + first), 0);
    if (first < n) to.set(this.bytes.subarray(0, n - first), first);
    this.consume(n);
  }
}

export interface LineReaderOptions {
  /** Main ring size in bytes (default 512); at least 128, so the longest line always fits. */
  readonly ringBytes?: number;
}

export class LineReader {
  readonly #main: Ring;
  readonly #priority = new Ring(PRIORITY_RING_BYTES);
  /** The line being received. */
  readonly #line = new Uint8Array(MAX_LINE_CHARS);
  #lineLength = 0;
  /** next() builds a line's text from one contiguous view. */
  readonly #scratch = new Uint8Array(MAX_LINE_CHARS);
  /** The rest of the line up to its LF is ignored (it was too long or invalid). */
  #discarding = false;
  /** Lines dropped for want of room, to report as one overflow as soon as there is room. */
  #owedOverflow = false;
  /** Priority lines dropped since next() last reported it, and the command of the last one. */
  #priorityLost = 0;
  #priorityLostCommand = '';

  constructor(options: LineReaderOptions = {}) {
    const size = options.ringBytes ?? DEFAULT_RING_BYTES;
    if (!Number.isInteger(size) || size < 128) throw new RangeError(`LineReader: ring of ${size} bytes (at least 128)`);
    this.#main = new Ring(size);
  }

  /** Main ring size in bytes. */
  get capacity(): number {
    return this.#main.bytes.length;
  }

  /** Complete events waiting for next(): lines and errors. */
  pending(): number {
    return this.#main.records + this.pendingPriority();
  }

  /** STOP and ACK lines (and a report of any dropped) waiting: next(true) gives these. */
  pendingPriority(): number {
    return this.#priority.records + (this.#priorityLost > 0 ? 1 : 0);
  }

  /**
   * Takes bytes in any amount and any content; never throws. Keeps no reference to `bytes`.
   * CR, LF and CRLF all end a line (a terminal sends CR on Enter; the LF of a CRLF then ends
   * an empty line, which is skipped). Backspace and DEL take back the last character.
   */
  push(bytes: Uint8Array): void {
    // Every byte of every frame passes here, and on XS a bytecode costs tens of machine
    // instructions and a call hundreds (docs/performance.md): so runs of printable bytes are
    // found and copied in C (a RegExp search over the chunk's text, a typed-array set), and
    // a discarded line's rest is skipped by indexOf. Only the other bytes (line ends, rub-outs,
    // invalid bytes, the byte past the limit) go one at a time through the methods below.
    let i = 0;
    while (i < bytes.length) {
      if (this.#discarding) {
        // Until the line's end nothing counts (rub-outs do nothing while discarding).
        const end = lineEnd(bytes, i);
        if (end < 0) return;
        i = end;
      } else {
        // At most a FIFO's worth at a time: apply puts every byte on the XS stack.
        const to = Math.min(bytes.length, i + FAST_RUN_BYTES);
        const text = nativeAsciiText(bytes, i, to) ?? String.fromCharCode.apply(null, bytes.subarray(i, to) as unknown as number[]);
        const special = text.search(NOT_PRINTABLE);
        const run = Math.min(special < 0 ? text.length : special, MAX_LINE_CHARS - this.#lineLength);
        if (run > 0) {
          this.#line.set(bytes.subarray(i, i + run), this.#lineLength);
          this.#lineLength += run;
          i += run;
          continue;
        }
      }
      const byte = bytes[i++]!;
      if (byte === LF || byte === CR) this.#endLine();
      else if (byte === BS || byte === DEL) this.#rubOut();
      else this.#content(byte);
    }
  }

  /**
   * The next event: STOP and ACK lines first, then the rest in the order they came; undefined
   * when none is complete. With `priorityOnly`, only STOP and ACK lines (and their losses).
   */
  next(priorityOnly = false): LineEvent | undefined {
    if (this.#priority.records > 0) return { kind: 'line', text: this.#readLine(this.#priority) };
    if (this.#priorityLost > 0) {
      const event: LineEvent = { kind: 'priority-lost', command: this.#priorityLostCommand, count: this.#priorityLost };
      this.#priorityLost = 0;
      return event;
    }
    const ring = this.#main;
    if (priorityOnly || ring.records === 0) return undefined;
    const marker = ring.peek(0);
    let event: LineEvent;
    if (marker === MARK_TOO_LONG) {
      ring.consume(1);
      ring.records--;
      event = TOO_LONG;
    } else if (marker === MARK_OVERFLOW) {
      ring.consume(1);
      ring.records--;
      event = OVERFLOW;
    } else if (marker === MARK_INVALID) {
      const byte = ring.peek(1);
      const column = ring.peek(2);
      ring.consume(INVALID_RECORD_BYTES);
      ring.records--;
      event = { kind: 'invalid', reason: `byte 0x${hex2(byte)} at column ${column}` };
    } else {
      event = { kind: 'line', text: this.#readLine(ring) };
    }
    this.#payOverflow();
    return event;
  }

  #readLine(ring: Ring): string {
    // In C where XS can: the ring from the head as text (one line at most), and its LF found
    // by the string's indexOf (a typed array's indexOf reads element by element on XS). It
    // fails over to the copy below where the ring wraps inside the line, or a non-ASCII byte
    // (an invalid-byte record) is in the window.
    const head = ring.head;
    const ahead = nativeAsciiText(ring.bytes, head, Math.min(ring.bytes.length, head + MAX_LINE_BYTES));
    const end = ahead === undefined ? -1 : ahead.indexOf('\n');
    if (end >= 0 && end < ring.count) {
      ring.consume(end + 1);
      ring.records--;
      return ahead!.slice(0, end);
    }
    const scratch = this.#scratch;
    const n = ring.lineLength();
    ring.take(scratch, n);
    ring.consume(1);
    ring.records--;
    // One string per line; apply takes the typed array as its argument list.
    return String.fromCharCode.apply(null, scratch.subarray(0, n) as unknown as number[]);
  }

  /** A byte of the current line other than its final CR LF. */
  #content(byte: number): void {
    if (this.#discarding) return;
    if (!isPrintable(byte)) {
      const column = this.#lineLength + 1;
      this.#dropLine();
      this.#error(MARK_INVALID, byte, column);
    } else if (this.#lineLength >= MAX_LINE_CHARS) {
      this.#dropLine();
      this.#error(MARK_TOO_LONG);
    } else {
      this.#line[this.#lineLength++] = byte;
    }
  }

  /** A terminal's backspace: the character is gone, as the person at it sees. */
  #rubOut(): void {
    if (!this.#discarding && this.#lineLength > 0) this.#lineLength--;
  }

  #endLine(): void {
    // Trailing spaces carry nothing (a terminal user's, or a script's) and are dropped.
    while (this.#lineLength > 0 && this.#line[this.#lineLength - 1] === SPACE) this.#lineLength--;
    if (this.#discarding) {
      this.#discarding = false;
    } else if (this.#lineLength > 0) {
      // Empty lines carry nothing and are skipped (a host may send one to clear a partial line).
      this.#file();
    }
    this.#lineLength = 0;
  }

  /** Files the complete line: a STOP or ACK in the priority ring, anything else in the main one. */
  #file(): void {
    const n = this.#lineLength;
    const command = this.#priorityCommand();
    if (command !== undefined) {
      const ring = this.#priority;
      if (ring.free() > n) this.#copyLine(ring, n);
      else {
        this.#priorityLost++;
        this.#priorityLostCommand = command;
      }
      return;
    }
    // An overflow still owed keeps its place: nothing later may be filed before it, and it is
    // paid only with the line, so a run of lost lines stays one report.
    if (this.#main.free() > n + (this.#owedOverflow ? 1 : 0)) {
      this.#payOverflow();
      this.#copyLine(this.#main, n);
    } else {
      this.#owedOverflow = true;
    }
  }

  #copyLine(ring: Ring, n: number): void {
    ring.storeAll(this.#line, n);
    ring.store(LF);
    ring.records++;
  }

  /** The line's command word if it is STOP or ACK (after an optional sequence number). */
  #priorityCommand(): string | undefined {
    const line = this.#line;
    const n = this.#lineLength;
    let at = 0;
    while (at < n && line[at]! >= 0x30 && line[at]! <= 0x39) at++;
    if (at > 0) {
      if (line[at] !== SPACE) return undefined;
      at++;
    }
    for (let c = 0; c < PRIORITY_COMMANDS.length; c++) {
      const command = PRIORITY_COMMANDS[c]!;
      const end = at + command.length;
      if (end > n || (end < n && line[end] !== SPACE)) continue;
      let same = true;
      for (let i = 0; i < command.length && same; i++) same = line[at + i] === command.charCodeAt(i);
      if (same) return command;
    }
    return undefined;
  }

  /** Ignores the rest of the line up to its LF. */
  #dropLine(): void {
    this.#lineLength = 0;
    this.#discarding = true;
  }

  /** Files an error record, or owes an overflow when even that does not fit. */
  #error(marker: number, byte = 0, column = 0): void {
    const size = marker === MARK_INVALID ? INVALID_RECORD_BYTES : 1;
    if (!this.#payOverflow() || this.#main.free() < size) {
      this.#owedOverflow = true;
      return;
    }
    const ring = this.#main;
    ring.store(marker);
    if (marker === MARK_INVALID) {
      ring.store(byte);
      ring.store(column);
    }
    ring.records++;
  }

  /** Writes an owed overflow if there is one and room for it; false if it is still owed. */
  #payOverflow(): boolean {
    if (!this.#owedOverflow) return true;
    if (this.#main.free() === 0) return false;
    this.#owedOverflow = false;
    this.#main.store(MARK_OVERFLOW);
    this.#main.records++;
    return true;
  }
}
