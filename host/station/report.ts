// What the results database answers (`pumpctl station report`): every board with its latest
// verdict, everything as CSV (RFC 4180 quoting, so a note with a comma or a quote stays one
// field), and one board's history with its calibration factor run by run: has it drifted?

import type { Chart } from '../chart/index';
import type { CsvValue } from '../csv';
import { csvText } from '../csv';
import type { StationDb } from './db';

export interface BoardLatest {
  readonly board: string;
  readonly rig: string | null;
  readonly runs: number;
  readonly lastRun: number;
  readonly startedAt: string;
  readonly firmware: string | null;
  readonly operator: string;
  readonly status: string;
  readonly verdict: string | null;
  readonly reason: string | null;
}

export function latestVerdicts(db: StationDb): BoardLatest[] {
  return db.db
    .prepare(
      `SELECT b.id AS board, b.rig AS rig, (SELECT COUNT(*) FROM runs r2 WHERE r2.board_id = b.id) AS runs,
              r.id AS lastRun, r.started_at AS startedAt, f.version AS firmware, o.name AS operator, r.status AS status,
              v.verdict AS verdict, v.reason AS reason
         FROM boards b
         JOIN runs r ON r.id = (SELECT MAX(id) FROM runs WHERE board_id = b.id)
         JOIN operators o ON o.id = r.operator_id
         LEFT JOIN firmware_versions f ON f.id = r.firmware_id
         LEFT JOIN verdicts v ON v.run_id = r.id
        ORDER BY b.id`,
    )
    .all() as BoardLatest[];
}

/** Every measurement of every run, one row each, with its run, board, step and verdict. */
export function exportCsv(db: StationDb): string {
  const rows = db.db
    .prepare(
      `SELECT r.id AS run, r.board_id AS board, r.batch, o.name AS operator, f.version AS firmware, r.started_at, r.status,
              v.verdict, s.name AS step, s.result AS step_result, s.detail AS step_detail, m.name AS measurement, m.value, m.unit, m.low, m.high, m.result
         FROM runs r
         JOIN operators o ON o.id = r.operator_id
         LEFT JOIN firmware_versions f ON f.id = r.firmware_id
         LEFT JOIN verdicts v ON v.run_id = r.id
         JOIN steps s ON s.run_id = r.id
         LEFT JOIN measurements m ON m.step_id = s.id
        ORDER BY r.id, s.position, m.id`,
    )
    .all() as Record<string, CsvValue>[]; // SQLite text, integer, real or NULL
  const cols = ['run', 'board', 'batch', 'operator', 'firmware', 'started_at', 'status', 'verdict', 'step', 'step_result', 'step_detail', 'measurement', 'value', 'unit', 'low', 'high', 'result'];
  return csvText(
    cols,
    rows.map((r) => cols.map((c) => r[c])),
    '\r\n',
  );
}

export interface HistoryRow {
  readonly run: number;
  readonly startedAt: string;
  readonly firmware: string | null;
  readonly verdict: string | null;
  /** The calibration factor stored by the run, fl per microstep (null: no calibration). */
  readonly flPerMicrostep: number | null;
  /** Against the board's first calibrated run, %. */
  readonly driftPct: number | null;
  readonly accuracyErrorPct: number | null;
}

export function boardHistory(db: StationDb, board: string): HistoryRow[] {
  const rows = db.db
    .prepare(
      `SELECT r.id AS run, r.started_at AS startedAt, f.version AS firmware, v.verdict AS verdict,
              (SELECT m.value FROM measurements m JOIN steps s ON s.id = m.step_id WHERE s.run_id = r.id AND s.name = 'calibrate' AND m.name = 'flPerMicrostepAfter') AS fl,
              (SELECT m.value FROM measurements m JOIN steps s ON s.id = m.step_id WHERE s.run_id = r.id AND s.name = 'accuracy' AND m.name = 'second-hour mean flow error A') AS acc
         FROM runs r LEFT JOIN firmware_versions f ON f.id = r.firmware_id LEFT JOIN verdicts v ON v.run_id = r.id
        WHERE r.board_id = ? ORDER BY r.id`,
    )
    .all(board) as { run: number; startedAt: string; firmware: string | null; verdict: string | null; fl: number | null; acc: number | null }[];
  const first = rows.find((r) => r.fl !== null)?.fl ?? null;
  return rows.map((r) => ({
    run: r.run,
    startedAt: r.startedAt,
    firmware: r.firmware,
    verdict: r.verdict,
    flPerMicrostep: r.fl,
    driftPct: r.fl !== null && first !== null ? (100 * (r.fl - first)) / first : null,
    accuracyErrorPct: r.acc,
  }));
}

/** The calibration factor's drift run by run, against the warning limit (host/chart). */
export function driftChart(board: string, rows: readonly HistoryRow[], warnPct: number): Chart {
  return {
    title: `Calibration drift of ${board}`,
    x: { label: 'run', min: 0 },
    y: { label: 'factor against the first calibration', unit: '%' },
    series: [{ name: 'drift', kind: 'line', points: rows.map((r, i) => [i + 1, r.driftPct] as const) }],
    refLines: [
      { y: warnPct, label: `+${warnPct} %` },
      { y: -warnPct, label: `-${warnPct} %` },
    ],
  };
}
