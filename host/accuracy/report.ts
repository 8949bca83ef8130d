// The short Markdown report of a run: what was set, the verdict against the tolerances, the
// figures, and every marked sample and pump alarm in words. Written for aborted and partial
// runs too, saying so at the top.

import { SAMPLE_FLAGS } from './samples';
import type { AccuracyRecord } from './run';
import type { Verdict } from './verdict';

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(3)} %`);
const min = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

export function accuracyReport(rec: AccuracyRecord, verdict: Verdict): string {
  const a = rec.analysis;
  const o = rec.options;
  const lines: string[] = [];
  lines.push(`# Accuracy run: ${verdict.overall.toUpperCase()}`, '');
  if (rec.status !== 'complete') lines.push(`**The run is ${rec.status}**: ${rec.reason ?? ''}. The data below is what was collected.`, '');
  lines.push(
    '| Setting | Value |',
    '| --- | --- |',
    `| Set rate | ${o.rateNlPerH / 1_000_000} mL/h (${o.rateNlPerH} nl/h) |`,
    `| Duration | ${min(o.durationMs ?? 7_200_000)} |`,
    ...(o.primeMs ? [`| Primed before the first weighing | ${min(o.primeMs)} at the set rate |`] : []),
    ...(a ? [`| Analysis period (A, trumpet) | ${min(a.secondHour.fromMs)} to ${min(a.secondHour.toMs)} |`] : []),
    `| Sample interval S | ${(o.intervalMs ?? 30_000) / 1000} s |`,
    `| Water temperature | ${o.temperatureC ?? 20} C (density ${a ? a.densityMgPerMl.toFixed(4) : 'n/a'} mg/mL, Tanaka 2001) |`,
    `| Evaporation added back | ${o.evaporationMgPerMin ?? 0} mg/min |`,
    `| Balance | ${rec.balance.protocol}, serial ${rec.balance.serialNumber ?? 'unknown'} |`,
    `| Samples | ${rec.samples.length} |`,
    '',
  );
  lines.push('## Results', '', '| Check | Value | Limit | Result | Detail |', '| --- | --- | --- | --- | --- |');
  for (const c of verdict.checks) lines.push(`| ${c.name} | ${pct(c.value)} | ${c.limitPct} % | ${c.result} | ${c.why} |`);
  lines.push('');
  if (a) {
    lines.push('## Trumpet curve', '', '| P (min) | windows | Ep(max) | Ep(min) | windows with marks |', '| --- | --- | --- | --- | --- |');
    for (const p of a.trumpet) lines.push(`| ${p.windowMin} | ${p.windows} | ${pct(p.maxPct)} | ${pct(p.minPct)} | ${p.markedWindows.length} |`);
    lines.push('', `Second-hour mean flow ${a.secondHour.meanFlowMlPerH === null ? 'n/a' : a.secondHour.meanFlowMlPerH.toFixed(5)} mL/h, A = ${pct(a.secondHour.errorPct)}.`);
    lines.push(
      `Total volume ${a.totalVolume.measuredMl === null ? 'n/a' : a.totalVolume.measuredMl.toFixed(4)} mL against ${a.totalVolume.expectedMl.toFixed(4)} mL: ${pct(a.totalVolume.errorPct)}.`,
      '',
    );
    lines.push('![start-up curve](startup.png)', '', '![trumpet curve](trumpet.png)', '');
  } else lines.push(`No analysis: ${rec.analysisError ?? 'no data'}.`, '');
  const marked = rec.samples.map((s, i) => ({ s, i })).filter(({ s }) => s.flags.length > 0);
  lines.push('## Marked samples', '');
  if (marked.length === 0) lines.push('None.', '');
  else {
    lines.push('| # | t | mass (mg) | marks | note |', '| --- | --- | --- | --- | --- |');
    for (const { s, i } of marked) lines.push(`| ${i} | ${min(s.tMs)} | ${s.massMg ?? 'none'} | ${s.flags.map((f) => `${f} (${SAMPLE_FLAGS[f]})`).join('; ')} | ${s.note ?? ''} |`);
    lines.push('');
  }
  lines.push('## Pump alarms', '');
  if (rec.alarms.length === 0) lines.push('None.', '');
  else for (const al of rec.alarms) lines.push(`- ${min(al.atMs)}: ${al.alarm.code} ${al.alarm.name}${al.alarm.detail ? `: ${al.alarm.detail}` : ''}`);
  lines.push('', 'Method: docs/accuracy.md (IEC 60601-2-24 style gravimetric test). A bench rig, not a medical device.', '');
  return lines.join('\n');
}
