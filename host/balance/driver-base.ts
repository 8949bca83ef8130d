// What the three serial drivers share: send one command, read its reply line, and turn the
// port's failures (timeout, closed) into numbered balance errors.

import type { LinePort } from '../serial/line-port';
import { SerialError } from '../serial/line-port';
import type { DriverClock, DriverOptions, Reading } from './types';
import { realClock } from './types';
import { isMassUnit, ugToMg } from './units';
import type { HostError } from '../errors';
import { balanceError, isBalanceError } from '../errors/balance';

export const DEFAULT_REPLY_TIMEOUT_MS = 2_000;
export const DEFAULT_STABLE_TIMEOUT_MS = 10_000;

export abstract class SerialBalanceBase {
  protected readonly port: LinePort;
  protected readonly replyTimeoutMs: number;
  protected readonly stableTimeoutMs: number;
  protected readonly clock: DriverClock;

  constructor(port: LinePort, o: DriverOptions = {}) {
    this.port = port;
    this.replyTimeoutMs = o.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.stableTimeoutMs = o.stableTimeoutMs ?? DEFAULT_STABLE_TIMEOUT_MS;
    this.clock = o.clock ?? realClock;
  }

  /** Writes `text` after dropping stale lines; resolves with the next line or a HostError. */
  protected async ask(text: string, timeoutMs = this.replyTimeoutMs): Promise<string> {
    this.port.drain();
    await this.send(text);
    return this.next(timeoutMs, text);
  }

  protected async send(text: string): Promise<void> {
    try {
      await this.port.write(text);
    } catch (e) {
      throw portError(e, text);
    }
  }

  protected async next(timeoutMs: number, what: string): Promise<string> {
    try {
      return await this.port.readLine(timeoutMs);
    } catch (e) {
      throw portError(e, what);
    }
  }
}

function printable(text: string): string {
  return JSON.stringify(text.replace(/\x1b/g, '<ESC>').replace(/\r\n$/, ''));
}

export function portError(e: unknown, command: string): HostError {
  if (isBalanceError(e)) return e;
  if (e instanceof SerialError) {
    if (e.kind === 'timeout') return balanceError('NOT_ANSWERING', `no reply to ${printable(command)} on ${e.path}`);
    return balanceError('PORT_CLOSED', e.message);
  }
  return balanceError('PORT_CLOSED', e instanceof Error ? e.message : String(e));
}

/** A Reading from integer micrograms, refusing units that are not masses. */
export function reading(ug: number, unit: string, stable: boolean, raw: string): Reading {
  if (!isMassUnit(unit)) throw balanceError('UNIT', `the balance sent ${JSON.stringify(raw)} (unit ${unit})`);
  return { massMg: ugToMg(ug), stable, raw };
}

export function garbled(raw: string, command: string): HostError {
  return balanceError('GARBLED', `${JSON.stringify(raw)} in reply to ${printable(command)}`);
}

/**
 * A stable read the balance holds until it settles (MT-SICS S, Ohaus SP) may outlast our
 * patience without the balance being gone: on a timeout, an immediate read (which also
 * cancels the waiting request) tells a silent balance (E900) from an unsettled one (E903).
 */
export async function settleOrSilent(stable: () => Promise<Reading>, immediate: () => Promise<Reading>, waitedMs: number): Promise<Reading> {
  try {
    return await stable();
  } catch (e) {
    if (!isBalanceError(e, 'NOT_ANSWERING')) throw e;
    const r = await immediate(); // rejects E900 itself if the balance is really silent
    throw balanceError('UNSTABLE_TOO_LONG', `not settled within ${waitedMs} ms (now ${JSON.stringify(r.raw)})`);
  }
}
