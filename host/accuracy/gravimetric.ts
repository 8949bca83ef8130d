// IEC 60601-2-24 style analysis of a gravimetric run (the standard's accuracy-of-operation
// test for infusion pumps; summary in docs/accuracy.md): flow per interval Q_i = 60 (W_i - W_(i-1)) / (S rho) in
// mL/h, the start-up curve over the first hour, the mean flow error A over the second hour,
// and the trumpet curve Ep(max) / Ep(min) for observation windows P = 2, 5, 11, 19, 31 min,
// each window of P/S consecutive intervals slid one interval at a time over the analysis
// period. Marked samples mark their intervals and every window containing them; values are
// still computed where masses exist, and the "good only" extremes are given beside them.

import { buoyancyFactor, waterDensityMgPerMl } from './density';
import type { Sample, SampleFlag } from './samples';
import { massUg } from './samples';
import { balanceError } from '../errors/balance';

export const IEC_WINDOWS_MIN = [2, 5, 11, 19, 31] as const;
const HOUR_MS = 3_600_000;

export interface AnalysisOptions {
  /** The set rate: one of the two. */
  readonly rateMlPerH?: number | undefined;
  readonly rateNlPerH?: number;
  /** The sample interval S, ms (default 30 s: the standard's 0.5 min). */
  readonly intervalMs?: number;
  /** Water temperature for the density (Tanaka 2001; default 20 C), unless densityMgPerMl is given. */
  readonly temperatureC?: number;
  readonly densityMgPerMl?: number;
  /** Apply the air-buoyancy correction to the readings (ISO 4787; default false). */
  readonly buoyancy?: boolean;
  /** Evaporation measured in a blank run, mg/min, added back to each interval. */
  readonly evaporationMgPerMin?: number;
  /** End of the start-up curve, ms (default 1 h). */
  readonly startupEndMs?: number;
  /** The analysis period for A and the trumpet curve (default the second hour). */
  readonly analysisStartMs?: number;
  readonly analysisEndMs?: number;
  /** Observation windows, min (default 2, 5, 11, 19, 31). */
  readonly windowsMin?: readonly number[];
  /** How far a mass may go down (or below 0) before it is marked, mg (default 1). */
  readonly noiseMg?: number;
}

export interface Interval {
  /** i: the interval from sample i-1 to sample i. */
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Mass gained, mg (evaporation added back); null without both masses. */
  readonly deltaMg: number | null;
  readonly flowMlPerH: number | null;
  readonly errorPct: number | null;
  /** Marks of the two samples that bound it. */
  readonly flags: readonly SampleFlag[];
}

export interface TrumpetPoint {
  readonly windowMin: number;
  /** Intervals per window (P / S). */
  readonly intervalsPerWindow: number;
  readonly windows: number;
  /** Extremes over windows without marked intervals (null when there are none). */
  readonly maxPct: number | null;
  readonly minPct: number | null;
  /** Windows containing a marked interval, by the index of their first interval. */
  readonly markedWindows: readonly number[];
  /** Extremes over every window whose masses exist, marked ones included. */
  readonly maxPctAll: number | null;
  readonly minPctAll: number | null;
}

export interface PeriodResult {
  readonly fromMs: number;
  readonly toMs: number;
  readonly intervalsExpected: number;
  /** Intervals with a flow value (a missing mass leaves one out, and says so in `complete`). */
  readonly intervalsUsed: number;
  readonly markedIntervals: readonly number[];
  readonly meanFlowMlPerH: number | null;
  /** A = 100 (mean Q - r) / r. */
  readonly errorPct: number | null;
  /** Every expected interval is there and none is marked. */
  readonly complete: boolean;
}

export interface VolumeResult {
  readonly fromMs: number;
  readonly toMs: number;
  readonly measuredMl: number | null;
  readonly expectedMl: number;
  readonly errorPct: number | null;
  readonly markedSamples: number;
}

