// Pass or fail against the tester's tolerances. A check passes only when every value it needs
// is there and unmarked and within the limit; it fails when even the unmarked values are
// outside; anything between is "inconclusive" (marked or missing data), never a quiet pass.

import type { Analysis } from './gravimetric';
import type { RunStatus } from './run';

export interface Tolerances {
  /** |A| over the second hour, % (default 2). */
  readonly secondHourErrorPct?: number;
  /** |total volume error|, % (default 2). */
  readonly totalVolumeErrorPct?: number;
  /** Largest |Ep| per observation window in minutes (default 2 min: 5, 5: 3.5, 11: 3, 19: 2.5, 31: 2.5). */
  readonly trumpetPct?: Readonly<Record<number, number>>;
}

export const DEFAULT_TOLERANCES: Required<Tolerances> = {
  secondHourErrorPct: 2,
  totalVolumeErrorPct: 2,
  trumpetPct: { 2: 5, 5: 3.5, 11: 3, 19: 2.5, 31: 2.5 },
};

export type Result = 'pass' | 'fail' | 'inconclusive';

export interface Check {
  readonly name: string;
  readonly value: number | null;
  readonly limitPct: number;
  readonly result: Result;
  readonly why: string;
}

export interface Verdict {
  readonly overall: Result;
  readonly checks: readonly Check[];
}

const fmt = (v: number | null): string => (v === null ? 'none' : `${v.toFixed(3)} %`);

export function judge(a: Analysis | null, status: RunStatus, t: Tolerances = {}): Verdict {
  const tol = { ...DEFAULT_TOLERANCES, ...t };
  const checks: Check[] = [];
  if (a) {
    const A = a.secondHour;
    const aOk = A.errorPct !== null && Math.abs(A.errorPct) <= tol.secondHourErrorPct;
    checks.push({
      name: 'second-hour mean flow error A',
      value: A.errorPct,
      limitPct: tol.secondHourErrorPct,
      result: A.errorPct !== null && !aOk ? 'fail' : aOk && A.complete ? 'pass' : 'inconclusive',
      why: A.complete ? `${fmt(A.errorPct)} over ${A.intervalsUsed} intervals` : `${A.intervalsUsed} of ${A.intervalsExpected} intervals, marked: ${A.markedIntervals.join(', ') || 'none'}`,
    });
    for (const p of a.trumpet) {
      const limit = tol.trumpetPct[p.windowMin];
      if (limit === undefined) continue;
      const worstGood = p.maxPct === null ? null : Math.max(Math.abs(p.maxPct), Math.abs(p.minPct!));
      const worstAll = p.maxPctAll === null ? null : Math.max(Math.abs(p.maxPctAll), Math.abs(p.minPctAll!));
      const result: Result = worstGood !== null && worstGood > limit ? 'fail' : worstAll !== null && worstAll <= limit && p.markedWindows.length === 0 && p.windows > 0 ? 'pass' : 'inconclusive';
      checks.push({
        name: `trumpet ${p.windowMin} min, largest Ep magnitude`,
        value: worstGood,
        limitPct: limit,
        result,
        why: `${p.windows} windows, Ep(max) ${fmt(p.maxPct)}, Ep(min) ${fmt(p.minPct)}${p.markedWindows.length ? `, ${p.markedWindows.length} windows hold marked samples (with them: ${fmt(p.maxPctAll)} / ${fmt(p.minPctAll)})` : ''}`,
      });
    }
    const v = a.totalVolume;
    const vOk = v.errorPct !== null && Math.abs(v.errorPct) <= tol.totalVolumeErrorPct;
    checks.push({
      name: 'total volume error',
      value: v.errorPct,
      limitPct: tol.totalVolumeErrorPct,
      result: v.errorPct !== null && !vOk ? 'fail' : vOk ? 'pass' : 'inconclusive',
      why: v.measuredMl === null ? 'no masses' : `${v.measuredMl.toFixed(4)} mL weighed, ${v.expectedMl.toFixed(4)} mL set`,
    });
  }
  const overall: Result = checks.some((c) => c.result === 'fail') ? 'fail' : status !== 'complete' || !a || checks.some((c) => c.result === 'inconclusive') ? 'inconclusive' : 'pass';
  return { overall, checks };
}
