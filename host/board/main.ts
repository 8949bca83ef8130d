// `npm start`: the virtual board. Reads the options and files, makes sure socat is there,
// boots the firmware behind a pty (board.ts) and runs the console until q, Ctrl-C or SIGTERM.
// Every refusal is a numbered error (errors.ts) and a distinct exit code, never a stack trace.
// `--no-port` runs the older standalone simulator (host/sim/cli.ts) instead.

import { formatError } from '../../firmware/core/errors';
import { readLibrary } from '../../firmware/core/library';
import { readMechanics } from '../../firmware/core/mechanics';
import { mlToNl } from '../../firmware/core/units';
import { PROVISIONING_WINDOW_MS } from '../../firmware/protocol/auth';
import { NE1000_LOADED } from '../../firmware/protocol/ne1000/delivery';
import { ensureSocat } from '../serial/pty';
import { attachBenchDevices } from './bench-devices';
import { type BoardOptions, VirtualBoard } from './board';
import { BoardConsole } from './console';
import { startBoardDashboard } from './dashboard';
import { BoardError, EXIT } from './errors';
import { readFileSync } from 'node:fs';
import { checkPrescriptionText } from '../cli/prescription-file';
import { formatElapsed } from '../sim/cli-format';
import { readJsonFile, shown, unreadable } from '../json-file';
import { type BoardCliOptions, HELP, readBoardOptions } from './options';

function loadJson(what: string, file: string): unknown {
  const r = readJsonFile(what, file);
  if (r.ok) return r.value;
  throw new BoardError(r.kind === 'unreadable' ? 'FILE_UNREADABLE' : 'FILE_NOT_JSON', r.message);
}

/** The prescription, JSON or YAML, checked as pumpctl program checks it (line, field, a typo named). */
function loadPrescription(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BoardError('FILE_UNREADABLE', `cannot read the prescription file ${shown(file)}: ${unreadable(e)}`);
  }
  const r = checkPrescriptionText(text, shown(file));
  if (r.ok) return r.value.input;
  throw new BoardError(r.kind === 'syntax' ? 'FILE_NOT_JSON' : 'REFUSED', r.kind === 'syntax' ? r.message : `the firmware refused the prescription:\n  ${r.message}`);
}

/** The firmware side's options, the files checked with the firmware's own readers. */
function boardOptions(o: BoardCliOptions): BoardOptions {
  const prescription = loadPrescription(o.files.prescription);
  const mechanicsInput = loadJson('mechanics', o.files.mechanics);
  const library = loadJson('library', o.files.library);
  const mechanics = readMechanics(mechanicsInput);
  if (!mechanics.ok) throw new BoardError('REFUSED', `the firmware refused the mechanics in ${shown(o.files.mechanics)}:\n  ${formatError(mechanics.error)}`);
  const lib = readLibrary(library);
  if (!lib.ok) throw new BoardError('REFUSED', `the firmware refused the drug library in ${shown(o.files.library)}:\n  ${formatError(lib.error)}`);
  const capacityNl = mechanics.value.syringe.capacityNl;
  const reservoirNl = o.reservoirMl === undefined ? undefined : mlToNl(o.reservoirMl);
  if (reservoirNl !== undefined && reservoirNl > capacityNl) throw new BoardError('USAGE', `--reservoir-ml ${o.reservoirMl} is more than the ${mechanics.value.syringe.name} syringe holds.`);
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
  if (e instanceof BoardError) {
    process.stderr.write(`npm start: ${e.message}\n`);
    if (machine) process.stdout.write(`${JSON.stringify({ kind: 'error', code: e.code, name: e.errorName, exitCode: e.exitCode, message: e.message })}\n`);
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
  if (argv.includes('--no-port')) {
    process.argv = [...process.argv.slice(0, 2), ...argv.filter((a) => a !== '--no-port')];
    await import('../sim/cli');
    return;
  }
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
    u.note(`npm start: ${e.message}`);
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
  const press = (key: string): void => {
    if (key === 'q' || key === '\u0003') return void finish(key === 'q' ? 'quit' : 'interrupted', EXIT.ok);
    const k = key === 'b' ? 'bolus' : key === 'p' ? 'pause' : key === 's' ? 'service' : undefined;
    if (k) void b.key(k);
  };
  process.stdin.setEncoding('utf8');
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', (key: string) => press(key));
  } else {
    // A parent process (tests, pumpctl's end-to-end tests) presses keys by writing "s\n" to a
    // pipe; each answer comes back as a {"kind":"command"} line. The end of the input (stdin
    // from /dev/null, or closed) changes nothing.
    process.stdin.on('data', (text: string) => {
      for (const ch of text) if (!/\s/.test(ch)) press(ch);
    });
    process.stdin.on('error', () => undefined);
  }
}

void main();
