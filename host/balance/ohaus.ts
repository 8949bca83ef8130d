// Driver for Ohaus balances (Adventurer, Explorer, Pioneer, Navigator command set): IP for the
// reading now, SP for a stable one (the balance answers ES after 40 s without stability), Z,
// T, PSN. Z and T are acknowledged with "OK!" only where the response is enabled (xRL), so a
// short silence after them is taken as done.

import type { LinePort } from '../serial/line-port';
import { CRLF } from './mt-sics-codec';
import { ohausSerial, parseOhaus } from './ohaus-codec';
import { garbled, reading, SerialBalanceBase, settleOrSilent } from './driver-base';
import type { Balance, DriverOptions, Reading } from './types';
import { balanceError, isBalanceError } from '../errors/balance';

const ACK_WAIT_MS = 300;

export class OhausBalance extends SerialBalanceBase implements Balance {
  readonly protocol = 'ohaus' as const;

  constructor(port: LinePort, o: DriverOptions = {}) {
    super(port, o);
  }

  readImmediate(): Promise<Reading> {
    return this.#weigh('IP', this.replyTimeoutMs);
  }

  readStable(): Promise<Reading> {
    return settleOrSilent(
      () => this.#weigh('SP', this.stableTimeoutMs + this.replyTimeoutMs),
      () => this.readImmediate(),
      this.stableTimeoutMs,
    );
  }

  async #weigh(cmd: 'IP' | 'SP', timeoutMs: number): Promise<Reading> {
    const line = await this.ask(cmd + CRLF, timeoutMs);
    const r = parseOhaus(line);
    switch (r.kind) {
      case 'weight':
        return reading(r.ug, r.unit, r.stable, line);
      case 'overload':
        throw balanceError('OVERLOAD', line.trim());
      case 'underload':
        throw balanceError('UNDERLOAD', line.trim());
      case 'error':
        // SP is answered ES when stability does not come within the balance's 40 s.
        throw cmd === 'SP' ? balanceError('UNSTABLE_TOO_LONG', 'ES in reply to SP') : balanceError('ERROR_SYNTAX', 'ES in reply to IP');
      default:
        throw garbled(line, cmd);
    }
  }

  async zero(): Promise<void> {
    await this.#command('Z');
  }

  async tare(): Promise<void> {
    await this.#command('T');
  }

  async #command(cmd: 'Z' | 'T'): Promise<void> {
    let line: string;
    try {
      line = await this.ask(cmd + CRLF, ACK_WAIT_MS);
    } catch (e) {
      if (isBalanceError(e, 'NOT_ANSWERING')) return; // no "OK!" configured
      throw e;
    }
    const r = parseOhaus(line);
    if (r.kind === 'ok') return;
    if (r.kind === 'error') throw balanceError('ZERO_REFUSED', `ES in reply to ${cmd}`);
    throw garbled(line, cmd);
  }

  async serialNumber(): Promise<string> {
    const line = await this.ask(`PSN${CRLF}`);
    const r = parseOhaus(line);
    if (r.kind === 'error') throw balanceError('ERROR_SYNTAX', 'ES in reply to PSN');
    const sn = ohausSerial(line);
    if (sn === '') throw garbled(line, 'PSN');
    return sn;
  }
}
