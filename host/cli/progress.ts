// A progress bar on stderr for downloads (log pages) and long runs: redrawn in place on a
// terminal, a line every tenth of the way otherwise, nothing with --json.

export class Progress {
  readonly #label: string;
  readonly #tty: boolean;
  readonly #enabled: boolean;
  #lastTenth = -1;

  readonly #write: (text: string) => void;

  constructor(label: string, o: { enabled: boolean; tty: boolean; write: (text: string) => void }) {
    this.#label = label;
    this.#enabled = o.enabled;
    this.#tty = o.tty;
    this.#write = o.write;
  }

  update(done: number, total: number, extra = ''): void {
    if (!this.#enabled) return;
    const f = total > 0 ? Math.min(1, done / total) : 1;
    if (this.#tty) {
      const width = 30;
      const n = Math.round(f * width);
      this.#write(`\r${this.#label} [${'#'.repeat(n)}${'.'.repeat(width - n)}] ${Math.round(f * 100)}% ${done}/${total}${extra ? ` ${extra}` : ''}\x1b[K`);
    } else {
      const tenth = Math.floor(f * 10);
      if (tenth > this.#lastTenth) {
        this.#lastTenth = tenth;
        this.#write(`${this.#label}: ${Math.round(f * 100)}% (${done}/${total})${extra ? ` ${extra}` : ''}\n`);
      }
    }
  }

  done(): void {
    if (this.#enabled && this.#tty) this.#write('\n');
  }
}
