// The station's acceptance run (issue 19): four virtual boards (each its own process behind
// socat ptys, on a manual clock, with a virtual MT-SICS balance) tested at once. One is a bad
// rig, a seal that starts leaking a tenth of the flow after its calibration, which only the
// gravimetric check can see; one's balance goes silent in the middle of its gravimetric check
// (its replies cut by a relay, the port left open). The others must pass untouched, and the
// database, the report and the sqlite3 tool must say so. Then the station, as a child process,
// is killed (SIGKILL, mid-step) and run again with --resume: every row committed before the
// kill is still there, unchanged, and each board ends with one run of exactly six steps. Last,
// a stop in process (Ctrl-C between two weighings of a gravimetric check): the cut step is not
// recorded, and the resume runs it whole.
// Board time is the boards' own manual clocks and nothing sleeps. The one wait on the wall
// clock is the silent balance's: a reply that never comes is known only by the driver's reply
// and stability timeouts (2 s and 12 s a weighing, about 70 s in all).
import { autoDetect } from '@serialport/bindings-cpp';
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../host/board/spawn';
import { runPumpctl } from '../host/cli/pumpctl';
import { StationDb } from '../host/station/db';
import { KeyStore } from '../host/station/keystore';
import { LiveTable } from '../host/station/live';
import { terminalOperator } from '../host/station/operator';
import { DEFAULT_PROFILE } from '../host/station/profile';
import { boardHistory, exportCsv, latestVerdicts } from '../host/station/report';
import type { BoardOutcome } from '../host/station/run';
import { runStation } from '../host/station/run';
import type { BoardTarget } from '../host/station/target';
import type { VirtualBatch } from '../host/station/virtual';
import { startVirtualBatch } from '../host/station/virtual';
import type { BalanceRelay } from './station-balance-relay';
import { balanceRelay } from './station-balance-relay';

const OUT = mkdtempSync(join(tmpdir(), 'station-pty-'));
const DB = join(OUT, 'results.db');
const GOOD = ['virtual-middle', 'virtual-softest'];
const BAD = 'virtual-stiffest';
const SILENT = 'virtual-worst-sensor';

let batch: VirtualBatch;
let relay: BalanceRelay;
let targets: BoardTarget[];

beforeAll(async () => {
  batch = await startVirtualBatch(
    [
      { rig: 'middle' },
      // Board time: selftest to 1.5 min, calibration to 12.5; the leak starts in the settle before the gravimetric zero.
      { rig: 'stiffest', args: ['--fault', 'leak:10%@14m'] },
      { rig: 'worst-sensor' },
      { rig: 'softest' },
    ],
    { dir: join(OUT, 'boards') },
  );
  relay = await balanceRelay(batch.targets[2]!.balance!, join(OUT, 'boards', 'b3', 'ttyBALANCE-relay'));
  targets = batch.targets.map((t, i) => (i === 2 ? { ...t, balance: relay.path } : t));
}, 180_000);

afterAll(async () => {
  await relay?.close();
  await batch?.stop();
  if (process.env['STATION_PTY_KEEP'] === undefined) rmSync(OUT, { recursive: true, force: true });
});

const sql = (q: string): string => execFileSync('sqlite3', [DB, q], { encoding: 'utf8' }).trim();

