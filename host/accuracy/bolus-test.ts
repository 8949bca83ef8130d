// The bolus test: repeated boluses of a set volume, each weighed once the line has settled;
// the error of each against the volume expected (the bolus plus the basal rate over the same
// time), and their mean and spread (sample standard deviation).

import { waterDensityMgPerMl } from './density';
import type { Progress } from './interfaces';
import type { RunDeps, RunStatus } from './run';
import { serialOf } from './run';
import type { Sample } from './samples';
import { weigh } from './sampling';
import type { ErrorRecord } from '../errors';
import { HostError } from '../errors';
import { balanceError } from '../errors/balance';

export interface BolusTestOptions {
  readonly volumeNl: number;
  readonly count?: number;
  /** Bolus duration, ms (default 60 s). */
  readonly durationMs?: number;
  /** From the start of one bolus to the next weighing (default duration + 3 min for the line to empty). */
  readonly cycleMs?: number;
  /** The basal rate the prescription runs under the boluses (default 100 uL/h). */
  readonly basalRateNlPerH?: number;
  readonly temperatureC?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export interface BolusResult {
  readonly index: number;
  readonly expectedNl: number;
  readonly measuredNl: number | null;
  readonly errorPct: number | null;
  readonly flags: readonly string[];
}

export interface BolusRecord {
  readonly kind: 'bolus';
  readonly status: RunStatus;
  readonly reason?: string;
  /** The same as an error to raise again (errorFromRecord). */
  readonly error?: ErrorRecord;
  readonly options: Omit<BolusTestOptions, 'signal' | 'onProgress'>;
  readonly balance: { readonly protocol: string; readonly serialNumber: string | null };
  readonly samples: readonly Sample[];
  readonly boluses: readonly BolusResult[];
  /** Over boluses with both weighings unmarked. */
  readonly meanErrorPct: number | null;
  readonly sdErrorPct: number | null;
  readonly minErrorPct: number | null;
  readonly maxErrorPct: number | null;
  readonly densityMgPerMl: number;
}

export function errorStats(errors: readonly number[]): { mean: number | null; sd: number | null; min: number | null; max: number | null } {
  if (errors.length === 0) return { mean: null, sd: null, min: null, max: null };
  const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
  const sd = errors.length > 1 ? Math.sqrt(errors.reduce((s, e) => s + (e - mean) ** 2, 0) / (errors.length - 1)) : null;
  return { mean, sd, min: Math.min(...errors), max: Math.max(...errors) };
}

export async function runBolusTest(deps: RunDeps, o: BolusTestOptions): Promise<BolusRecord> {
  const { pump, balance, scheduler } = deps;
  const { signal, onProgress, ...options } = o;
  const rho = waterDensityMgPerMl(o.temperatureC ?? 20);
  const count = o.count ?? 5;
  const duration = o.durationMs ?? 60_000;
  const cycle = o.cycleMs ?? duration + 180_000;
  const basal = o.basalRateNlPerH ?? 100_000;
  const serialNumber = await serialOf(balance);
  const samples: Sample[] = [];
  const boluses: BolusResult[] = [];
  let status: RunStatus = 'complete';
  let failure: HostError | undefined;

  await balance.zero();
  await pump.program({ rateNlPerH: basal, name: 'bolus-test' });
  const t0 = scheduler.now();
  const take = async (): Promise<Sample> => {
    const w = await weigh(balance, 'stable');
    const s: Sample = { tMs: scheduler.now() - t0, massMg: w.massMg, flags: w.flags, ...(w.note !== undefined && { note: w.note }) };
    samples.push(s);
    return s;
  };
  try {
    // Let the basal flow settle for one cycle before the first weighing.
    await scheduler.sleepUntil(t0 + cycle);
    let before = await take();
    for (let i = 1; i <= count; i++) {
      if (signal?.aborted) {
        status = 'aborted';
        failure = balanceError('ABORTED');
        break;
      }
      const start = scheduler.now();
      try {
        await pump.bolus(o.volumeNl, duration);
      } catch (e) {
        status = 'failed';
        failure = balanceError('PUMP_REFUSED', e instanceof HostError ? e.text : e instanceof Error ? e.message : String(e));
        break;
      }
      await scheduler.sleepUntil(start + cycle);
      const after = await take();
      const dt = after.tMs - before.tMs;
      const expectedNl = o.volumeNl + Math.round((basal * dt) / 3_600_000);
      const measuredNl = before.massMg !== null && after.massMg !== null ? Math.round(((after.massMg - before.massMg) / rho) * 1_000_000) : null;
      const flags = [...new Set([...before.flags, ...after.flags])];
      boluses.push({ index: i, expectedNl, measuredNl, errorPct: measuredNl === null ? null : (100 * (measuredNl - expectedNl)) / expectedNl, flags });
      onProgress?.({
        phase: `bolus ${i} of ${count}`,
        elapsedMs: scheduler.now() - t0,
        remainingMs: (count - i) * cycle,
        samples: samples.length,
        lastMassMg: after.massMg,
        lastIntervalErrorPct: boluses[boluses.length - 1]!.errorPct,
        runningErrorPct: null,
        marks: flags,
      });
      before = after;
    }
  } finally {
    await pump.stop().catch(() => undefined);
  }
  const good = boluses.filter((b) => b.errorPct !== null && b.flags.length === 0).map((b) => b.errorPct!);
  const st = errorStats(good);
  return {
    kind: 'bolus',
    status,
    ...(failure && { reason: failure.text, error: failure.record() }),
    options,
    balance: { protocol: balance.protocol, serialNumber },
    samples,
    boluses,
    meanErrorPct: st.mean,
    sdErrorPct: st.sd,
    minErrorPct: st.min,
    maxErrorPct: st.max,
    densityMgPerMl: rho,
  };
}
