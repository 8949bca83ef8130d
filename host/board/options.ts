// The virtual board's command line (`npm start -- [options] [PRESCRIPTION]`, with a pty or
// with --no-port): options, help text and exit codes. Values are checked here; files are read
// by inputs.ts.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MS_PER_SECOND } from '../../firmware/core/units';
import { parseDuration, parseFaults } from '../sim/faults';
import { parseRig } from '../sim/population';
import type { ClockMode } from './clock-control';
import type { EngineName } from './engine';
import type { BalanceProtocol } from '../balance/types';
import { BALANCE_CHOICES } from './bench-devices';
import { parseTimeOfDay } from './format';
import type { ExitName } from '../errors';
import { EXIT, exitsUsedBy } from '../errors';
import { BOARD_ERRORS, boardError } from '../errors/board';

export const DEFAULT_LINK = '/tmp/pump-rig/ttyPUMP';
export const DEFAULT_STATE = '/tmp/pump-rig/state';

export interface BoardCliOptions {
  readonly link: string;
  readonly stateDir: string;
  readonly fresh: boolean;
  readonly keysFile: string | undefined;
  readonly engine: EngineName;
  readonly speed: number;
  /** wall: time follows the wall clock times `speed`; manual: it moves only through the clock socket. */
  readonly clock: ClockMode;
  readonly files: { readonly prescription: string; readonly mechanics: string; readonly library: string };
  /** The prescription file was named: it is committed at boot if the stored one differs. */
  readonly prescriptionGiven: boolean;
  readonly reservoirMl: number | undefined;
  readonly timeOfDayMs: number;
  readonly faults: readonly string[];
  readonly loadCell: boolean;
  readonly advanceMs: number;
  /** Stop (as q does) once this much board time has passed since the port opened; undefined: run on. */
  readonly forMs: number | undefined;
  readonly seed: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  /** A virtual lab balance on its own pty, weighing what left the line. */
  readonly balance: BalanceProtocol | undefined;
  /** A virtual motorised stopcock on its own pty, blocking and opening the line. */
  readonly stopcock: boolean;
  /** Speak New Era's NE-1000 protocol on the pty instead of the native one (docs/ne1000.md). */
  readonly ne1000: boolean;
  /** One rig of the population (host/sim/population.ts): a seed or a corner's name. */
  readonly rig: string | undefined;
  /** No pty: the firmware on the virtual rig in this process, with the console only (no-port.ts). */
  readonly noPort: boolean;
  /** With --no-port: start priming the catheter dead volume first. */
  readonly prime: boolean;
}

/** Options that need the pty, its state or its devices: refused with --no-port rather than ignored. */
const PORT_ONLY = ['link', 'state', 'fresh', 'keys', 'engine', 'clock', 'advance', 'quiet', 'balance', 'stopcock', 'ne1000', 'rig'] as const;

// The statuses the board can end with, from the shared table (host/errors/exit.ts).
const exitTable = exitsUsedBy(Object.values(BOARD_ERRORS))
  .map((name) => `  ${String(EXIT[name]).padEnd(2)} ${name}${errorsFor(name)}`)
  .join('\n');

function errorsFor(exit: ExitName): string {
  const codes = Object.values(BOARD_ERRORS)
    .filter((e) => e.exit === exit && !('answered' in e))
    .map((e) => `E${e.code} ${e.name}`);
  return codes.length ? ` (${codes.join(', ')})` : '';
}

