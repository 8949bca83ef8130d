// Writes one folder per run: samples.csv (every sample, with its marks), intervals.csv,
// results.json (record, analysis, verdict), startup and trumpet charts as SVG and PNG, and
// report.md. Works for aborted and partial runs: whatever exists is written.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPng, renderSvg } from '../chart/index';
import { startupChart, trumpetChart } from './charts';
import { accuracyReport } from './report';
import { type AccuracyRecord } from './run';
import { type Sample } from './samples';
import { judge, type Tolerances, type Verdict } from './verdict';

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function samplesCsv(samples: readonly Sample[]): string {
  const rows = ['index,t_ms,t_min,mass_mg,flags,note'];
  samples.forEach((s, i) => rows.push([String(i), String(s.tMs), (s.tMs / 60_000).toFixed(3), s.massMg === null ? '' : String(s.massMg), s.flags.join(' '), csvField(s.note ?? '')].join(',')));
  return rows.join('\n') + '\n';
}

export interface WrittenRun {
  readonly dir: string;
  readonly files: readonly string[];
  readonly verdict: Verdict;
}

/** Writes the run into `dir` (created if needed) and returns the files written. */
export function writeAccuracyRun(dir: string, rec: AccuracyRecord, tolerances: Tolerances = {}): WrittenRun {
  mkdirSync(dir, { recursive: true });
  const verdict = judge(rec.analysis, rec.status, tolerances);
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileSync(join(dir, name), data);
    files.push(name);
  };
  put('samples.csv', samplesCsv(rec.samples));
  const a = rec.analysis;
  if (a) {
    const rows = ['index,start_ms,end_ms,delta_mg,flow_ml_per_h,error_pct,flags'];
    for (const iv of a.intervals) rows.push([iv.index, iv.startMs, iv.endMs, iv.deltaMg ?? '', iv.flowMlPerH ?? '', iv.errorPct ?? '', iv.flags.join(' ')].join(','));
    put('intervals.csv', rows.join('\n') + '\n');
    const s = startupChart(a);
    const t = trumpetChart(a);
    put('startup.svg', renderSvg(s));
    put('startup.png', renderPng(s));
    put('trumpet.svg', renderSvg(t));
    put('trumpet.png', renderPng(t));
  }
  put('results.json', JSON.stringify({ ...rec, tolerances, verdict }, null, 2) + '\n');
  put('report.md', accuracyReport(rec, verdict));
  return { dir, files, verdict };
}

/** A generic record (occlusion, bolus, calibration): results.json, samples.csv and a short report. */
export function writeProcedureRun(dir: string, rec: { readonly kind: string; readonly samples?: readonly Sample[] }, report: string): readonly string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  if (rec.samples) {
    writeFileSync(join(dir, 'samples.csv'), samplesCsv(rec.samples));
    files.push('samples.csv');
  }
  writeFileSync(join(dir, 'results.json'), JSON.stringify(rec, null, 2) + '\n');
  writeFileSync(join(dir, 'report.md'), report);
  files.push('results.json', 'report.md');
  return files;
}
