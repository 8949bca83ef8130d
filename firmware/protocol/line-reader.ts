// Bytes from the UART into protocol lines (docs/protocol.md, "Lines"): LF-terminated, a CR
// before the LF ignored, at most 120 bytes with the LF, printable ASCII only. Everything is
// checked as the bytes arrive, into one ring allocated at construction, so a burst from the
// driver is taken at once and whatever comes in, the reader resynchronises at the next LF.
//
// Use: the driver's onBytes calls push(); the dispatcher then takes every waiting event with
// next() until it gives undefined (pending() says how many wait), answers STOP and ACK lines
// first and the rest in order. Nothing is lost by draining: complete lines are never dropped.

/** Longest line in bytes, including its LF (the CR of a CRLF is not counted). */
export const MAX_LINE_BYTES = 120;
/** Longest text a line can carry. */
export const MAX_LINE_CHARS = MAX_LINE_BYTES - 1;
/** Default ring size: four longest lines and the one being received. */
export const DEFAULT_RING_BYTES = 512;

// Errors are reported once per line, as soon as they are seen (before the line's LF has
// come), and the rest of that line is discarded up to its LF.
export type LineEvent =
  /** A complete line without its CR LF; never empty, at most 119 printable ASCII characters. */
  | { readonly kind: 'line'; readonly text: string }
  /** A line passed 119 characters before its LF. */
  | { readonly kind: 'too-long' }
  /** A line held a byte outside 0x20-0x7E (a CR not before the LF counts); `reason` says which. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /**
   * The ring was full (bytes came faster than next() took events): the line being received
   * was dropped. Complete lines already in the ring are never dropped.
   */
  | { readonly kind: 'overflow' };

const TOO_LONG: LineEvent = Object.freeze({ kind: 'too-long' });
const OVERFLOW: LineEvent = Object.freeze({ kind: 'overflow' });

const LF = 0x0a;
const CR = 0x0d;

// Records in the ring: a line is its bytes then LF (its first byte is printable, as empty
// lines are not stored); an error is a marker byte below 0x20, the invalid one followed by
// the offending byte and its column. They are read back by type, never by searching for LF.
const MARK_TOO_LONG = 0x01;
const MARK_OVERFLOW = 0x02;
const MARK_INVALID = 0x03;
const INVALID_RECORD_BYTES = 3;

const isPrintable = (byte: number): boolean => byte >= 0x20 && byte <= 0x7e;
const hex2 = (byte: number): string => (byte < 0x10 ? '0' : '') + byte.toString(16);

export interface LineReaderOptions {
  /** Ring size in bytes (default 512); at least 128, so the longest line always fits. */
  readonly ringBytes?: number;
}

export class LineReader {
  readonly #ring: Uint8Array;
  /** The longest line's bytes, so next() builds its text from one contiguous view. */
  readonly #scratch = new Uint8Array(MAX_LINE_CHARS);
  #head = 0;
  /** Bytes in the ring, the partial line included. */
  #count = 0;
  /** Complete records (lines and errors) in the ring. */
  #records = 0;
  /** Characters of the line being received, all stored at the end of the ring. */
  #lineLength = 0;
  /** The rest of the line up to its LF is ignored (it was too long, invalid or overflowed). */
  #discarding = false;
  /** A CR held back until the next byte shows whether it ends the line. */
  #heldCr = false;
  /**
   * An overflow to report as soon as the ring has room. Only ever set while no partial line
   * is stored, so writing it later keeps every event in stream order.
   */
  #owedOverflow = false;

  constructor(options: LineReaderOptions = {}) {
    const size = options.ringBytes ?? DEFAULT_RING_BYTES;
    if (!Number.isInteger(size) || size < 128) throw new RangeError(`LineReader: ring of ${size} bytes (at least 128)`);
    this.#ring = new Uint8Array(size);
  }

  /** Ring size in bytes. */
  get capacity(): number {
    return this.#ring.length;
  }

  /** Complete events waiting for next(): lines and errors. */
  pending(): number {
    return this.#records;
  }

