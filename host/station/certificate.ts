// A certificate per board and run (certificate.md in the run's folder): which board, firmware,
// operator, profile and day; every step with its result; every measurement against its limits;
// the gravimetric check's start-up and trumpet charts (PNG, drawn by host/chart when the
// accuracy step wrote its run folder) and the board's calibration drift so far. Built from the
// database rows, so a resumed run's certificate holds the steps of both halves.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPng, renderSvg } from '../chart/index';
import type { StationDb } from './db';
import { boardHistory, driftChart } from './report';

const cell = (v: unknown): string =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
const num = (v: number | null): string => (v === null ? 'n/a' : Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(6)).toString());

export function writeCertificate(db: StationDb, runId: number, dir: string, verdict: { verdict: 'pass' | 'fail'; reason: string }, driftWarnPct: number): string[] {
  const run = db.db
    .prepare(
      `SELECT r.id, r.board_id, r.port, r.batch, r.profile_name, r.started_at, o.name AS operator, f.version AS firmware, f.protocol, b.rig
         FROM runs r JOIN operators o ON o.id = r.operator_id LEFT JOIN firmware_versions f ON f.id = r.firmware_id JOIN boards b ON b.id = r.board_id WHERE r.id = ?`,
    )
    .get(runId) as {
    id: number;
    board_id: string;
    port: string;
    batch: string;
    profile_name: string;
    started_at: string;
    operator: string;
    firmware: string | null;
    protocol: number | null;
    rig: string | null;
  };
  const steps = db.steps(runId);
  const ms = db.measurements(runId);
  const lines = [
    `# Test certificate: ${run.board_id}: ${verdict.verdict.toUpperCase()}`,
    '',
    '> A bench and teaching rig, not a medical device. This certificate records bench checks of a controller board.',
    '',
    '| | |',
    '| --- | --- |',
    `| Board | ${cell(run.board_id)}${run.rig ? ` (virtual rig ${cell(run.rig)})` : ''} |`,
    `| Firmware | ${cell(run.firmware ?? 'unknown')} (protocol ${run.protocol ?? '?'}) |`,
    `| Operator | ${cell(run.operator)} |`,
    `| Started | ${run.started_at} |`,
    `| Port | ${cell(run.port)} |`,
    `| Profile | ${cell(run.profile_name)} |`,
    `| Run | ${run.id} (batch ${cell(run.batch)}) |`,
    `| Verdict | **${verdict.verdict.toUpperCase()}**: ${cell(verdict.reason)} |`,
    '',
    '## Steps',
    '',
    '| Step | Result | Board time | Detail |',
    '| --- | --- | --- | --- |',
    ...steps.map((s) => `| ${s.name} | ${s.result.toUpperCase()} | ${s.board_ms === null ? '' : `${(s.board_ms / 60_000).toFixed(1)} min`} | ${cell(s.detail)} |`),
    '',
    '## Measurements',
    '',
    '| Step | Measurement | Value | Limits | Result |',
    '| --- | --- | --- | --- | --- |',
    ...ms.map((m) => `| ${m.step} | ${cell(m.name)} | ${num(m.value)} ${cell(m.unit)} | ${m.low === null && m.high === null ? '' : `${num(m.low ?? null)} .. ${num(m.high ?? null)}`} | ${m.result} |`),
    '',
  ];
  const files = ['certificate.md'];
  const acc = join(dir, 'accuracy');
  if (existsSync(join(acc, 'startup.png'))) {
    lines.push(
      '## Gravimetric check',
      '',
      '![Start-up curve](accuracy/startup.png)',
      '',
      '![Trumpet curve](accuracy/trumpet.png)',
      '',
      'Samples and the full report: [accuracy/report.md](accuracy/report.md).',
      '',
    );
  }
  const history = boardHistory(db, run.board_id).filter((h) => h.run <= runId);
  if (history.some((h) => h.flPerMicrostep !== null)) {
    const chart = driftChart(run.board_id, history, driftWarnPct);
    writeFileSync(join(dir, 'drift.svg'), renderSvg(chart));
    writeFileSync(join(dir, 'drift.png'), renderPng(chart));
    files.push('drift.svg', 'drift.png');
    lines.push('## Calibration history', '', '| Run | Started | Factor (fl/microstep) | Drift |', '| --- | --- | --- | --- |');
    for (const h of history) lines.push(`| ${h.run} | ${h.startedAt} | ${num(h.flPerMicrostep)} | ${h.driftPct === null ? '' : `${h.driftPct >= 0 ? '+' : ''}${h.driftPct.toFixed(3)} %`} |`);
    lines.push('', '![Calibration drift](drift.png)', '');
  }
  writeFileSync(join(dir, 'certificate.md'), lines.join('\n'));
  return files;
}
