// Writes one folder per run: samples.csv (every sample, with its marks), intervals.csv,
// results.json (record, analysis, verdict), startup and trumpet charts as SVG and PNG, and
// report.md. Works for aborted and partial runs: whatever exists is written.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPng, renderSvg } from '../chart/index';
import { csvText } from '../csv';
import { startupChart, trumpetChart } from './charts';
import type { Interval } from './gravimetric';
import { accuracyReport } from './report';
import type { AccuracyRecord } from './run';
import type { Sample } from './samples';
import type { Tolerances, Verdict } from './verdict';
import { judge } from './verdict';

export function samplesCsv(samples: readonly Sample[]): string {
  const rows = samples.map((s, i) => [i, s.tMs, (s.tMs / 60_000).toFixed(3), s.massMg, s.flags.join(' '), s.note]);
  return csvText(['index', 't_ms', 't_min', 'mass_mg', 'flags', 'note'], rows, '\n');
}

/** One row per interval of the analysis; every field escaped like samples.csv's. */
export function intervalsCsv(intervals: readonly Interval[]): string {
  const rows = intervals.map((iv) => [iv.index, iv.startMs, iv.endMs, iv.deltaMg, iv.flowMlPerH, iv.errorPct, iv.flags.join(' ')]);
  return csvText(['index', 'start_ms', 'end_ms', 'delta_mg', 'flow_ml_per_h', 'error_pct', 'flags'], rows, '\n');
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
    put('intervals.csv', intervalsCsv(a.intervals));
    const s = startupChart(a);
    const t = trumpetChart(a);
    put('startup.svg', renderSvg(s));
    put('startup.png', renderPng(s));
    put('trumpet.svg', renderSvg(t));
    put('trumpet.png', renderPng(t));
  }
  put('results.json', `${JSON.stringify({ ...rec, tolerances, verdict }, null, 2)}\n`);
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
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(rec, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), report);
  files.push('results.json', 'report.md');
  return files;
}
