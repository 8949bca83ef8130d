// The live table of a station run: one line per board with its id, the step it is on and what
// that step is doing. On a terminal the table is redrawn in place (plain text, cursor up and
// clear-line, no curses); to a pipe or a log file each change of step is one line, so a log
// reads as a history rather than a screen.

export interface BoardLine {
  board: string;
  step: string;
  phase: string;
  result: string;
}

export class LiveTable {
  readonly #rows = new Map<string, BoardLine>();
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  #drawn = 0;

  constructor(o: { write: (text: string) => void; tty: boolean }) {
    this.#write = o.write;
    this.#tty = o.tty;
  }

  add(label: string, board: string): void {
    this.#rows.set(label, { board, step: 'waiting', phase: '', result: '' });
    this.#draw();
  }

  /** A new step (a line in a log), or a new phase within it (a redraw on a terminal only). */
  update(label: string, change: Partial<BoardLine>): void {
    const row = this.#rows.get(label);
    if (!row) return;
    const stepChanged =
      (change.step !== undefined && change.step !== row.step) || (change.result !== undefined && change.result !== row.result) || (change.board !== undefined && change.board !== row.board);
    Object.assign(row, change);
    if (this.#tty) this.#draw();
    else if (stepChanged) this.#write(`${label} ${row.board} ${row.step}${row.result ? ` ${row.result}` : ''}${row.phase ? ` (${row.phase})` : ''}\n`);
  }

  lines(): string[] {
    const w = Math.max(5, ...[...this.#rows.values()].map((r) => r.board.length));
    return [...this.#rows.entries()].map(([label, r]) => `${label.padEnd(4)} ${r.board.padEnd(w)}  ${r.step.padEnd(11)} ${r.result ? `${r.result} ` : ''}${r.phase}`.slice(0, 160));
  }

  #draw(): void {
    if (!this.#tty) return;
    const out = this.lines();
    this.#write(`${this.#drawn ? `\x1b[${this.#drawn}A` : ''}${out.map((l) => `\r\x1b[K${l}\n`).join('')}`);
    this.#drawn = out.length;
  }
}
