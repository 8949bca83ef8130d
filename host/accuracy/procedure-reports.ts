// Short Markdown reports for the occlusion test, the bolus test and a calibration, with pass
// or fail against the tester's limits (defaults: ECRI's 0.5 mL release bolus; bolus mean
// error and spread within 5 %).

import type { BolusRecord } from './bolus-test';
import type { CalibrationRecord } from './calibration';
import type { OcclusionRecord } from './occlusion-test';

const f = (v: number | null, d = 3): string => (v === null ? 'n/a' : v.toFixed(d));

export interface OcclusionLimits {
  readonly maxTimeToAlarmMin?: number;
  readonly maxBolusUl?: number;
}

export function occlusionReport(r: OcclusionRecord, l: OcclusionLimits = {}): string {
  const maxBolus = l.maxBolusUl ?? 500;
  const tta = r.timeToAlarmMs === null ? null : r.timeToAlarmMs / 60_000;
  const ttaOk = tta !== null && (l.maxTimeToAlarmMin === undefined || tta <= l.maxTimeToAlarmMin);
  const bolusOk = r.bolusUl !== null && r.bolusUl <= maxBolus;
  const overall = r.status !== 'complete' ? (r.status === 'failed' ? 'FAIL' : 'INCONCLUSIVE') : ttaOk && bolusOk ? 'PASS' : 'FAIL';
  return [
    `# Occlusion test: ${overall}`,
    '',
    ...(r.status !== 'complete' ? [`**The test is ${r.status}**: ${r.reason ?? ''}`, ''] : []),
    `| Item | Value | Limit |`,
    '| --- | --- | --- |',
    `| Set rate | ${r.options.rateNlPerH / 1_000_000} mL/h | |`,
    `| Time to occlusion alarm | ${f(tta, 1)} min | ${l.maxTimeToAlarmMin ?? 'none set'} |`,
    `| Release bolus | ${f(r.bolusUl, 1)} uL (${f(r.bolusMg, 1)} mg) | ${maxBolus} uL |`,
    `| Balance | ${r.balance.protocol}, serial ${r.balance.serialNumber ?? 'unknown'} | |`,
    '',
    ...r.alarms.map((a) => `- alarm ${a.alarm.code} ${a.alarm.name} ${f(a.atMs / 60_000, 1)} min after closing`),
    ...(r.status === 'complete' && r.alarms.length > 0 ? ['- these alarms were acknowledged once the line was open again and the release weighed'] : []),
    '',
  ].join('\n');
}

export interface BolusLimits {
  readonly maxMeanErrorPct?: number;
  readonly maxSdPct?: number;
}

export function bolusReport(r: BolusRecord, l: BolusLimits = {}): string {
  const meanLimit = l.maxMeanErrorPct ?? 5;
  const sdLimit = l.maxSdPct ?? 5;
  const marked = r.boluses.some((b) => b.flags.length > 0 || b.errorPct === null);
  const fail = (r.meanErrorPct !== null && Math.abs(r.meanErrorPct) > meanLimit) || (r.sdErrorPct !== null && r.sdErrorPct > sdLimit);
  const overall = fail ? 'FAIL' : r.status !== 'complete' || marked || r.meanErrorPct === null ? 'INCONCLUSIVE' : 'PASS';
  return [
    `# Bolus test: ${overall}`,
    '',
    ...(r.status !== 'complete' ? [`**The test is ${r.status}**: ${r.reason ?? ''}`, ''] : []),
    `${r.boluses.length} boluses of ${r.options.volumeNl / 1000} uL. Mean error ${f(r.meanErrorPct)} % (limit ${meanLimit} %), standard deviation ${f(r.sdErrorPct)} % (limit ${sdLimit} %), range ${f(r.minErrorPct)} to ${f(r.maxErrorPct)} %.`,
    '',
    '| # | expected (nl) | weighed (nl) | error | marks |',
    '| --- | --- | --- | --- | --- |',
    ...r.boluses.map((b) => `| ${b.index} | ${b.expectedNl} | ${b.measuredNl ?? 'n/a'} | ${f(b.errorPct)} % | ${b.flags.join(' ')} |`),
    '',
  ].join('\n');
}

export function calibrationReport(r: CalibrationRecord): string {
  return [
    '# Gravimetric calibration',
    '',
    `Weighed ${f(r.massMg, 2)} mg = ${f(r.volumeNl, 0)} nl (density ${f(r.densityMgPerMl, 4)} mg/mL) for ${f(r.microsteps, 0)} microsteps (${r.commandedNl} nl commanded).`,
    '',
    `calibrationNlPerMicrostep = **${r.nlPerMicrostepText}** (${r.changePct >= 0 ? '+' : ''}${r.changePct.toFixed(2)} % against the factor in use).`,
    '',
  ].join('\n');
}
