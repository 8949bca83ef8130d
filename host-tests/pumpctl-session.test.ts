// pumpctl's session when the board goes silent behind a port that stays open (issue 21, item
// 5: the virtual board killed while its socat keeps the pty): it waits the documented
// --reconnect (15 s) for the board to answer again, instead of giving up with E812 after two
// reply timeouts. The port is scripted and the clock virtual: a read that times out moves the
// clock by its timeout, so nothing here sleeps or depends on the machine's speed.
import { describe, expect, it } from 'vitest';
import { lineBytes } from '../firmware/shared/crc';
import { HostError } from '../host/errors';
import type { SessionTimers } from '../host/cli/session';
import { MAX_SESSION_EVENTS, PumpSession, retrying } from '../host/cli/session';
import { withCrc } from '../firmware/protocol/frame';
import type { LinePort } from '../host/serial/line-port';
import { SerialError } from '../host/serial/line-port';
import { createLinkedPump } from '../host/protocol/virtual-link';
import { continuous, LIBRARY_JSON } from './fixtures';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const PATH = '/dev/ttySCRIPTED';

/** Virtual time: `sleep` and timed-out reads move it; nothing waits for real. */
class VirtualTime implements SessionTimers {
  ms = 0;
  now(): number {
    return this.ms;
  }
  async sleep(ms: number): Promise<void> {
    this.ms += ms;
  }
}

/**
 * A port to a pump that answers while `alive(now)` says so: what is written to a dead board is
 * lost, as on a pty whose board process was killed. Every open gives a port on the same board.
 */
function scriptedBoard(time: VirtualTime, alive: (ms: number) => boolean) {
  const lp = createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000) });
  let opens = 0;
  const open = async (): Promise<LinePort> => {
    opens++;
    const queue: string[] = [];
    return {
      path: PATH,
      closed: false,
      async write(text: string) {
        if (!alive(time.now())) return;
        const before = lp.written.length;
        lp.link.receive(lineBytes(text));
        queue.push(...lp.written.splice(before));
      },
      async readLine(timeoutMs: number) {
        const next = queue.shift();
        if (next !== undefined) return next;
        time.ms += timeoutMs;
        throw new SerialError('timeout', PATH, `no answer from ${PATH} within ${timeoutMs} ms`);
      },
      drain: () => queue.splice(0),
      onLine: () => undefined,
      close: async () => undefined,
    };
  };
  return { open, opens: () => opens };
}

async function session(time: VirtualTime, board: ReturnType<typeof scriptedBoard>, notices: string[]) {
  return PumpSession.open({
    path: PATH,
    baud: 115_200,
    binding: undefined as never,
    keys: {},
    timeoutMs: 3000,
    reconnectMs: 15_000,
    notice: (t) => notices.push(t),
    timers: time,
    openPort: board.open,
  });
}

describe('a board that falls silent behind an open port', () => {
  it('is waited for the whole --reconnect (15 s), then E815, not E812 after two timeouts', async () => {
    const time = new VirtualTime();
    const board = scriptedBoard(time, (ms) => ms < 1000); // killed at 1 s, never back
    const notices: string[] = [];
    const s = await session(time, board, notices);
    time.ms = 2000;
    const e = await s.query('STATUS').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(HostError);
    expect((e as HostError).errorName).toBe('DISCONNECTED');
    expect((e as HostError).text).toMatch(/^E815 DISCONNECTED: no answer from \/dev\/ttySCRIPTED within 3000 ms \(twice\), and the board did not answer again within 15 s/);
    // Two reply timeouts (6 s), then the full 15 s wait.
    expect(time.now() - 2000).toBeGreaterThanOrEqual(6000 + 15_000);
    expect(notices).toContain('no answer from /dev/ttySCRIPTED within 3000 ms (twice): waiting up to 15 s for the board to come back');
  });

  it('a board back within the wait: reconnected, and a read-only step simply repeats', async () => {
    const time = new VirtualTime();
    const board = scriptedBoard(time, (ms) => ms < 1000 || ms >= 14_000); // back 12 s after the query
    const notices: string[] = [];
    const s = await session(time, board, notices);
    time.ms = 2000;
    const generation = s.generation;
    const r = await retrying(() => s.query('STATUS'));
    expect(r.ok).toBe(true);
    expect(r.fields['state']).toBe('running');
    expect(s.generation).toBe(generation + 1);
    expect(notices.at(-1)).toBe('reconnected to /dev/ttySCRIPTED');
    expect(time.now()).toBeGreaterThanOrEqual(14_000);
  });

  it('a board that never answered at all: E812 after one more try, as before', async () => {
    const time = new VirtualTime();
    const board = scriptedBoard(time, () => false);
    const e = await session(time, board, []).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as HostError).text).toMatch(/^E812 TIMEOUT: no answer from \/dev\/ttySCRIPTED within 3000 ms \(twice\)/);
    expect(time.now()).toBe(6000);
  });
});

describe("a session's events over a long watch", () => {
  it('keeps only the latest MAX_SESSION_EVENTS, and eventsAfter still finds what came after a mark', async () => {
    const time = new VirtualTime();
    const board = scriptedBoard(time, () => true);
    // Event lines the board sends before its next reply, as with SUB 1.
    let inject: string[] = [];
    const open = async (): Promise<LinePort> => {
      const p = await board.open();
      return { ...p, readLine: async (t: number) => inject.shift() ?? p.readLine(t) };
    };
    const s = await session(time, { open, opens: board.opens }, []);
    const start = s.eventMark;
    const event = (seq: number): string => withCrc(`! ${seq} ${seq * 1000} hour-total HOUR_CLOSED hour=${seq}`);
    inject = Array.from({ length: MAX_SESSION_EVENTS + 100 }, (_, i) => event(i + 1));
    expect((await s.query('STATUS')).ok).toBe(true);
    expect(s.events).toHaveLength(MAX_SESSION_EVENTS);
    expect(s.events[0]!.seq).toBe(101);
    expect(s.eventMark - start).toBe(MAX_SESSION_EVENTS + 100);
    // What pumpctl ack and the dashboard do: a mark, a command, then the events after the mark.
    const mark = s.eventMark;
    inject = [event(90_001), event(90_002)];
    await s.query('STATUS');
    expect(s.eventsAfter(mark).map((e) => e.seq)).toEqual([90_001, 90_002]);
    expect(s.events).toHaveLength(MAX_SESSION_EVENTS);
  });
});
