// The station's results database: one SQLite file (better-sqlite3) a lab can open with the
// sqlite3 command-line tool. Tables: operators, boards, firmware_versions, runs, steps,
// measurements, verdicts. The schema is versioned with PRAGMA user_version: each migration
// runs once, in order, in a transaction, so an old file is brought up to date and a file from
// a newer pumpctl is refused rather than damaged. A step and its measurements are committed in
// one transaction the moment the step finishes; a step can be recorded once per run (UNIQUE),
// so a resumed run neither duplicates nor loses a row.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HostError } from '../errors';
import { stationError } from '../errors/station';

type Db = Database.Database;

/** Migrations, in order: index + 1 is the user_version after it. Append only; never edit one that shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE operators (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE
   );
   CREATE TABLE boards (
     id TEXT PRIMARY KEY,            -- the stable id: chip MAC, or the serial given at provisioning
     first_seen TEXT NOT NULL,       -- ISO 8601 UTC
     rig TEXT                        -- virtual boards: the population rig it stands in for
   );
   CREATE TABLE firmware_versions (
     id INTEGER PRIMARY KEY,
     version TEXT NOT NULL,
     protocol INTEGER NOT NULL,
     UNIQUE (version, protocol)
   );
   CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     board_id TEXT NOT NULL REFERENCES boards(id),
     operator_id INTEGER NOT NULL REFERENCES operators(id),
     firmware_id INTEGER REFERENCES firmware_versions(id),
     batch TEXT NOT NULL,            -- one station invocation: the boards tested together
     port TEXT NOT NULL,
     profile_name TEXT NOT NULL,
     profile_json TEXT NOT NULL,     -- the whole profile the run used, so its limits are kept with it
     started_at TEXT NOT NULL,
     finished_at TEXT,
     status TEXT NOT NULL CHECK (status IN ('running', 'finished'))
   );
   CREATE TABLE steps (
     id INTEGER PRIMARY KEY,
     run_id INTEGER NOT NULL REFERENCES runs(id),
     name TEXT NOT NULL,
     position INTEGER NOT NULL,
     result TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'skipped', 'error')),
     detail TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     board_ms INTEGER,               -- board time the step took (the real bench time on a board)
     UNIQUE (run_id, name)
   );
   CREATE TABLE measurements (
     id INTEGER PRIMARY KEY,
     step_id INTEGER NOT NULL REFERENCES steps(id),
     name TEXT NOT NULL,
     value REAL,
     unit TEXT NOT NULL,
     low REAL,
     high REAL,
     result TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'skipped', 'info')),
     UNIQUE (step_id, name)
   );
   CREATE TABLE verdicts (
     id INTEGER PRIMARY KEY,
     run_id INTEGER NOT NULL UNIQUE REFERENCES runs(id),
     verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),
     reason TEXT NOT NULL,
     decided_at TEXT NOT NULL
   );
   CREATE INDEX runs_board ON runs(board_id, id);
   CREATE INDEX steps_run ON steps(run_id);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export type StepResult = 'pass' | 'fail' | 'skipped' | 'error';

export interface Measurement {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly low?: number;
  readonly high?: number;
  readonly result: 'pass' | 'fail' | 'skipped' | 'info';
}

export interface StepRecord {
  readonly name: string;
  readonly position: number;
  readonly result: StepResult;
  readonly detail: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly boardMs: number | null;
  readonly measurements: readonly Measurement[];
}

export interface RunRow {
  readonly id: number;
  readonly board_id: string;
  readonly batch: string;
  readonly port: string;
  readonly status: 'running' | 'finished';
  readonly started_at: string;
  readonly finished_at: string | null;
}

export interface NewRun {
  readonly boardId: string;
  readonly rig?: string;
  readonly operator: string;
  readonly firmware: { readonly version: string; readonly protocol: number } | null;
  readonly batch: string;
  readonly port: string;
  readonly profileName: string;
  readonly profileJson: string;
}

const iso = (): string => new Date().toISOString();

export class StationDb {
  readonly db: Db;
  readonly path: string;

  private constructor(path: string, db: Db) {
    this.path = path;
    this.db = db;
  }

  /** Opens (creating it and its folder if need be) and migrates the database. */
  static open(path: string): StationDb {
    let db: Db;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
    } catch (e) {
      throw stationError('DATABASE', `cannot open ${path}: ${(e as Error).message}`);
    }
    try {
      // WAL would leave -wal/-shm files beside it; the default rollback journal keeps one file
      // a lab can copy, and full sync makes a committed step survive a power cut.
      db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Several station processes may share the file (one per bench): wait for a lock rather than fail.
      db.pragma('busy_timeout = 10000');
      migrate(db, path);
    } catch (e) {
      db.close();
      throw e instanceof HostError ? e : stationError('DATABASE', `${path}: ${(e as Error).message}`);
    }
    return new StationDb(path, db);
  }

  close(): void {
    this.db.close();
  }

  /** Records the board, operator and firmware (once each) and starts a run; returns its id. */
  startRun(r: NewRun): number {
    return this.db.transaction(() => {
      this.db.prepare('INSERT INTO boards (id, first_seen, rig) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET rig = COALESCE(excluded.rig, boards.rig)').run(r.boardId, iso(), r.rig ?? null);
      this.db.prepare('INSERT INTO operators (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(r.operator);
      const op = this.db.prepare('SELECT id FROM operators WHERE name = ?').get(r.operator) as { id: number };
      const fw = r.firmware ? this.firmwareId(r.firmware.version, r.firmware.protocol) : null;
      const info = this.db
        .prepare("INSERT INTO runs (board_id, operator_id, firmware_id, batch, port, profile_name, profile_json, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')")
        .run(r.boardId, op.id, fw, r.batch, r.port, r.profileName, r.profileJson, iso());
      return Number(info.lastInsertRowid);
    })();
  }

  firmwareId(version: string, protocol: number): number {
    this.db.prepare('INSERT INTO firmware_versions (version, protocol) VALUES (?, ?) ON CONFLICT DO NOTHING').run(version, protocol);
    return (this.db.prepare('SELECT id FROM firmware_versions WHERE version = ? AND protocol = ?').get(version, protocol) as { id: number }).id;
  }

  /** The firmware a run found (identify runs after the run starts when the board id is given). */
  setRunFirmware(runId: number, version: string, protocol: number): void {
    this.db.prepare('UPDATE runs SET firmware_id = ? WHERE id = ?').run(this.firmwareId(version, protocol), runId);
  }

  /**
   * Commits a finished step with its measurements, in one transaction. A step already recorded
   * for this run (a resumed run that redid nothing new) is left as it is and reported false.
   */
  recordStep(runId: number, s: StepRecord): boolean {
    return this.db.transaction(() => {
      const ins = this.db
        .prepare('INSERT INTO steps (run_id, name, position, result, detail, started_at, finished_at, board_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO NOTHING')
        .run(runId, s.name, s.position, s.result, s.detail, s.startedAt, s.finishedAt, s.boardMs);
      if (ins.changes === 0) return false;
      const stepId = Number(ins.lastInsertRowid);
      const m = this.db.prepare('INSERT INTO measurements (step_id, name, value, unit, low, high, result) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const x of s.measurements) m.run(stepId, x.name, x.value === null || !Number.isFinite(x.value) ? null : x.value, x.unit, x.low ?? null, x.high ?? null, x.result);
      return true;
    })();
  }

  /** The steps a run has committed, in order. */
  steps(runId: number): { name: string; result: StepResult; detail: string; board_ms: number | null }[] {
    return this.db.prepare('SELECT name, result, detail, board_ms FROM steps WHERE run_id = ? ORDER BY position').all(runId) as {
      name: string;
      result: StepResult;
      detail: string;
      board_ms: number | null;
    }[];
  }

  measurements(runId: number): (Measurement & { step: string })[] {
    return this.db
      .prepare('SELECT s.name AS step, m.name, m.value, m.unit, m.low, m.high, m.result FROM measurements m JOIN steps s ON s.id = m.step_id WHERE s.run_id = ? ORDER BY s.position, m.id')
      .all(runId) as (Measurement & { step: string })[];
  }

  /** Closes a run with its verdict (once: a second call changes nothing). */
  finishRun(runId: number, verdict: 'pass' | 'fail', reason: string): void {
    this.db.transaction(() => {
      const now = iso();
      this.db.prepare('INSERT INTO verdicts (run_id, verdict, reason, decided_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING').run(runId, verdict, reason, now);
      this.db.prepare("UPDATE runs SET status = 'finished', finished_at = COALESCE(finished_at, ?) WHERE id = ?").run(now, runId);
    })();
  }

  run(runId: number): RunRow | undefined {
    return this.db.prepare('SELECT id, board_id, batch, port, status, started_at, finished_at FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
  }

  /** Runs of a batch that did not finish (the station was killed): what --resume carries on. */
  unfinished(batch: string): RunRow[] {
    return this.db.prepare("SELECT id, board_id, batch, port, status, started_at, finished_at FROM runs WHERE batch = ? AND status = 'running' ORDER BY id").all(batch) as RunRow[];
  }

  runsOfBatch(batch: string): RunRow[] {
    return this.db.prepare('SELECT id, board_id, batch, port, status, started_at, finished_at FROM runs WHERE batch = ? ORDER BY id').all(batch) as RunRow[];
  }
}

function migrate(db: Db, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw stationError('DATABASE', `${path} has schema version ${version}; this pumpctl knows up to ${SCHEMA_VERSION}: use a newer pumpctl (nothing was changed)`);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      // PRAGMA inside the transaction: the version moves only if the migration committed.
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