  /** Takes bytes in any amount and any content; never throws. Keeps no reference to `bytes`. */
  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === LF) {
        this.#endLine();
      } else if (byte === CR && !this.#heldCr) {
        this.#heldCr = true;
      } else {
        // A CR not followed by LF is part of the line, and not printable.
        if (this.#heldCr) {
          this.#heldCr = byte === CR;
          this.#content(CR);
          if (byte !== CR) this.#content(byte);
        } else {
          this.#content(byte);
        }
      }
    }
  }

  /** The oldest waiting event, or undefined when none is complete. */
  next(): LineEvent | undefined {
    if (this.#records === 0) return undefined;
    const ring = this.#ring;
    const marker = ring[this.#head]!;
    let event: LineEvent;
    if (marker === MARK_TOO_LONG) {
      this.#consume(1);
      event = TOO_LONG;
    } else if (marker === MARK_OVERFLOW) {
      this.#consume(1);
      event = OVERFLOW;
    } else if (marker === MARK_INVALID) {
      const byte = ring[(this.#head + 1) % ring.length]!;
      const column = ring[(this.#head + 2) % ring.length]!;
      this.#consume(INVALID_RECORD_BYTES);
      event = { kind: 'invalid', reason: `byte 0x${hex2(byte)} at column ${column}` };
    } else {
      const scratch = this.#scratch;
      let n = 0;
      for (let b = ring[this.#head]!; b !== LF; b = ring[this.#head]!) {
        scratch[n++] = b;
        this.#consume(1);
      }
      this.#consume(1);
      // One string per line; apply takes the typed array as its argument list.
      const codes = scratch.subarray(0, n) as unknown as number[];
      event = { kind: 'line', text: String.fromCharCode.apply(null, codes) };
    }
    this.#records--;
    this.#payOverflow();
    return event;
  }

  /** A byte of the current line other than its final CR LF. */
  #content(byte: number): void {
    if (this.#discarding) return;
    if (this.#lineLength === 0 && !this.#payOverflow()) {
      // Still no room to report the last overflow: this line is part of it.
      this.#discarding = true;
      return;
    }
    if (!isPrintable(byte)) {
      const column = this.#lineLength + 1;
      this.#dropLine();
      if (this.#free() >= INVALID_RECORD_BYTES) this.#record(MARK_INVALID, byte, column);
      else this.#owedOverflow = true; // the consumer is behind: that is what gets reported
      this.#payOverflow();
    } else if (this.#lineLength >= MAX_LINE_CHARS) {
      this.#dropLine();
      this.#record(MARK_TOO_LONG); // the dropped line left 119 bytes of room
    } else if (this.#free() === 0) {
      this.#dropLine();
      this.#owedOverflow = true;
      this.#payOverflow();
    } else {
      this.#store(byte);
      this.#lineLength++;
    }
  }

  #endLine(): void {
    this.#heldCr = false;
    if (this.#discarding) {
      this.#discarding = false;
    } else if (this.#lineLength > 0) {
      // Empty lines carry nothing and are skipped (a host may send one to clear a partial line).
      if (this.#free() === 0) {
        this.#dropLine();
        this.#owedOverflow = true;
      } else {
        this.#store(LF);
        this.#records++;
        this.#lineLength = 0;
      }
    }
    this.#payOverflow();
  }

  /** Removes the partial line from the ring and ignores the rest of it. */
  #dropLine(): void {
    this.#count -= this.#lineLength;
    this.#lineLength = 0;
    this.#discarding = true;
  }

  /** Writes an owed overflow if there is one and room for it; false if it is still owed. */
  #payOverflow(): boolean {
    if (!this.#owedOverflow) return true;
    if (this.#lineLength > 0 || this.#free() === 0) return false;
    this.#owedOverflow = false;
    this.#record(MARK_OVERFLOW);
    return true;
  }

  #record(marker: number, byte = 0, column = 0): void {
    this.#store(marker);
    if (marker === MARK_INVALID) {
      this.#store(byte);
      this.#store(column);
    }
    this.#records++;
  }

  #free(): number {
    return this.#ring.length - this.#count;
  }

  #store(byte: number): void {
    const ring = this.#ring;
    ring[(this.#head + this.#count) % ring.length] = byte;
    this.#count++;
  }

  #consume(n: number): void {
    this.#head = (this.#head + n) % this.#ring.length;
    this.#count -= n;
  }
}
