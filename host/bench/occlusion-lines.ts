// The occlusion bench on real lines: nine lines spanning compliance / 10 to x 4, time constants
// of 10 to 150 s and 0 to 50 % of the compliance past the sensor (a Latin square: every level of
// each factor three times, every pair of levels once; the default line is one of them), each
// blocked at the tip at 1 and 0.1 mL/h, with the firmware and with the fair pressure baseline
// (occlusion-baseline.ts) on the same line, load-cell noise seed and rig.

import { DEFAULT_COMPLIANCE_NL_PER_KPA } from '../sim/line';
import type { LineSpec } from '../sim/line-draw';
import { lineFor } from '../sim/line-draw';
import type { BaselineRun } from './occlusion-baseline';
import { fairBaselineRun } from './occlusion-baseline';
import type { FirmwareRun } from './occlusion-run';
import { firmwareOcclusionRun, HOUR, RIG } from './occlusion-run';

const C0 = DEFAULT_COMPLIANCE_NL_PER_KPA;
const COMPLIANCES = [C0 / 10, C0, 4 * C0];
const TAUS_MS = [10_000, 35_000, 150_000];
const SHARES = [0, 0.25, 0.5];

/** The nine lines: compliance i, time constant j, downstream share (i + j + 1) mod 3. */
export const SPREAD: readonly LineSpec[] = COMPLIANCES.flatMap((c, i) =>
  TAUS_MS.map((tauMs, j) => ({ totalComplianceNlPerKpa: c, tauMs, downstreamShare: SHARES[(i + j + 1) % 3]!, sensorSideShare: 0.5 })),
);

export const RATES_ML_PER_H = [1, 0.1] as const;
/** The firmware's longest wait for an alarm after the block on these lines. */
export const SPREAD_WAIT_MS = 2 * HOUR;

export interface LineResult {
  readonly spec: LineSpec;
  readonly mlPerHour: number;
  readonly firmware: FirmwareRun;
  readonly baseline: BaselineRun;
}

/** Every line at every rate: the block at 1 h (five of the longest time constants settled). */
export function runSpread(): LineResult[] {
  const out: LineResult[] = [];
  for (const spec of SPREAD) {
    const line = lineFor(spec);
    for (const mlPerHour of RATES_ML_PER_H) {
      const firmware = firmwareOcclusionRun({ mlPerHour, line, occludeAtMs: HOUR, waitMs: SPREAD_WAIT_MS });
      const baseline = fairBaselineRun({ line, mlPerHour, mechanics: RIG, seed: 1, occludeAtMs: HOUR, waitMs: 12 * HOUR });
      out.push({ spec, mlPerHour, firmware, baseline });
    }
  }
  return out;
}

/** Baseline time to alarm over the firmware's time to stop the plunger (0: it never stopped). */
export function ratio(baseline: BaselineRun, firmware: FirmwareRun): number {
  return firmware.timeToStopS === Infinity ? 0 : baseline.timeToAlarmS / firmware.timeToStopS;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const r1 = (x: number): number => Math.round(10 * x) / 10;
const r2 = (x: number): number => Math.round(100 * x) / 100;
const r3 = (x: number): number => Math.round(1000 * x) / 1000;

/** The spread's figures, and a line per run for the console. */
export function spreadFigures(results: readonly LineResult[]): { figures: Record<string, number>; rows: string[] } {
  const at = (ml: number) => results.filter((r) => r.mlPerHour === ml);
  // A run with no alarm within the wait reports the wait (JSON has no Infinity).
  const worst = (xs: number[]) => Math.min(SPREAD_WAIT_MS / 1000, Math.max(...xs));
  const releases = results.map((r) => r.firmware.releaseBolusUl).filter((x) => Number.isFinite(x));
  // Per line, the smaller of its two rates' ratios, as occlusion.baselineRatio always took.
  const perLine = SPREAD.map((spec) => {
    const rs = results.filter((r) => r.spec === spec);
    return Math.min(...rs.map((r) => ratio(r.baseline, r.firmware)));
  });
  // The same against the firmware's first alarm naming the line, whether or not it stopped.
  const perLineAlarm = SPREAD.map((spec) => {
    const rs = results.filter((r) => r.spec === spec);
    return Math.min(...rs.map((r) => (r.firmware.timeToAlarmS === Infinity ? 0 : r.baseline.timeToAlarmS / r.firmware.timeToAlarmS)));
  });
  const figures: Record<string, number> = {
    'occlusion.timeToAlarmS.worst.1mlh': worst(at(1).map((r) => r.firmware.timeToAlarmS)),
    'occlusion.timeToAlarmS.worst.0_1mlh': worst(at(0.1).map((r) => r.firmware.timeToAlarmS)),
    'occlusion.notStoppedRuns': results.filter((r) => r.firmware.timeToStopS === Infinity).length,
    'occlusion.spreadRuns': results.length,
    'occlusion.releaseBolusUl.worst': r3(Math.max(0, ...releases)),
    'occlusion.suctionUl.worst': r3(Math.max(0, ...releases.map((x) => -x))),
    'occlusion.startupAlarms': results.reduce((n, r) => n + r.firmware.earlyAlarms, 0),
    'occlusion.baselineTimeToAlarmS.worst.1mlh': worst(at(1).map((r) => r.baseline.timeToAlarmS)),
    'occlusion.baselineTimeToAlarmS.worst.0_1mlh': worst(at(0.1).map((r) => r.baseline.timeToAlarmS)),
    'occlusion.baselineReleaseBolusUl.worst': r3(Math.max(...results.map((r) => Math.abs(r.baseline.releaseBolusUl)))),
    'occlusion.baselineRatio.p50': r2(median(perLine)),
    'occlusion.baselineRatio.worst': r1(Math.min(...perLine)),
    'occlusion.baselineRatio.alarmP50': r2(median(perLineAlarm)),
  };
  const rows = results.map((r) => {
    const s = r.spec;
    const f = r.firmware;
    const b = r.baseline;
    return `C ${(s.totalComplianceNlPerKpa / 1000).toFixed(2)} uL/kPa, tau ${s.tauMs / 1000} s, down ${s.downstreamShare * 100} %, ${r.mlPerHour} mL/h: firmware ${f.firstAlarm} ${f.timeToAlarmS} s, stop ${f.timeToStopS} s, release ${f.releaseBolusUl} uL, early ${f.earlyAlarms}; baseline (${b.why}) ${b.timeToAlarmS} s, release ${b.releaseBolusUl} uL`;
  });
  return { figures, rows };
}
