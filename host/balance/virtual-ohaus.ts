// An Ohaus balance on the wire: IP / P print now, SP when stable ("ES" after 40 s, as the
// Explorer manual says), CP continuous until 0P, Z and T answered "OK!", PSN the serial
// number, "ES" for anything else; "OL" / "UL" outside the range. Pure.

import type { SerialDevice } from '../serial/device';
import { CRLF } from './mt-sics-codec';
import { formatOhausWeight } from './ohaus-codec';
import type { Pending } from './virtual-common';
import { commandLines, grams, onWire, Repeater } from './virtual-common';
import type { VirtualBalance } from './virtual-balance';

export interface OhausEmulatorOptions {
  readonly serialNumber?: string;
  /** Answer Z and T with "OK!" (the xRL setting; default true). */
  readonly okResponse?: boolean;
  readonly continuousMs?: number;
}

const SP_TIMEOUT_MS = 40_000;

export class OhausEmulator implements SerialDevice {
  readonly balance: VirtualBalance;
  readonly #o: OhausEmulatorOptions;
  readonly #lines = commandLines();
  readonly #cp: Repeater;
  #pending: Pending | undefined;

  constructor(balance: VirtualBalance, o: OhausEmulatorOptions = {}) {
    this.balance = balance;
    this.#o = o;
    this.#cp = new Repeater(o.continuousMs ?? 200);
  }

  receive(text: string, nowMs: number): string {
    let out = '';
    for (const cmd of this.#lines.push(text)) out += this.#command(cmd.trim().toUpperCase(), nowMs);
    return onWire(this.balance, out + this.#due(nowMs));
  }

  poll(nowMs: number): string {
    return onWire(this.balance, this.#due(nowMs));
  }

  #print(nowMs: number): string {
    const r = this.balance.reading(nowMs);
    if (r.overload) return `OL${CRLF}`;
    if (r.underload) return `UL${CRLF}`;
    const g = grams(r);
    return formatOhausWeight((g.negative ? '-' : '') + g.value, 'g', r.stable);
  }

  #command(cmd: string, nowMs: number): string {
    const ok = this.#o.okResponse === false ? '' : `OK!${CRLF}`;
    this.#pending = undefined; // a new command replaces a waiting SP
    switch (cmd) {
      case 'IP':
      case 'P':
        return this.#print(nowMs);
      case 'SP':
        this.#pending = { command: 'SP', deadlineMs: nowMs + SP_TIMEOUT_MS };
        return '';
      case 'CP':
        this.#cp.start(nowMs);
        return '';
      case '0P':
        this.#cp.stop();
        return '';
      case 'Z':
        this.balance.zero(nowMs);
        return ok;
      case 'T':
        this.balance.tare(nowMs);
        return ok;
      case 'PSN':
        return `SN: ${this.#o.serialNumber ?? 'B739201445'}${CRLF}`;
      default:
        return `ES${CRLF}`;
    }
  }

  #due(nowMs: number): string {
    let out = '';
    const p = this.#pending;
    if (p) {
      const r = this.balance.reading(nowMs);
      if (r.stable || r.overload || r.underload) {
        this.#pending = undefined;
        out += this.#print(nowMs);
      } else if (nowMs >= p.deadlineMs) {
        this.#pending = undefined;
        out += `ES${CRLF}`;
      }
    }
    const n = this.#cp.due(nowMs);
    for (let i = 0; i < n; i++) out += this.#print(nowMs);
    return out;
  }
}
