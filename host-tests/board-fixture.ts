// The virtual board as a child process for tests: startBoard() runs `host/board/main.ts
// --quiet` on a fresh link and state directory under a temporary directory, waits for its ready
// line, and hands back the path to connect to and the keys file. kill() is the power cut
// (SIGKILL: no clean shutdown, its socat orphaned until the restart clears it); restart()
// starts it again on the same link and state; stop() is an orderly SIGTERM and cleans up.
// pumpctl's end-to-end tests reuse this. No sleeps anywhere: everything waits on a line or an
// exit, with generous deadlines for a slow 2-core machine. Boards run with --clock manual unless
// a test asks for the wall clock: board time then moves only through clock() (the board's clock
// socket), so no deadline on the board depends on how fast this machine is.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoardClock } from '../host/board/clock-client';
import type { ReadyLine } from '../host/board/console';
import type { SpawnedBoard } from '../host/board/spawn';
import { spawnBoard } from '../host/board/spawn';

export interface StartBoardOptions {
  /** Extra options: --engine xs, --fault ..., a prescription file. */
  readonly args?: readonly string[];
  /**
   * manual (default): --clock manual, time moves through clock(). A number: the wall clock at
   * that --speed (only for tests of the wall-clock path, whose assertions must not depend on pacing).
   */
  readonly speed?: 'manual' | number;
  /** Default: a new temporary directory (removed by stop()). */
  readonly dir?: string;
  readonly timeoutMs?: number;
}

export interface BoardFixture {
  /** The link to connect to (stable across restarts). */
  readonly path: string;
  readonly keysFile: string;
  readonly stateDir: string;
  readonly dir: string;
  /** The latest ready line. */
  readonly ready: ReadyLine;
  /** The board's manual clock (advance, to, now), connected once and again after a restart. */
  clock(): Promise<BoardClock>;
  /** The running process's stderr so far. */
  stderr(): string;
  /** A console key: s the service button (opens the provisioning window), b bolus, p pause. */
  press(key: 's' | 'b' | 'p'): Promise<{ command: string; ok: boolean; text: string }>;
  /** SIGTERM, then waits for the exit; returns the exit code. Removes the temporary directory. */
  stop(): Promise<number | string>;
  /** SIGKILL (a power cut), waits for the exit. */
  kill(): Promise<void>;
  /** Starts the board again on the same link and state (after kill() or stop(keep)). */
  restart(extraArgs?: readonly string[]): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startBoard(o: StartBoardOptions = {}): Promise<BoardFixture> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'pump-board-'));
  const path = join(dir, 'ttyPUMP');
  const stateDir = join(dir, 'state');
  const pace = o.speed === undefined || o.speed === 'manual' ? ['--clock', 'manual'] : ['--speed', String(o.speed)];
  const base = ['--link', path, '--state', stateDir, ...pace, ...(o.args ?? [])];
  const launch = (extra: readonly string[] = []): Promise<SpawnedBoard> => spawnBoard([...base, ...extra], { timeoutMs: o.timeoutMs ?? 90_000 });
  let current = await launch();
  const socats = new Set<number>(current.ready.socatPids);
  let clock: Promise<BoardClock> | undefined;
  const fixture: BoardFixture = {
    path,
    stateDir,
    dir,
    get keysFile() {
      return current.ready.keys;
    },
    get ready() {
      return current.ready;
    },
    stderr: () => current.stderr(),
    clock() {
      const socket = current.ready.clockSocket;
      if (!socket) return Promise.reject(new Error('this board runs on the wall clock (startBoard speed given)'));
      // BoardClock reconnects by itself when a restarted board opens the socket again.
      clock ??= BoardClock.open(socket);
      return clock;
    },
    press: (key) => current.press(key),
    async stop() {
      void clock?.then(
        (c) => c.close(),
        () => undefined,
      );
      if (current.child.exitCode === null && current.child.signalCode === null) current.child.kill('SIGTERM');
      const code = await current.exited;
      // A board killed earlier leaves its socat until a restart; make sure none outlives the test.
      for (const pid of socats) if (alive(pid)) process.kill(pid, 'SIGKILL');
      if (o.dir === undefined) rmSync(dir, { recursive: true, force: true });
      return code;
    },
    async kill() {
      current.child.kill('SIGKILL');
      await current.exited;
    },
    async restart(extra = []) {
      current = await launch(extra);
      for (const p of current.ready.socatPids) socats.add(p);
    },
  };
  return fixture;
}
