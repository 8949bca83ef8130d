// `--balance-protocol mt-sics|sbi|ohaus|auto`: builds the driver, or finds the protocol by
// sending each one's harmless query with a short timeout and keeping the first that answers
// in its own format: MT-SICS "I4" (serial number), SBI "ESC P" (print), Ohaus "IP" (print).
// MT-SICS and Ohaus answer an unknown command with "ES" and SBI ignores it, so the order
// MT-SICS, SBI, Ohaus never mistakes one for another.

import type { LinePort } from '../serial/line-port';
import { CRLF, parseMtSics } from './mt-sics-codec';
import { parseOhaus } from './ohaus-codec';
import { parseSbi } from './sbi-codec';
import { portError } from './driver-base';
import { MtSicsBalance } from './mt-sics';
import { OhausBalance } from './ohaus';
import { SBI_PRINT, SbiBalance } from './sbi';
import type { Balance, BalanceProtocol, DriverOptions } from './types';
import { balanceError, isBalanceError } from '../errors/balance';

export type BalanceProtocolChoice = BalanceProtocol | 'auto';
export const BALANCE_PROTOCOLS: readonly BalanceProtocolChoice[] = ['mt-sics', 'sbi', 'ohaus', 'auto'];

export interface ConnectOptions extends DriverOptions {
  /** Wait for each protocol's answer while detecting, ms (default 500). */
  readonly detectTimeoutMs?: number;
}

export function createBalance(port: LinePort, protocol: BalanceProtocol, o: DriverOptions = {}): Balance {
  switch (protocol) {
    case 'mt-sics':
      return new MtSicsBalance(port, o);
    case 'sbi':
      return new SbiBalance(port, o);
    case 'ohaus':
      return new OhausBalance(port, o);
  }
}

export async function connectBalance(port: LinePort, protocol: BalanceProtocolChoice, o: ConnectOptions = {}): Promise<Balance> {
  return createBalance(port, protocol === 'auto' ? await detectProtocol(port, o) : protocol, o);
}

const PROBES: readonly { protocol: BalanceProtocol; command: string; accepts: (line: string) => boolean }[] = [
  {
    protocol: 'mt-sics',
    command: `I4${CRLF}`,
    accepts: (l) => {
      const r = parseMtSics(l);
      return r.kind === 'status' && r.cmd === 'I4' && r.status === 'A';
    },
  },
  { protocol: 'sbi', command: SBI_PRINT, accepts: (l) => ['weight', 'overload', 'underload'].includes(parseSbi(l).kind) },
  { protocol: 'ohaus', command: `IP${CRLF}`, accepts: (l) => ['weight', 'overload', 'underload'].includes(parseOhaus(l).kind) },
];

/** The protocol the balance on `port` speaks; E909 if none answers in its own format. */
export async function detectProtocol(port: LinePort, o: ConnectOptions = {}): Promise<BalanceProtocol> {
  const timeout = o.detectTimeoutMs ?? 500;
  const heard: string[] = [];
  for (const probe of PROBES) {
    port.drain();
    try {
      await port.write(probe.command);
    } catch (e) {
      throw portError(e, probe.command);
    }
    let line: string | undefined;
    try {
      line = await port.readLine(timeout);
    } catch (e) {
      const err = portError(e, probe.command);
      if (!isBalanceError(err, 'NOT_ANSWERING')) throw err;
    }
    if (line !== undefined) {
      if (probe.accepts(line)) {
        port.drain();
        return probe.protocol;
      }
      heard.push(`${probe.protocol}: ${JSON.stringify(line)}`);
    }
  }
  throw balanceError('NOT_DETECTED', heard.length ? `replies were ${heard.join(', ')}` : 'nothing answered');
}
