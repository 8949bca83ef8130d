// Driver for Mettler Toledo balances over MT-SICS (level 0/1 commands every MT-SICS balance
// has: S, SI, Z, T, I4). S makes the balance itself wait for stability and answer "S I" if it
// cannot settle, so no polling is needed here.

import type { LinePort } from '../serial/line-port';
import type { MtSicsReply } from './mt-sics-codec';
import { CRLF, parseMtSics, quotedValue } from './mt-sics-codec';
import { garbled, reading, SerialBalanceBase, settleOrSilent } from './driver-base';
import type { Balance, DriverOptions, Reading } from './types';
import type { HostError } from '../errors';
import { balanceError } from '../errors/balance';

/** Replies to other commands skipped before a command's own (see #ask). */
const STALE_REPLIES = 3;

export class MtSicsBalance extends SerialBalanceBase implements Balance {
  readonly protocol = 'mt-sics' as const;

  constructor(port: LinePort, o: DriverOptions = {}) {
    super(port, o);
  }

  async readStable(): Promise<Reading> {
    return settleOrSilent(
      () => this.#weigh('S', this.stableTimeoutMs + this.replyTimeoutMs),
      () => this.readImmediate(),
      this.stableTimeoutMs,
    );
  }

  async readImmediate(): Promise<Reading> {
    return this.#weigh('SI', this.replyTimeoutMs);
  }

  /**
   * Sends `cmd` and returns its reply. MT-SICS echoes a command in its reply (S and SI both as
   * "S"), except the errors ES, ET and EL, so a weight or status line echoing another command is
   * stale: the answer to an S that a station killed mid-check left in flight, arriving after
   * ask()'s drain (it answered a resumed station's Z and failed its calibration with E907). Up
   * to STALE_REPLIES such lines are skipped, each waited for no longer than the reply itself.
   */
  async #ask(cmd: string, echo: string, timeoutMs = this.replyTimeoutMs): Promise<string> {
    let line = await this.ask(cmd + CRLF, timeoutMs);
    for (let skipped = 0; skipped < STALE_REPLIES; skipped++) {
      const r = parseMtSics(line);
      if ((r.kind !== 'weight' && r.kind !== 'status') || r.cmd === echo) return line;
      line = await this.next(timeoutMs, cmd + CRLF);
    }
    return line;
  }

  async #weigh(cmd: 'S' | 'SI', timeoutMs: number): Promise<Reading> {
    const line = await this.#ask(cmd, 'S', timeoutMs);
    const r = parseMtSics(line);
    if (r.kind === 'weight' && r.cmd === 'S') return reading(r.ug, r.unit, r.stable, line);
    if (r.kind === 'status' && r.cmd === 'S') {
      if (r.status === '+') throw balanceError('OVERLOAD', line);
      if (r.status === '-') throw balanceError('UNDERLOAD', line);
      if (r.status === 'I') throw cmd === 'S' ? balanceError('UNSTABLE_TOO_LONG', `${line} (the balance gave up waiting for stability)`) : balanceError('BUSY', line);
    }
    throw replyError(r, line, cmd);
  }

  async zero(): Promise<void> {
    await this.#adjust('Z', 'A');
  }

  async tare(): Promise<void> {
    await this.#adjust('T', 'S');
  }

  /** Z answers "Z A", T answers "T S <tare weight>"; I, + and - say why not. */
  async #adjust(cmd: 'Z' | 'T', ok: string): Promise<void> {
    const line = await this.#ask(cmd, cmd, this.stableTimeoutMs + this.replyTimeoutMs);
    const r = parseMtSics(line);
    if ((r.kind === 'weight' || r.kind === 'status') && r.cmd === cmd) {
      const status = r.kind === 'weight' ? (r.stable ? 'S' : 'D') : r.status;
      if (status === ok) return;
      if (status === '+') throw balanceError('OVERLOAD', line);
      if (status === '-') throw balanceError('UNDERLOAD', line);
      throw balanceError('ZERO_REFUSED', line);
    }
    throw replyError(r, line, cmd);
  }

  async serialNumber(): Promise<string> {
    const line = await this.#ask('I4', 'I4');
    const r = parseMtSics(line);
    if (r.kind === 'status' && r.cmd === 'I4' && r.status === 'A') {
      const v = quotedValue(r.rest);
      if (v !== undefined) return v;
    }
    throw replyError(r, line, 'I4');
  }
}

function replyError(r: MtSicsReply, line: string, cmd: string): HostError {
  if (r.kind === 'error') return balanceError(r.code === 'ES' ? 'ERROR_SYNTAX' : r.code === 'ET' ? 'ERROR_TRANSMISSION' : 'ERROR_LOGIC', `${line} in reply to ${cmd}`);
  return garbled(line, cmd);
}