export const HELP = `Usage: npm start -- [options] [PRESCRIPTION.json|.yaml]      (or: npx tsx host/board/main.ts ...)

Starts the virtual board: the pump firmware on the virtual rig behind a real pseudo-terminal
(a socat pty pair). Connect to the path it prints with pumpctl, or with a serial terminal
(picocom -b 115200 PATH, screen PATH 115200) and type read-only queries: STATUS, HELP, RX.
A bench and teaching rig: NOT a medical device. Never connect it to a person or an animal.

Options:
  --link PATH            where to connect (a symlink to the pty; default ${DEFAULT_LINK})
  --speed N              virtual ms per wall ms (default 60; 3600 = an hour a second; 0 = the
                         clock stands still and the firmware runs only when bytes arrive)
  --clock wall|manual    wall (default): board time follows the wall clock times --speed.
                         manual: board time moves only when told, on the Unix socket LINK.clock
                         (one line each: "now", "advance 30s" or "advance 30000", "to MS";
                         answered "OK <board ms>" once the firmware has run to it). For tests
                         and scripts that must not depend on how fast the machine is; pumpctl's
                         procedures are then stepped by whoever advances the clock.
  --prescription FILE    prescription JSON or YAML (.yaml, .yml) (or give it as the last argument). On a new board
                         it is what the board boots with; on one with state, it is committed
                         at boot if it differs from the stored prescription.
                         (default firmware/app/examples/prescription.example.json)
  --mechanics FILE       mechanics JSON (default firmware/app/examples/mechanics.example.json);
                         a board with state keeps the mechanics it stored (--fresh for new)
  --library FILE         drug library JSON (default firmware/app/examples/library.example.json)
  --reservoir-ml N       drug in the syringe on a new board, mL (default: full)
  --time-of-day HH:MM    time of day at boot (default: the host's clock)
  --fault SPEC           inject a fault on the virtual rig, repeatable: occlusion@2h,
                         release@3h, stall@5h, sensor-unplugged@1h ... (host/sim/faults.ts);
                         times count from this boot
  --load-cell            fit a load cell on the pusher
  --advance DURATION     run this much virtual time before opening the port (e.g. 6h)
  --for DURATION         stop after this much board time (e.g. 10m), as q does: state saved,
                         a summary of what was delivered printed
  --state DIR            NVS and flash images and keys.json (default ${DEFAULT_STATE});
                         a restarted board boots from them, as after a power cut
  --fresh                erase the state first: a new board, new keys
  --keys FILE            role keys JSON to provision at every start (otherwise keys are
                         generated at the first start and written to DIR/keys.json, 0600)
  --engine node|xs       run the firmware on Node (default) or inside the XS engine
  --seed N               fixed seed for the rig's noise and the board's nonces (tests)
  --rig SEED|NAME        run as one rig of the population (docs/virtual-rig.md): drawn rig
                         SEED (its mechanics, line, flow sensor, late timers; its noise seed
                         is SEED), or a corner: middle, stiffest, softest, slowest,
                         worst-syringe, worst-sensor
  --json                 JSON lines: ready, event, status, command, stopped
  --quiet                only the ready line (JSON) and errors: for running as a child process
  --balance PROTOCOL     a virtual lab balance (mt-sics, sbi or ohaus) on its own pty beside
                         the pump's (ttyBALANCE), weighing what left the line: for pumpctl
                         accuracy, occlusion-test, bolus-test and calibrate --balance
  --stopcock             a virtual motorised stopcock on its own pty (ttySTOPCOCK): CLOSE
                         blocks the line, OPEN releases it (pumpctl occlusion-test --stopcock)
  --ne1000               speak New Era's NE-1000 / NE-500 RS-232 protocol on the pty (for a
                         lab's scripts and libraries; water only, within the library's hard
                         limits: docs/ne1000.md). Stored in the board's state like a device's
                         mode; NATIVE (sent as an NE command) goes back to the native protocol
  --no-port              no pty: the firmware on the virtual rig in this process, the console
                         only (no state, keys, devices or dashboard). Takes --speed (above 0),
                         --for, the files, --reservoir-ml, --time-of-day, --fault, --load-cell,
                         --seed, --json and --prime; the other options need the pty
  --prime                with --no-port: start priming the catheter dead volume first
  -h, --help             show this help

Keys (when stdin is a terminal): b patient bolus, p pause/resume, s service button (opens the
provisioning window pumpctl keys needs, and acknowledges alarms; not with --no-port), q quit
(Ctrl-C too). On a terminal the status line is rewritten in place; otherwise (and with --json)
a status line is printed every simulated hour, or every 5 wall seconds if that is rarer.

Exit codes:
${exitTable}
`;

const example = (name: string): string => fileURLToPath(new URL(`../../firmware/app/examples/${name}.example.json`, import.meta.url));

