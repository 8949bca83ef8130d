// `npm start`: the virtual board. Reads the options and files, makes sure socat is there,
// boots the firmware behind a pty (board.ts) and runs the console until q, Ctrl-C or SIGTERM.
// With --no-port, the same firmware and console without a pty (no-port.ts).
// Every refusal is a numbered error (host/errors/board.ts) and a distinct exit code, never a stack trace.

import { PROVISIONING_WINDOW_MS } from '../../firmware/protocol/auth';
import { NE1000_LOADED } from '../../firmware/protocol/ne1000/delivery';
import { ensureSocat } from '../serial/pty';
import { attachBenchDevices } from './bench-devices';
import type { BoardOptions } from './board';
import { VirtualBoard } from './board';
import { BoardConsole } from './console';
import { startBoardDashboard } from './dashboard';
import { formatElapsed } from './format';
import { readInputs } from './inputs';
import { NoPortRun } from './no-port';
import { shown } from '../json-file';
import type { BoardCliOptions } from './options';
import { HELP, readBoardOptions } from './options';
import { EXIT, HostError } from '../errors';

/** The firmware side's options, the files checked with the firmware's own readers. */
function boardOptions(o: BoardCliOptions): BoardOptions {
  const { prescription, mechanicsInput, library, reservoirNl } = readInputs(o);
  return {
    link: o.link,
    stateDir: o.stateDir,
    fresh: o.fresh,
    keysFile: o.keysFile,
    engine: o.engine,
    speed: o.speed,
    clock: o.clock,
    ...(o.seed !== undefined && { entropyHex: o.seed.toString(16).padStart(64, '0').slice(-64) }),
    core: {
      defaults: { mechanics: mechanicsInput, library, prescription },
      ...(o.prescriptionGiven && { program: prescription }),
      // NE-1000 mode runs the bench drug only: without a file, the syringe is loaded with water.
      ...(o.ne1000 && { ne1000: true, ...(!o.prescriptionGiven && { program: NE1000_LOADED }) }),
      ...(reservoirNl !== undefined && { reservoirNl }),
      timeOfDayMs: o.timeOfDayMs,
      faults: o.faults,
      loadCell: o.loadCell,
      seed: o.seed ?? 1,
      ...(o.rig !== undefined && { rig: o.rig }),
      // The window stays open two minutes of wall time, whatever the speed-up: long enough to
      // run pumpctl keys in another terminal. With a manual clock: two minutes of board time,
      // which pass only when the controller advances them.
      provisioningWindowMs: PROVISIONING_WINDOW_MS * Math.max(1, o.speed),
      advanceMs: o.advanceMs,
    },
  };
}

function fail(e: unknown, machine: boolean): number {
  if (e instanceof HostError) {
    process.stderr.write(`npm start: ${e.text}\n`);
    if (machine) process.stdout.write(`${JSON.stringify({ kind: 'error', code: e.code, name: e.errorName, exitCode: e.exitCode, message: e.text })}\n`);
    return e.exitCode;
  }
  process.stderr.write(`npm start: internal error: ${(e as Error).stack ?? String(e)}\n`);
  if (machine) process.stdout.write(`${JSON.stringify({ kind: 'error', exitCode: EXIT.internal, message: String(e) })}\n`);
  return EXIT.internal;
}

async function main(): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return;
    throw e;
  });
  const argv = process.argv.slice(2);
  const machine = argv.includes('--json') || argv.includes('--quiet');
  let board: VirtualBoard | undefined;
  let ui: BoardConsole | undefined;
  let finishing = false;
  let forMs: number | undefined;
  const finish = async (why: string, code: number): Promise<void> => {
    if (finishing) return;
    finishing = true;
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    if (board) {
      await board.stop();
      ui?.stopped(why, board.snapshot, code);
    }
    process.exit(code);
  };
  // Before any pty exists, so these (not host/serial/pty.ts's fallbacks) handle the signals:
  // an orderly stop saves the state and marks the shutdown clean.
  process.on('SIGINT', () => void finish('interrupted', EXIT.ok));
  process.on('SIGTERM', () => void finish('terminated', EXIT.ok));
  process.on('SIGHUP', () => void finish('hang-up', EXIT.ok));
  try {
    const read = readBoardOptions(argv);
    if (read === 'help') return void process.stdout.write(HELP);
    const o = read;
    if (o.noPort) return runNoPort(o);
    forMs = o.forMs;
    const options = boardOptions(o);
    ensureSocat((line) => process.stderr.write(`${line}\n`));
    ui = new BoardConsole({ json: o.json, quiet: o.quiet, prescriptionFile: o.prescriptionGiven ? shown(o.files.prescription) : '' });
    board = await VirtualBoard.start(options, ui);
    await attachBenchDevices(board, { link: o.link, balance: o.balance, stopcock: o.stopcock, seed: o.seed ?? 1 });
  } catch (e) {
    process.exit(fail(e, machine));
  }
  const b = board;
  const u = ui;
  u.failed = (e) => {
    u.note(`npm start: ${e.text}`);
    void finish('failed', e.exitCode);
  };
  const keys = process.stdin.isTTY === true;
  u.ready(b, keys);
  if (forMs !== undefined) {
    // --for: board time since the port opened, checked each 20 ms of wall time (the pacer's
    // frames are about that long), so the run stops within one frame of board time past it.
    const until = b.snapshot.nowMs + forMs;
    const timer = setInterval(() => {
      if (b.snapshot.nowMs < until) return;
      clearInterval(timer);
      void finish(`--for ${formatElapsed(forMs)}`, EXIT.ok);
    }, 20);
  }
  void startBoardDashboard(b, u, argv);
  listenForKeys(keys, (key) => {
    if (key === 'quit' || key === 'interrupted') return void finish(key, EXIT.ok);
    void b.key(key);
  });
}

type Key = 'bolus' | 'pause' | 'service' | 'quit' | 'interrupted';

/** Runs without a pty until --for, q or a signal; a refusal is thrown before anything starts. */
function runNoPort(o: BoardCliOptions): void {
  const keys = process.stdin.isTTY === true;
  const run = new NoPortRun(o, readInputs(o), () => {
    if (keys) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    process.exit(EXIT.ok);
  });
  for (const [signal, why] of [
    ['SIGINT', 'interrupted'],
    ['SIGTERM', 'terminated'],
    ['SIGHUP', 'hang-up'],
  ] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => run.finish(why));
  }
  run.start(keys, (e) => process.exit(fail(e, o.json)));
  listenForKeys(keys, (key) => {
    if (key === 'quit' || key === 'interrupted') run.finish(key);
    else if (key !== 'service') run.key(key);
  });
}

/**
 * Single keys from a terminal (raw mode), or from a pipe, each key a character (tests and
 * pumpctl's end-to-end tests write "s\n"); the end of a piped input changes nothing.
 */
function listenForKeys(tty: boolean, press: (key: Key) => void): void {
  const onKey = (ch: string): void => {
    const k = ({ b: 'bolus', p: 'pause', s: 'service', q: 'quit', '\u0003': 'interrupted' } as const)[ch];
    if (k) press(k);
  };
  process.stdin.setEncoding('utf8');
  if (tty) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', (key: string) => onKey(key));
  } else {
    // Each answer comes back as a {"kind":"command"} line. stdin from /dev/null, or closed, is
    // no key at all.
    process.stdin.on('data', (text: string) => {
      for (const ch of text) if (!/\s/.test(ch)) onKey(ch);
    });
    process.stdin.on('error', () => undefined);
  }
}

void main();