describe('four virtual boards at once', () => {
  let outcomes: BoardOutcome[];
  const log: string[] = [];

  it('runs them all: the bad rig fails its accuracy check, the silent balance is recorded, the others pass', async () => {
    const db = StationDb.open(DB);
    const ac = new AbortController();
    try {
      outcomes = await runStation(targets, {
        db,
        store: new KeyStore(join(OUT, 'keys')),
        profile: DEFAULT_PROFILE,
        operator: terminalOperator('ann', undefined, () => undefined),
        link: { binding: autoDetect(), baud: 115200, timeoutMs: 10_000, reconnectMs: 15_000, timeScale: 1, signal: ac.signal, notice: (t) => log.push(t) },
        table: new LiveTable({ write: (t) => log.push(t), tty: false }),
        out: OUT,
        batch: 'A',
        resume: false,
        // B3's balance answers the gravimetric zero, the first weighing and four samples, then says nothing more.
        onStep: (label, step) => {
          if (label === 'B3' && step === 'accuracy') relay.silence(6);
        },
      });
    } finally {
      db.close();
    }
    const by = (id: string) => outcomes.find((o) => o.boardId === id)!;
    expect(
      outcomes.map((o) => o.state),
      log.join(''),
    ).toEqual(['finished', 'finished', 'finished', 'finished']);
    for (const id of GOOD) expect(by(id), log.join('')).toMatchObject({ verdict: 'pass', reason: 'every step passed' });
    expect(by(BAD)).toMatchObject({ verdict: 'fail', reason: 'accuracy fail' });
    expect(by(SILENT)).toMatchObject({ verdict: 'fail', reason: 'accuracy error' });
    expect(relay.replies).toBeGreaterThan(6);
  }, 900_000);

  it('has every step, measurement and verdict in the database, as the sqlite3 tool reads it', () => {
    expect(sql("SELECT COUNT(*) FROM runs WHERE batch = 'A' AND status = 'finished';")).toBe('4');
    expect(sql("SELECT COUNT(*) FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.batch = 'A';")).toBe('24');
    // Each run: positions 1..6 once each, in the order of the procedure.
    expect(sql("SELECT group_concat(name, ',') FROM (SELECT s.name FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.board_id = 'virtual-middle' ORDER BY s.position);")).toBe(
      'identify,provision,selftest,calibrate,accuracy,certificate',
    );
    expect(sql("SELECT r.board_id || ':' || s.name || ':' || s.result FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.result <> 'pass' ORDER BY r.board_id;")).toBe(
      `${BAD}:accuracy:fail\n${SILENT}:accuracy:error`,
    );
    expect(sql('SELECT board_id || ":" || v.verdict FROM verdicts v JOIN runs r ON r.id = v.run_id ORDER BY board_id;').split('\n')).toEqual(
      [`${BAD}:fail`, `${GOOD[1]}:pass`, `${SILENT}:fail`, `${GOOD[0]}:pass`].sort(),
    );
    // The silent balance's board: everything before its gravimetric check passed, untouched by the silence.
    expect(sql(`SELECT group_concat(s.result, ',') FROM (SELECT s.result FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${SILENT}' ORDER BY s.position) s;`)).toBe(
      'pass,pass,pass,pass,error,pass',
    );
    // The bad rig: its calibration passed, then the gravimetric check saw the leak (about -10 %) against the 2 % limit.
    const a = Number(
      sql(`SELECT m.value FROM measurements m JOIN steps s ON s.id = m.step_id JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${BAD}' AND m.name = 'second-hour mean flow error A';`),
    );
    expect(a).toBeLessThan(-7);
    expect(sql(`SELECT m.result FROM measurements m JOIN steps s ON s.id = m.step_id JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${BAD}' AND m.name = 'second-hour mean flow error A';`)).toBe(
      'fail',
    );
    expect(sql(`SELECT s.result FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${BAD}' AND s.name = 'calibrate';`)).toBe('pass');
    // The silent balance: its run says what happened, with the balance's numbered errors.
    const silent = sql(`SELECT s.detail FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${SILENT}' AND s.name = 'accuracy';`);
    expect(silent).toMatch(/E934/);
    expect(silent).toMatch(/E900 NOT_ANSWERING: the balance does not answer/);
    // The good boards' calibration factors are stored, their gravimetric checks within the profile's limits.
    for (const id of GOOD) {
      const checks = sql(
        `SELECT m.name || '=' || m.result FROM measurements m JOIN steps s ON s.id = m.step_id JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${id}' AND s.name = 'accuracy' AND m.result <> 'info';`,
      ).split('\n');
      expect(checks.length).toBeGreaterThanOrEqual(4);
      expect(checks.every((c) => c.endsWith('=pass'))).toBe(true);
      expect(
        Number(sql(`SELECT m.value FROM measurements m JOIN steps s ON s.id = m.step_id JOIN runs r ON r.id = s.run_id WHERE r.board_id = '${id}' AND m.name = 'flPerMicrostepAfter';`)),
      ).toBeGreaterThan(0);
    }
    for (const o of outcomes)
      if (o.state === 'finished') expect(readFileSync(join(o.dir, 'certificate.md'), 'utf8')).toMatch(new RegExp(`# Test certificate: ${o.boardId}: ${o.verdict.toUpperCase()}`));
  });

  it('reports them: latest verdicts, CSV, one board history, through pumpctl station report', async () => {
    const db = StationDb.open(DB);
    try {
      expect(latestVerdicts(db).map((b) => [b.board, b.verdict])).toEqual(
        [
          [BAD, 'fail'],
          [GOOD[1], 'pass'],
          [SILENT, 'fail'],
          [GOOD[0], 'pass'],
        ].sort((x, y) => x[0]!.localeCompare(y[0]!)),
      );
      const csv = exportCsv(db).trim().split('\r\n');
      expect(csv.length - 1).toBe(
        Number(sql('SELECT COUNT(*) FROM measurements;')) + Number(sql('SELECT COUNT(*) FROM steps s WHERE NOT EXISTS (SELECT 1 FROM measurements m WHERE m.step_id = s.id);')),
      );
      expect(boardHistory(db, 'virtual-middle')).toHaveLength(1);
    } finally {
      db.close();
    }
    let stdout = '';
    let stderr = '';
    const code = await runPumpctl(['station', 'report', '--db', DB], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, isTty: false });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`${BAD} +1 .* fail +accuracy fail`));
    expect(stdout).toMatch(/virtual-middle +1 .* pass +every step passed/);
    const none = await runPumpctl(['station', 'report', '--db', DB, '--board', 'LAB-404'], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {}, isTty: false });
    expect(none).not.toBe(0);
    expect(stderr).toMatch(/E776 NO_BOARD/);
  });
});

