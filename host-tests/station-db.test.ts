// The station's results database and profile without boards: migrations stamp user_version and
// refuse a newer file, a step is recorded once per run (a resumed run cannot duplicate it), the
// Debian sqlite3 CLI reads the file, the CSV export quotes what needs quoting, a new database's
// folder is made (a report never makes one: E771), and a profile with a misspelt field is
// refused with E770.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPumpctl } from '../host/cli/pumpctl';
import { SCHEMA_VERSION, StationDb } from '../host/station/db';
import { profileFrom, readProfile } from '../host/station/profile';
import { boardHistory, exportCsv, latestVerdicts } from '../host/station/report';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'station-db-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const step = (name: string, position: number, fl?: number) => ({
  name,
  position,
  result: 'pass' as const,
  detail: `done, "quoted", with a comma`,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:01:00Z',
  boardMs: 60_000,
  measurements: fl === undefined ? [] : [{ name: 'flPerMicrostepAfter', value: fl, unit: 'fl', result: 'info' as const }],
});

describe('station results database', () => {
  it('migrates, records each step once, and the sqlite3 CLI reads it', () => {
    const file = join(tmp(), 'results.db');
    const db = StationDb.open(file);
    const run = { boardId: 'B-1', operator: 'ann', firmware: { version: '0.1.0', protocol: 1 }, batch: 'b', port: '/dev/x', profileName: 'default', profileJson: '{}' };
    const r1 = db.startRun(run);
    expect(db.recordStep(r1, step('provision', 2))).toBe(true);
    // A resumed run that records the same step again changes nothing.
    expect(db.recordStep(r1, step('provision', 2))).toBe(false);
    expect(db.recordStep(r1, step('calibrate', 4, 100_000_000))).toBe(true);
    expect(db.unfinished('b').map((r) => r.id)).toEqual([r1]);
    db.finishRun(r1, 'pass', 'every step passed');
    const r2 = db.startRun(run);
    db.recordStep(r2, step('calibrate', 4, 101_000_000));
    db.finishRun(r2, 'fail', 'accuracy fail');
    db.close();

    const cli = (sql: string): string => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
    expect(cli('PRAGMA user_version;')).toBe(String(SCHEMA_VERSION));
    expect(cli("SELECT COUNT(*) FROM steps WHERE name = 'provision';")).toBe('1');
    expect(cli('SELECT run_id, verdict FROM verdicts ORDER BY run_id;')).toBe(`${r1}|pass\n${r2}|fail`);

    const again = StationDb.open(file);
    expect(latestVerdicts(again).map((b) => [b.board, b.runs, b.verdict])).toEqual([['B-1', 2, 'fail']]);
    const h = boardHistory(again, 'B-1');
    expect(h[1]!.driftPct).toBeCloseTo(1, 6);
    const csv = exportCsv(again);
    expect(csv).toContain('"done, ""quoted"", with a comma"');
    expect(csv.split('\r\n')[0]).toMatch(/^run,board,batch,operator/);
    again.close();
  });

  it('creates the folder of a new database, and a report never creates one (E771)', async () => {
    const d = tmp();
    StationDb.open(join(d, 'station', 'results.db')).close();
    expect(existsSync(join(d, 'station', 'results.db'))).toBe(true);
    let stderr = '';
    const code = await runPumpctl(['station', 'report', '--db', join(d, 'elsewhere', 'results.db')], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {}, isTty: false });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/E771 DATABASE: .*elsewhere\/results\.db does not exist: run `pumpctl station run` first/);
    expect(existsSync(join(d, 'elsewhere'))).toBe(false);
  });

  it('refuses a database of a newer schema', () => {
    const file = join(tmp(), 'new.db');
    execFileSync('sqlite3', [file, `PRAGMA user_version = ${SCHEMA_VERSION + 1};`]);
    expect(() => StationDb.open(file)).toThrow(/schema version/);
  });
});

describe('tolerance profile', () => {
  it('takes a YAML file over the defaults and refuses an unknown field with E770', () => {
    const d = tmp();
    writeFileSync(join(d, 'p.yaml'), 'name: lab\naccuracy:\n  minutes: 30\n  tolerancePct: { a: 1.5, total: 3, 2: 4 }\n');
    const p = readProfile(join(d, 'p.yaml'));
    expect(p.accuracy.minutes).toBe(30);
    expect(p.accuracy.tolerancePct).toEqual({ a: 1.5, total: 3, windows: { 2: 4 } });
    expect(() => profileFrom({ accuracy: { minutez: 3 } })).toThrow(/accuracy.minutez: unknown field/);
    try {
      profileFrom({ selftest: { batteryMinPct: 200 } });
    } catch (e) {
      expect((e as { code: number }).code).toBe(770);
    }
  });
});
