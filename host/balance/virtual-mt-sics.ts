// An MT-SICS balance on the wire, for the virtual board and the tests: S (answered when the
// reading settles, "S I" after the stability timeout), SI, SIR (repeated until @ or another
// command), Z, T, @, I4; "S +" / "S -" outside the range; "ES" for anything else. Pure.

import type { SerialDevice } from '../serial/device';
import { CRLF, formatMtSicsWeight } from './mt-sics-codec';
import type { Pending } from './virtual-common';
import { commandLines, grams, onWire, Repeater } from './virtual-common';
import type { VirtualBalance, VirtualReading } from './virtual-balance';

export interface EmulatorOptions {
  readonly serialNumber?: string;
  /** How long S, Z and T wait for stability before giving up, ms (default 10 s). */
  readonly stabilityTimeoutMs?: number;
  /** Continuous output period, ms (default 100: 10 readings a second). */
  readonly continuousMs?: number;
}

export class MtSicsEmulator implements SerialDevice {
  readonly balance: VirtualBalance;
  readonly #serial: string;
  readonly #timeoutMs: number;
  readonly #lines = commandLines();
  readonly #sir: Repeater;
  #pending: Pending | undefined;

  constructor(balance: VirtualBalance, o: EmulatorOptions = {}) {
    this.balance = balance;
    this.#serial = o.serialNumber ?? 'B912345678';
    this.#timeoutMs = o.stabilityTimeoutMs ?? 10_000;
    this.#sir = new Repeater(o.continuousMs ?? 100);
  }

  receive(text: string, nowMs: number): string {
    let out = '';
    for (const cmd of this.#lines.push(text)) out += this.#command(cmd.trim(), nowMs);
    return onWire(this.balance, out + this.#due(nowMs));
  }

  poll(nowMs: number): string {
    return onWire(this.balance, this.#due(nowMs));
  }

  #weight(cmd: 'S', r: VirtualReading): string {
    if (r.overload) return `S +${CRLF}`;
    if (r.underload) return `S -${CRLF}`;
    const g = grams(r);
    return formatMtSicsWeight(cmd, r.stable, (g.negative ? '-' : '') + g.value, 'g');
  }

  #command(cmd: string, nowMs: number): string {
    // Any new command ends SIR and a pending request (MT-SICS: "@" cancels, others replace).
    this.#sir.stop();
    this.#pending = undefined;
    switch (cmd) {
      case 'S':
      case 'Z':
      case 'T':
        this.#pending = { command: cmd, deadlineMs: nowMs + this.#timeoutMs };
        return this.#settle(nowMs);
      case 'SI':
        return this.#weight('S', this.balance.reading(nowMs));
      case 'SIR':
        this.#sir.start(nowMs);
        return '';
      case '@':
      case 'I4':
        return `I4 A "${this.#serial}"${CRLF}`;
      default:
        return `ES${CRLF}`;
    }
  }

  /** Answers the pending S, Z or T once the reading is stable, or with "I" at its deadline. */
  #settle(nowMs: number): string {
    const p = this.#pending;
    if (!p) return '';
    const r = this.balance.reading(nowMs);
    const range = r.overload ? '+' : r.underload ? '-' : undefined;
    if (range !== undefined) {
      this.#pending = undefined;
      return `${p.command} ${range}${CRLF}`;
    }
    if (!r.stable) {
      if (nowMs < p.deadlineMs) return '';
      this.#pending = undefined;
      return `${p.command} I${CRLF}`;
    }
    this.#pending = undefined;
    if (p.command === 'S') return this.#weight('S', r);
    if (p.command === 'Z') {
      this.balance.zero(nowMs);
      return `Z A${CRLF}`;
    }
    const tare = this.balance.tare(nowMs);
    const g = grams({ ...r, counts: tare });
    return formatMtSicsWeight('T', true, (g.negative ? '-' : '') + g.value, 'g');
  }

  #due(nowMs: number): string {
    let out = this.#settle(nowMs);
    const n = this.#sir.due(nowMs);
    for (let i = 0; i < n; i++) out += this.#weight('S', this.balance.reading(nowMs));
    return out;
  }
}