/** pumpctl station run as its own process, its live table (one line per step change) on stderr. */
function stationProcess(args: string[]): { child: ChildProcess; lines: string[]; seen: (re: RegExp) => Promise<string>; exited: Promise<number | string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', 'station', 'run', '--db', DB, '--out', OUT, '--operator', 'bob', '--timeout', '10000', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  let buf = '';
  const onText = (t: string): void => {
    buf += t;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (!w.re.test(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', onText);
  child.stderr!.setEncoding('utf8').on('data', onText);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const seen = (re: RegExp): Promise<string> =>
    Promise.race([
      new Promise<string>((resolve) => waiters.push({ re, resolve })),
      exited.then((c) => {
        throw new Error(`the station exited (${c}) before a line matched ${re}:\n${lines.join('\n')}`);
      }),
    ]);
  return { child, lines, seen, exited };
}

describe('a station killed mid-run, then resumed', () => {
  interface Row {
    id: number;
    run_id: number;
    name: string;
    result: string;
    finished_at: string;
    detail: string;
  }
  const rowsOf = (): Row[] => {
    const db = StationDb.open(DB);
    try {
      return db.db.prepare("SELECT s.id, s.run_id, s.name, s.result, s.finished_at, s.detail FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.batch = 'K' ORDER BY s.id").all() as Row[];
    } finally {
      db.close();
    }
  };
  const spec = (t: BoardTarget): string => `${t.port},balance=${t.balance},protocol=mt-sics,clock=${t.clockSocket},id=${t.id},rig=${t.rig}`;

  it('loses no committed row and duplicates none', async () => {
    relay.speak();
    const boards = targets.flatMap((t) => ['--board', spec(t)]);
    // The keys from the first run are in the station's key store: the boards prove them, no button needed.
    const first = stationProcess([...boards, '--batch', 'K']);
    // SIGKILL as the first board starts its gravimetric check: no handler runs, whatever was in flight is cut.
    let killed = '';
    await first.seen(/^B\d (\S+) accuracy/).then((line) => (killed = /^B\d (\S+)/.exec(line)![1]!));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const before = rowsOf();
    const k1 = Number(sql(`SELECT id FROM runs WHERE batch = 'K' AND board_id = '${killed}';`));
    // That board had committed its calibration and not finished; the slower boards were further back.
    expect(
      before
        .filter((r) => r.run_id === k1)
        .map((r) => r.name)
        .slice(0, 4),
    ).toEqual(['identify', 'provision', 'selftest', 'calibrate']);
    expect(Number(sql("SELECT COUNT(*) FROM runs WHERE batch = 'K' AND status = 'running';"))).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(24);

    const again = stationProcess([...boards, '--resume', 'K']);
    const code = await again.exited;
    const after = rowsOf();
    // Every row from before the kill, unchanged; the new ones after them.
    for (const r of before) expect(after.find((a) => a.id === r.id)).toEqual(r);
    const maxBefore = Math.max(...before.map((r) => r.id));
    expect(after.filter((r) => r.id > maxBefore).length).toBe(24 - before.length);
    // One run per board in the batch, each finished with six steps, one of each.
    expect(sql("SELECT COUNT(*) || ':' || COUNT(DISTINCT board_id) FROM runs WHERE batch = 'K';")).toBe('4:4');
    expect(sql("SELECT COUNT(*) FROM runs WHERE batch = 'K' AND status = 'finished';"), again.lines.join('\n')).toBe('4');
    expect(
      sql("SELECT group_concat(n, ',') FROM (SELECT COUNT(*) AS n, COUNT(DISTINCT s.name) AS d FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.batch = 'K' GROUP BY r.id HAVING n = d);"),
    ).toBe('6,6,6,6');
    expect(sql("SELECT COUNT(*) FROM verdicts v JOIN runs r ON r.id = v.run_id WHERE r.batch = 'K';")).toBe('4');
    // The resumed steps ran as well as a fresh run's: logged in with the stored keys, nothing left in error.
    expect(sql("SELECT r.board_id || ' ' || s.name || ': ' || s.detail FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.batch = 'K' AND s.result = 'error';")).toBe('');
    // The killed board's run did each step once, keeping the calibration it had committed.
    expect(after.filter((r) => r.run_id === k1).map((r) => r.name)).toEqual(['identify', 'provision', 'selftest', 'calibrate', 'accuracy', 'certificate']);
    expect(after.find((r) => r.run_id === k1 && r.name === 'calibrate')).toEqual(before.find((r) => r.run_id === k1 && r.name === 'calibrate'));
    expect([0, 22], again.lines.join('\n')).toContain(code);
    expect(existsSync(join(OUT, killed, `run-${k1}`, 'certificate.md'))).toBe(true);
  }, 900_000);
});

describe('a station stopped mid-step in process, then resumed', () => {
  it('records nothing of the step the stop cut short, and the resume runs it whole', async () => {
    const db = StationDb.open(DB);
    const deps = (signal: AbortSignal, resume: boolean, write: (t: string) => void) => ({
      db,
      store: new KeyStore(join(OUT, 'keys')),
      profile: DEFAULT_PROFILE,
      operator: terminalOperator('cy', undefined, () => undefined),
      link: { binding: autoDetect(), baud: 115200, timeoutMs: 10_000, reconnectMs: 15_000, timeScale: 1, signal, notice: () => undefined },
      // A terminal's table: every phase is drawn, so the stop can come between two weighings.
      table: new LiveTable({ write, tty: true }),
      out: OUT,
      batch: 'S',
      resume,
    });
    try {
      const ac = new AbortController();
      let cut = '';
      const stopped = await runStation(
        targets,
        deps(ac.signal, false, (t) => {
          const m = /(B\d) +(\S+) +accuracy +weighing 5\//.exec(t);
          if (m && !ac.signal.aborted) {
            cut = m[2]!;
            ac.abort('the operator pressed Ctrl-C');
          }
        }),
      );
      expect(cut).not.toBe('');
      expect(stopped.every((o) => o.state === 'interrupted')).toBe(true);
      expect(stopped.find((o) => o.boardId === cut)?.reason).toMatch(/stopped \(the operator pressed Ctrl-C\) during accuracy \(not recorded/);
      const runId = db.unfinished('S').find((r) => r.board_id === cut)!.id;
      expect(db.steps(runId).map((s) => s.name)).toEqual(['identify', 'provision', 'selftest', 'calibrate']);

      const resumed = await runStation(
        targets,
        deps(new AbortController().signal, true, () => undefined),
      );
      expect(resumed.map((o) => o.state)).toEqual(['finished', 'finished', 'finished', 'finished']);
      const steps = db.steps(runId);
      expect(steps.map((s) => s.name)).toEqual(['identify', 'provision', 'selftest', 'calibrate', 'accuracy', 'certificate']);
      // The whole check, judged: 40 intervals of the 20 minutes, not the four the stop left.
      expect(steps[4]!.result).not.toBe('error');
      expect(steps[4]!.board_ms).toBeGreaterThanOrEqual(20 * 60_000);
      expect(db.runsOfBatch('S')).toHaveLength(4);
    } finally {
      db.close();
    }
  }, 900_000);
});