export interface Analysis {
  readonly rateMlPerH: number;
  readonly intervalMs: number;
  readonly densityMgPerMl: number;
  readonly evaporationMgPerMin: number;
  readonly intervals: readonly Interval[];
  readonly startup: readonly Interval[];
  readonly secondHour: PeriodResult;
  readonly trumpet: readonly TrumpetPoint[];
  readonly totalVolume: VolumeResult;
  /** Every marked sample, the analysis's own marks (negative, decreasing) included. */
  readonly markedSamples: readonly { readonly index: number; readonly tMs: number; readonly flags: readonly SampleFlag[]; readonly note?: string }[];
}

export function rateMlPerH(o: AnalysisOptions): number {
  const r = o.rateMlPerH ?? (o.rateNlPerH === undefined ? undefined : o.rateNlPerH / 1_000_000);
  if (r === undefined || !(r > 0) || !Number.isFinite(r)) throw balanceError('BAD_RATE', `rate ${o.rateMlPerH ?? o.rateNlPerH}`);
  return r;
}

/** The analysis's own marks: negative masses and masses going down beyond the noise. */
export function markSamples(samples: readonly Sample[], noiseMg = 1): Sample[] {
  let prev: number | null = null;
  return samples.map((s) => {
    if (s.massMg === null) return s.flags.length ? s : { ...s, flags: ['missing'] };
    const flags = [...s.flags];
    if (s.massMg < -noiseMg && !flags.includes('negative')) flags.push('negative');
    if (prev !== null && s.massMg < prev - noiseMg && !flags.includes('decreasing')) flags.push('decreasing');
    prev = s.massMg;
    return flags.length === s.flags.length ? s : { ...s, flags };
  });
}

export function analyse(input: readonly Sample[], o: AnalysisOptions): Analysis {
  const r = rateMlPerH(o);
  const intervalMs = o.intervalMs ?? 30_000;
  if (o.densityMgPerMl === undefined && o.temperatureC !== undefined && !(o.temperatureC >= 0 && o.temperatureC <= 40)) {
    throw balanceError('BAD_TEMPERATURE', `${o.temperatureC} C`);
  }
  const rho = o.densityMgPerMl ?? waterDensityMgPerMl(o.temperatureC ?? 20);
  const buoy = o.buoyancy ? buoyancyFactor(rho) : 1;
  const evap = o.evaporationMgPerMin ?? 0;
  const samples = markSamples(input, o.noiseMg ?? 1);

  const intervals: Interval[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b.tMs - a.tMs;
    const flags = [...new Set([...a.flags, ...b.flags])];
    let deltaMg: number | null = null;
    let flow: number | null = null;
    if (a.massMg !== null && b.massMg !== null && dt > 0) {
      // Integer micrograms for the difference, then evaporation added back (mg/min x min).
      deltaMg = ((massUg(b.massMg) - massUg(a.massMg)) / 1000) * buoy + (evap * dt) / 60_000;
      // Q = mass / rho (mL) over dt (h): 60 (W_i - W_(i-1)) / (S rho) with S in minutes.
      flow = (deltaMg / rho) * (HOUR_MS / dt);
    }
    intervals.push({ index: i, startMs: a.tMs, endMs: b.tMs, deltaMg, flowMlPerH: flow, errorPct: flow === null ? null : (100 * (flow - r)) / r, flags });
  }

  const startupEnd = o.startupEndMs ?? HOUR_MS;
  const from = o.analysisStartMs ?? HOUR_MS;
  const to = o.analysisEndMs ?? 2 * HOUR_MS;
  const tol = intervalMs / 2; // sample times jitter a little around the nominal grid
  const period = intervals.filter((iv) => iv.startMs >= from - tol && iv.endMs <= to + tol);
  const trumpet = (o.windowsMin ?? IEC_WINDOWS_MIN).map((p) => trumpetPoint(period, p, intervalMs, r));

  return {
    rateMlPerH: r,
    intervalMs,
    densityMgPerMl: rho,
    evaporationMgPerMin: evap,
    intervals,
    startup: intervals.filter((iv) => iv.endMs <= startupEnd + tol),
    secondHour: periodResult(period, from, to, intervalMs, r),
    trumpet,
    totalVolume: totalVolume(samples, r, rho, buoy, evap),
    markedSamples: samples.flatMap((s, index) => (s.flags.length ? [{ index, tMs: s.tMs, flags: s.flags, ...(s.note !== undefined && { note: s.note }) }] : [])),
  };
}

