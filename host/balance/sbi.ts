// Driver for Sartorius balances over SBI. SBI has no "send when stable" command: ESC P prints
// the reading now and leaves the unit blank while it is unstable, so readStable polls ESC P
// until a unit appears. Tare and zero are not acknowledged on the wire.

import type { LinePort } from '../serial/line-port';
import { CRLF } from './mt-sics-codec';
import { ESC, parseSbi } from './sbi-codec';
import { garbled, reading, SerialBalanceBase } from './driver-base';
import type { Balance, DriverOptions, Reading } from './types';
import { balanceError } from '../errors/balance';

export const SBI_PRINT = `${ESC}P${CRLF}`;
export const SBI_SERIAL = `${ESC}x2_${CRLF}`;
/** Between ESC P polls while waiting for stability (a reading is 0.1-0.4 s on these balances). */
const POLL_MS = 250;

export class SbiBalance extends SerialBalanceBase implements Balance {
  readonly protocol = 'sbi' as const;

  constructor(port: LinePort, o: DriverOptions = {}) {
    super(port, o);
  }

  async readImmediate(): Promise<Reading> {
    const line = await this.ask(SBI_PRINT);
    const r = parseSbi(line);
    switch (r.kind) {
      case 'weight':
        return reading(r.ug, r.unit, r.stable, line);
      case 'overload':
        throw balanceError('OVERLOAD', line.trim());
      case 'underload':
        throw balanceError('UNDERLOAD', line.trim());
      case 'status':
        throw balanceError('BUSY', line.trim());
      case 'error':
        throw balanceError('ERROR_LOGIC', `Err ${r.number}`);
      case 'garbled':
        throw garbled(line, 'ESC P');
    }
  }

  async readStable(): Promise<Reading> {
    const deadline = this.clock.nowMs() + this.stableTimeoutMs;
    let last: Reading | undefined;
    for (;;) {
      last = await this.readImmediate();
      if (last.stable) return last;
      if (this.clock.nowMs() >= deadline) break;
      await this.clock.sleep(POLL_MS);
    }
    throw balanceError('UNSTABLE_TOO_LONG', `still moving after ${this.stableTimeoutMs} ms (last ${JSON.stringify(last.raw)})`);
  }

  async zero(): Promise<void> {
    await this.send(`${ESC}V${CRLF}`);
  }

  async tare(): Promise<void> {
    await this.send(`${ESC}U${CRLF}`);
  }

  async serialNumber(): Promise<string> {
    const line = await this.ask(SBI_SERIAL);
    const t = line.trim();
    if (t === '' || parseSbi(line).kind === 'error') throw garbled(line, 'ESC x2_');
    return t;
  }
}
