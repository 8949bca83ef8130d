// The one splitter of received serial text into lines, for every serial reader of the host:
// the port to the pump or a balance (line-port.ts), the in-process port onto an emulated device
// (balance/device-line-port.ts) and the balance emulators reading the host's commands. Pure.
//
// CR, LF or CR LF end a line; empty lines are skipped. A line is at most `maxLine` characters:
// a longer one (noise from a wrong baud rate never ends) is cut there and delivered once, so
// the reader gets a reply it cannot parse and says so with its numbered error (pumpctl a
// garbled reply, the balance drivers E907) instead of waiting for a timeout; the rest of it,
// up to its line end, is discarded, so no fragment of it is ever read as a line of its own
// (a tail such as "S S 1.234 g" would look like a reading). Memory stays bounded either way.

/** Longest line kept, in characters: far above any pump or balance reply. */
export const MAX_LINE = 4096;

export class LineSplitter {
  readonly maxLine: number;
  #partial = '';
  /** In an over-long line whose head was delivered: drop up to its line end. */
  #dropping = false;
  #overlong = 0;

  constructor(maxLine = MAX_LINE) {
    if (!Number.isInteger(maxLine) || maxLine < 1) throw new RangeError(`maxLine must be a whole number of characters >= 1, not ${maxLine}`);
    this.maxLine = maxLine;
  }

  /** Over-long lines cut so far (each counted once, however long). */
  get overlong(): number {
    return this.#overlong;
  }

  /** The lines `text` completes, in order; a partial line waits for the next text. */
  push(text: string): string[] {
    const out: string[] = [];
    for (const ch of text) {
      if (ch === '\n' || ch === '\r') {
        if (!this.#dropping && this.#partial !== '') out.push(this.#partial);
        this.#partial = '';
        this.#dropping = false;
      } else if (this.#dropping) {
        // the rest of an over-long line
      } else if (this.#partial.length === this.maxLine) {
        out.push(this.#partial);
        this.#partial = '';
        this.#dropping = true;
        this.#overlong++;
      } else this.#partial += ch;
    }
    return out;
  }
}