function periodResult(period: readonly Interval[], from: number, to: number, intervalMs: number, r: number): PeriodResult {
  const expected = Math.round((to - from) / intervalMs);
  const used = period.filter((iv) => iv.flowMlPerH !== null);
  const marked = period.filter((iv) => iv.flags.length > 0).map((iv) => iv.index);
  const mean = used.length ? used.reduce((s, iv) => s + iv.flowMlPerH!, 0) / used.length : null;
  return {
    fromMs: from,
    toMs: to,
    intervalsExpected: expected,
    intervalsUsed: used.length,
    markedIntervals: marked,
    meanFlowMlPerH: mean,
    errorPct: mean === null ? null : (100 * (mean - r)) / r,
    complete: used.length === expected && period.length === expected && marked.length === 0,
  };
}

/** Ep(max) and Ep(min) for one window P: the mean % error of P/S consecutive intervals. */
export function trumpetPoint(period: readonly Interval[], windowMin: number, intervalMs: number, r: number): TrumpetPoint {
  const m = (windowMin * 60_000) / intervalMs;
  if (!Number.isInteger(m) || m < 1) throw balanceError('BAD_INTERVAL', `a ${windowMin} min window is ${m} intervals of ${intervalMs} ms`);
  let max: number | null = null;
  let min: number | null = null;
  let maxAll: number | null = null;
  let minAll: number | null = null;
  const markedWindows: number[] = [];
  let windows = 0;
  for (let j = 0; j + m <= period.length; j++) {
    windows++;
    const w = period.slice(j, j + m);
    const marked = w.some((iv) => iv.flags.length > 0);
    if (marked) markedWindows.push(w[0]!.index);
    if (w.some((iv) => iv.flowMlPerH === null)) continue;
    const meanQ = w.reduce((s, iv) => s + iv.flowMlPerH!, 0) / m;
    const e = (100 * (meanQ - r)) / r;
    maxAll = maxAll === null ? e : Math.max(maxAll, e);
    minAll = minAll === null ? e : Math.min(minAll, e);
    if (!marked) {
      max = max === null ? e : Math.max(max, e);
      min = min === null ? e : Math.min(min, e);
    }
  }
  return { windowMin, intervalsPerWindow: m, windows, maxPct: max, minPct: min, markedWindows, maxPctAll: maxAll, minPctAll: minAll };
}

/** Delivered volume from the first to the last sample with a mass, against r times that time. */
function totalVolume(samples: readonly Sample[], r: number, rho: number, buoy: number, evap: number): VolumeResult {
  const withMass = samples.filter((s) => s.massMg !== null);
  const first = withMass[0];
  const last = withMass[withMass.length - 1];
  if (!first || !last || last === first) {
    return { fromMs: first?.tMs ?? 0, toMs: last?.tMs ?? 0, measuredMl: null, expectedMl: 0, errorPct: null, markedSamples: samples.filter((s) => s.flags.length).length };
  }
  const dt = last.tMs - first.tMs;
  const mg = ((massUg(last.massMg!) - massUg(first.massMg!)) / 1000) * buoy + (evap * dt) / 60_000;
  const measured = mg / rho;
  const expected = (r * dt) / HOUR_MS;
  return {
    fromMs: first.tMs,
    toMs: last.tMs,
    measuredMl: measured,
    expectedMl: expected,
    errorPct: (100 * (measured - expected)) / expected,
    markedSamples: samples.filter((s) => s.flags.length).length,
  };
}
