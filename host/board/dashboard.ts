// The dashboard beside the virtual board (`npm start`): the same server as `pumpctl serve`
// (host/web/), talking to the firmware through the board's own pty with pumpctl's session, plus
// the demonstration controls only a virtual board has: fault buttons acting on the virtual rig,
// the speed of a wall clock (the pacer's, changed from where board time is) and, with --clock
// manual, buttons that move board time instead. The pty is opened only while a page
// is open, so pumpctl in another terminal works whenever no dashboard page is.
//
// Where it listens comes from PUMP_DASHBOARD (the board's options belong to options.ts):
// unset: 127.0.0.1:8470 (any free port if that one is taken), and not at all with --quiet
// (a child process of the tests); "off"; or "PORT" / "ADDRESS:PORT" (0: any free port).

import { autoDetect } from '@serialport/bindings-cpp';
import { parseDuration, parseFault, applyFault } from '../sim/faults';
import { PumpSession } from '../cli/session';
import { readKeyFile } from '../protocol/key-file';
import type { VirtualControls } from '../web/bridge';
import { PumpBridge } from '../web/bridge';
import { paceText } from '../web/pace';
import type { Dashboard } from '../web/server';
import { DEFAULT_HTTP_PORT, DEFAULT_LISTEN, isLoopback, startDashboard } from '../web/server';
import type { VirtualBoard } from './board';
import { BAUD } from './board';
import { BoardClock } from './clock-client';
import type { BoardConsole } from './console';

/** The fault buttons: id (host/sim/faults.ts syntax, applied now) and what the button says. */
export const FAULT_BUTTONS = [
  { id: 'occlusion', label: 'Block the line' },
  { id: 'release', label: 'Clear the block' },
  { id: 'air:20ul', label: 'Air bubble (20 µL)' },
  { id: 'clear-air', label: 'Clear the air' },
  { id: 'sensor-unplugged', label: 'Flow sensor fault' },
  { id: 'clear-sensor-unplugged', label: 'Flow sensor back' },
  { id: 'battery-sag:350mv', label: 'Low battery' },
  { id: 'clear-battery-sag', label: 'Battery back to normal' },
] as const;

export function dashboardAddress(env: NodeJS.ProcessEnv, quiet: boolean): { listen: string; port: number; fallback: boolean } | undefined {
  const v = env['PUMP_DASHBOARD']?.trim();
  if (v === 'off' || (v === undefined && quiet)) return undefined;
  if (v === undefined || v === '') return { listen: DEFAULT_LISTEN, port: DEFAULT_HTTP_PORT, fallback: true };
  const m = /^(?:(.+):)?([0-9]{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65_535) throw new Error(`PUMP_DASHBOARD="${v}" is not off, PORT or ADDRESS:PORT`);
  return { listen: (m[1] ?? DEFAULT_LISTEN).replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]), fallback: false };
}

function virtualControls(board: VirtualBoard): VirtualControls {
  const pump = board.pump;
  let clock: Promise<BoardClock> | undefined;
  const socket = board.clockSocket;
  return {
    get info() {
      return { faults: pump ? FAULT_BUTTONS : [], manualClock: board.manualClock, speed: board.speed, speedSettable: !board.manualClock, engine: board.engine.name };
    },
    fault(id) {
      if (!pump) throw new Error('fault buttons need the Node engine (the XS engine keeps the rig in its worker): start without --engine xs');
      if (!FAULT_BUTTONS.some((f) => f.id === id)) throw new Error(`no fault button "${id}"`);
      const parsed = parseFault(`${id}@0`);
      if (!parsed.ok) throw new Error(parsed.error);
      // Between the board's turns (the engine runs synchronously inside one), like a scheduled fault.
      applyFault(parsed.fault, { line: pump.line, flowSensor: pump.flowModel, drive: pump.drive, battery: pump.battery }, pump.nowMs);
      return `${FAULT_BUTTONS.find((f) => f.id === id)!.label}: ${parsed.fault.description} on the virtual rig`;
    },
    ...(socket && {
      advance: async (duration: string) => {
        const d = /^[0-9]+$/.test(duration) ? { ok: true as const, ms: Number(duration) } : parseDuration(duration);
        if (!d.ok || d.ms > 7 * 86_400_000) throw new Error(`"${duration}" is not a duration up to 7 days such as 1m, 1h`);
        clock ??= BoardClock.open(socket);
        const at = await (await clock).advance(d.ms);
        return `board time moved ${duration}: now ${Math.round(at / 1000)} s since boot`;
      },
    }),
    ...(!board.manualClock && {
      setSpeed: async (speed: number) => {
        await board.setSpeed(speed);
        return speed === 0 ? 'board time now stands still (the firmware runs only when the port speaks)' : `board time now runs at ${paceText(speed)}`;
      },
    }),
    line: () => (pump ? { flowNlPerMin: pump.line.flowAtSensorNlPerMin, pressureKpa: pump.line.pressureKpa } : undefined),
  };
}

/**
 * Starts the dashboard for `board` where PUMP_DASHBOARD says, and tells `say` its URL (with
 * --json or --quiet as a {"kind":"dashboard"} line). A dashboard that cannot start is a note,
 * never the board's failure.
 */
export async function startBoardDashboard(board: VirtualBoard, ui: BoardConsole, argv: readonly string[]): Promise<Dashboard | undefined> {
  const o = { json: argv.includes('--json'), quiet: argv.includes('--quiet') };
  const machine = o.json || o.quiet;
  const say = (line: string): void => (machine ? void process.stdout.write(`${line}\n`) : ui.note(line));
  let where: ReturnType<typeof dashboardAddress>;
  try {
    where = dashboardAddress(process.env, o.quiet);
  } catch (e) {
    process.stderr.write(`npm start: dashboard not started: ${(e as Error).message}\n`);
    return undefined;
  }
  if (!where) return undefined;
  const keys = readKeyFile(board.keysFile);
  const bridge = new PumpBridge({
    open: () => PumpSession.open({ path: board.link, baud: BAUD, binding: autoDetect(), keys, timeoutMs: 3_000, reconnectMs: 15_000 }),
    keys,
    port: board.link,
    pollMs: 100,
    holdAlways: false,
    virtual: virtualControls(board),
    notice: (t) => process.stderr.write(`dashboard: ${t}\n`),
  });
  let dash: Dashboard;
  try {
    dash = await startDashboard({ bridge, listen: where.listen, port: where.port }).catch((e: unknown) => {
      if (!where.fallback) throw e;
      return startDashboard({ bridge, listen: where.listen, port: 0 });
    });
  } catch (e) {
    process.stderr.write(`npm start: dashboard not started: ${(e as Error).message}\n`);
    return undefined;
  }
  const exposed = !isLoopback(where.listen);
  if (exposed) process.stderr.write(`npm start: WARNING: the dashboard listens on ${where.listen}: anyone on that network who has the URL can drive the pump\n`);
  if (machine) say(JSON.stringify({ kind: 'dashboard', url: dash.url, port: dash.port }));
  else say(`Dashboard     ${dash.url}  (open it in a browser; while a page is open it holds the port)`);
  return dash;
}
