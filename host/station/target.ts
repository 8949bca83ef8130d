// One board on the station: where it is (its serial port, its balance's port, a manual board
// clock for a virtual board), and the connections a run opens to it: a PumpSession (the same
// one pumpctl's commands use), the balance driver, and the Scheduler the procedures run on.

import type { Scheduler } from '../accuracy/interfaces';
import type { BalanceProtocolChoice } from '../balance/select';
import { BALANCE_PROTOCOLS, connectBalance } from '../balance/select';
import type { Balance } from '../balance/types';
import { BoardClock, boardScheduler } from '../board/clock-client';
import { driverClock, realScheduler } from '../cli/pump-control';
import { PumpSession } from '../cli/session';
import type { RoleKeys } from '../protocol/key-file';
import type { Binding, LinePort } from '../serial/line-port';
import { openLinePort, SerialError } from '../serial/line-port';
import { cliError } from '../errors/pumpctl';
import { stationError } from '../errors/station';

export interface BoardTarget {
  /** Short name in the live table and the prompts: B1, B2 ... */
  readonly label: string;
  readonly port: string;
  /** The stable id when the operator knows it (the label on the board, a MAC read earlier). */
  readonly id?: string;
  readonly balance?: string;
  readonly balanceProtocol: BalanceProtocolChoice;
  /** A virtual board on a manual clock: its clock socket (board time moves only when the run says). */
  readonly clockSocket?: string;
  /** A virtual board: the population rig it runs as. */
  readonly rig?: string;
  /** A virtual board: presses its console's service button (the operator's physical-presence step). */
  readonly pressService?: () => Promise<void>;
}

export interface LinkOptions {
  readonly binding: Binding;
  readonly baud: number;
  readonly timeoutMs: number;
  readonly reconnectMs: number;
  /** Real boards: the board runs this many times real time (1 on hardware). */
  readonly timeScale: number;
  readonly signal: AbortSignal;
  readonly notice: (text: string) => void;
}

/** `PORT[,balance=PATH][,protocol=P][,id=ID][,clock=SOCKET][,rig=R]`, as --board takes it. */
export function parseBoardSpec(text: string, label: string): BoardTarget {
  const [port, ...rest] = text.split(',');
  if (!port) throw stationError('BOARD_SPEC', `--board "${text}": the serial port comes first`);
  const t: { -readonly [K in keyof BoardTarget]?: BoardTarget[K] } = { label, port, balanceProtocol: 'auto' };
  for (const kv of rest) {
    const m = /^(balance|protocol|id|clock|rig)=(.+)$/.exec(kv);
    if (!m) throw stationError('BOARD_SPEC', `--board "${text}": "${kv}" is not balance=, protocol=, id=, clock= or rig=`);
    const v = m[2]!;
    if (m[1] === 'balance') t.balance = v;
    else if (m[1] === 'protocol') {
      if (!(BALANCE_PROTOCOLS as readonly string[]).includes(v)) throw stationError('BOARD_SPEC', `--board "${text}": protocol must be one of ${BALANCE_PROTOCOLS.join(', ')}`);
      t.balanceProtocol = v as BalanceProtocolChoice;
    } else if (m[1] === 'id') {
      if (!/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/.test(v)) throw stationError('BOARD_SPEC', `--board "${text}": id must be letters, digits and : . _ - (at most 64)`);
      t.id = v;
    } else if (m[1] === 'clock') t.clockSocket = v;
    else t.rig = v;
  }
  return t as BoardTarget;
}

/** Boards must not share a port, a balance or an id: two runs would fight over one board. */
export function checkDistinct(targets: readonly BoardTarget[]): void {
  const seen = new Map<string, string>();
  for (const t of targets) {
    for (const [what, v] of [
      ['port', t.port],
      ['balance', t.balance],
      ['id', t.id],
    ] as const) {
      if (v === undefined) continue;
      const k = `${what}:${v}`;
      if (seen.has(k)) throw stationError('BOARD_SPEC', `${seen.get(k)} and ${t.label} have the same ${what} ${v}`);
      seen.set(k, t.label);
    }
  }
}

/** The board's clock: its manual clock socket for a virtual board, else real time (times --time-scale). */
export async function schedulerFor(t: BoardTarget, o: LinkOptions): Promise<{ scheduler: Scheduler; close: () => void }> {
  if (!t.clockSocket) return { scheduler: realScheduler(o.signal, o.timeScale), close: () => undefined };
  const clock = await BoardClock.open(t.clockSocket);
  return { scheduler: boardScheduler(clock, o.signal), close: () => clock.close() };
}

export function openSession(t: BoardTarget, o: LinkOptions, keys: RoleKeys): Promise<PumpSession> {
  return PumpSession.open({ path: t.port, baud: o.baud, binding: o.binding, keys, timeoutMs: o.timeoutMs, reconnectMs: o.reconnectMs, notice: (x) => o.notice(`${t.label}: ${x}`) });
}

/** Opens the board's balance on the run's clock; the caller closes the port. */
export async function openBalance(t: BoardTarget, o: LinkOptions, scheduler: Scheduler): Promise<{ balance: Balance; port: LinePort }> {
  if (!t.balance) throw stationError('BOARD_SPEC', `${t.label} has no balance (--board ${t.port},balance=PATH)`);
  let port: LinePort;
  try {
    port = await openLinePort(t.balance, { baud: 9600, binding: o.binding });
  } catch (e) {
    if (e instanceof SerialError) throw cliError('PORT_OPEN', `the balance port of ${t.label}: ${e.message}`);
    throw e;
  }
  try {
    const balance = await connectBalance(port, t.balanceProtocol, { clock: driverClock(scheduler), replyTimeoutMs: 2000, stableTimeoutMs: 10_000, detectTimeoutMs: 2000 });
    return { balance, port };
  } catch (e) {
    await port.close();
    throw e;
  }
}