export function readBoardOptions(argv: string[]): BoardCliOptions | 'help' {
  const parse = () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        link: { type: 'string' },
        speed: { type: 'string' },
        clock: { type: 'string' },
        prescription: { type: 'string' },
        mechanics: { type: 'string' },
        library: { type: 'string' },
        'reservoir-ml': { type: 'string' },
        'time-of-day': { type: 'string' },
        fault: { type: 'string', multiple: true },
        'load-cell': { type: 'boolean' },
        advance: { type: 'string' },
        for: { type: 'string' },
        state: { type: 'string' },
        fresh: { type: 'boolean' },
        keys: { type: 'string' },
        engine: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        balance: { type: 'string' },
        stopcock: { type: 'boolean' },
        ne1000: { type: 'boolean' },
        rig: { type: 'string' },
        'no-port': { type: 'boolean' },
        prime: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    throw boardError('USAGE', `${(e as Error).message}\nSee --help.`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const bad = (what: string, value: string, want: string): never => {
    throw boardError('USAGE', `${what} "${value}" is not ${want}. See --help.`);
  };
  if (parsed.positionals.length > 1) throw boardError('USAGE', `one prescription file at most (got ${parsed.positionals.join(', ')}). See --help.`);
  if (parsed.positionals.length === 1 && v.prescription !== undefined) throw boardError('USAGE', 'give the prescription either as --prescription FILE or as the last argument, not both.');
  const noPort = v['no-port'] === true;
  if (noPort) {
    const given = PORT_ONLY.filter((k) => v[k] !== undefined);
    if (given.length > 0) throw boardError('USAGE', `${given.map((k) => `--${k}`).join(', ')} need${given.length === 1 ? 's' : ''} the pty: not with --no-port. See --help.`);
  } else if (v.prime) throw boardError('USAGE', '--prime is for --no-port (on the board, the PRIME command over the link primes). See --help.');
  const speed = v.speed === undefined ? 60 : Number(v.speed);
  if (noPort && v.speed !== undefined && !(speed > 0)) bad('--speed', v.speed, 'a positive number (virtual ms per wall ms; without a pty nothing else moves the clock)');
  if (v.speed !== undefined && !(v.speed.trim() !== '' && Number.isFinite(speed) && speed >= 0)) bad('--speed', v.speed, 'a number >= 0 (virtual ms per wall ms)');
  const clock = v.clock ?? 'wall';
  if (clock !== 'wall' && clock !== 'manual') bad('--clock', clock, 'wall or manual');
  if (clock === 'manual' && v.speed !== undefined)
    throw boardError('USAGE', '--speed sets the pace of the wall clock; with --clock manual board time moves only through the clock socket. Give one of them. See --help.');
  const faults = v.fault ?? [];
  const faultCheck = parseFaults(faults);
  if (!faultCheck.ok) throw boardError('USAGE', `--fault: ${faultCheck.message}\nSee --help.`);
  const reservoirMl = v['reservoir-ml'] === undefined ? undefined : Number(v['reservoir-ml']);
  if (reservoirMl !== undefined && !(Number.isFinite(reservoirMl) && reservoirMl >= 0)) bad('--reservoir-ml', v['reservoir-ml']!, 'a volume in mL');
  const tod = v['time-of-day'];
  const now = new Date();
  const hostTod = ((now.getHours() * 60 + now.getMinutes()) * 60 + now.getSeconds()) * MS_PER_SECOND;
  const timeOfDayMs = tod === undefined ? hostTod : (parseTimeOfDay(tod) ?? bad('--time-of-day', tod, 'a time of day HH:MM or HH:MM:SS'));
  const advance = v.advance === undefined ? { ok: true as const, ms: 0 } : parseDuration(v.advance);
  if (!advance.ok) bad('--advance', v.advance!, 'a duration such as 90m, 6h or 7d');
  const forRun = v.for === undefined ? undefined : parseDuration(v.for);
  if (forRun && !(forRun.ok && forRun.ms > 0)) bad('--for', v.for!, 'a duration such as 10m, 2h or 7d');
  const engine = v.engine ?? 'node';
  if (engine !== 'node' && engine !== 'xs') bad('--engine', engine, 'node or xs');
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) bad('--seed', v.seed!, 'a whole number');
  const balance = v.balance;
  if (balance !== undefined && !(BALANCE_CHOICES as readonly string[]).includes(balance)) bad('--balance', balance, BALANCE_CHOICES.join(', '));
  if ((balance !== undefined || v.stopcock) && engine === 'xs') throw boardError('USAGE', '--balance and --stopcock need --engine node: they act on the line model in this process. See --help.');
  const rig = v.rig === undefined ? undefined : parseRig(v.rig);
  if (rig && !rig.ok) throw boardError('USAGE', `--rig: ${rig.message}. See --help.`);
  const prescription = v.prescription ?? parsed.positionals[0];
  return {
    link: v.link ?? DEFAULT_LINK,
    stateDir: v.state ?? DEFAULT_STATE,
    fresh: v.fresh === true,
    keysFile: v.keys,
    engine: engine as EngineName,
    speed: clock === 'manual' ? 0 : speed,
    clock: clock as ClockMode,
    files: { prescription: prescription ?? example('prescription'), mechanics: v.mechanics ?? example('mechanics'), library: v.library ?? example('library') },
    prescriptionGiven: prescription !== undefined,
    reservoirMl,
    timeOfDayMs,
    faults,
    loadCell: v['load-cell'] === true,
    advanceMs: advance.ok ? advance.ms : 0,
    forMs: forRun?.ok ? forRun.ms : undefined,
    seed,
    json: v.json === true,
    quiet: v.quiet === true,
    balance: balance as BalanceProtocol | undefined,
    stopcock: v.stopcock === true,
    ne1000: v.ne1000 === true,
    rig: v.rig,
    noPort,
    prime: v.prime === true,
  };
}
