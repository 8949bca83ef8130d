// A Sartorius SBI balance on the wire: ESC P prints the reading now (unit blank while not
// stable), ESC T / ESC U / ESC V tare and zero without an answer, ESC x1_ / x2_ model and
// serial number; "High" / "Low" outside the range; unknown sequences are ignored, as SBI
// balances do. CR LF after a command is optional. Pure.

import type { SerialDevice } from '../serial/device';
import { CRLF } from './mt-sics-codec';
import { ESC, formatSbiSpecial, formatSbiWeight } from './sbi-codec';
import { grams, onWire } from './virtual-common';
import type { VirtualBalance } from './virtual-balance';

export interface SbiEmulatorOptions {
  readonly serialNumber?: string;
  readonly model?: string;
  /** Output with the 6-character ID code (22-character lines) instead of 16. */
  readonly idCode?: boolean;
}

/** Complete commands after ESC: one letter, or x + digit + '_'. */
const COMMAND = /^(?:[xfs]\d_|[A-Z]|[a-eg-rt-wyz])/;

export class SbiEmulator implements SerialDevice {
  readonly balance: VirtualBalance;
  readonly #o: SbiEmulatorOptions;
  #buffer = '';

  constructor(balance: VirtualBalance, o: SbiEmulatorOptions = {}) {
    this.balance = balance;
    this.#o = o;
  }

  receive(text: string, nowMs: number): string {
    this.#buffer += text;
    let out = '';
    for (;;) {
      const esc = this.#buffer.indexOf(ESC);
      if (esc < 0) {
        this.#buffer = '';
        break;
      }
      const rest = this.#buffer.slice(esc + 1);
      const m = COMMAND.exec(rest);
      if (!m) {
        // Wait for the rest of an x1_-style command, unless a line end shows it never comes.
        if (/^[xfs]?\d?$/.test(rest) && rest.length < 3) {
          this.#buffer = this.#buffer.slice(esc);
          break;
        }
        this.#buffer = rest;
        continue;
      }
      this.#buffer = rest.slice(m[0].length);
      out += this.#command(m[0], nowMs);
    }
    return onWire(this.balance, out);
  }

  #command(cmd: string, nowMs: number): string {
    switch (cmd) {
      case 'P': {
        const r = this.balance.reading(nowMs);
        if (r.overload) return formatSbiSpecial('High');
        if (r.underload) return formatSbiSpecial('Low');
        const g = grams(r);
        return formatSbiWeight(g.negative, g.value, 'g', r.stable, this.#o.idCode ? (r.counts < 0 ? 'N' : 'G') : undefined);
      }
      case 'T':
      case 'U':
        this.balance.tare(nowMs);
        return '';
      case 'V':
        this.balance.zero(nowMs);
        return '';
      case 'x1_':
        return (this.#o.model ?? 'QUINTIX224-1S').padStart(14) + CRLF;
      case 'x2_':
        return (this.#o.serialNumber ?? '0039502241').padStart(14) + CRLF;
      default:
        return '';
    }
  }
}
