// The accuracy run (issue 9, `pumpctl accuracy`): zero the balance, weigh the start, program
// the rate, weigh every S (30 s) for the duration, stop the pump, analyse. Pump alarms and
// balance failures mark the samples they touch; an abort (signal) or a balance that stays
// silent ends the run early and the partial record is still analysed and written. With a
// prime, the pump runs at the rate before the first weighing, so the line fills (its content at
// the rate, rate x tau) before anything is weighed: the run then judges the pump and not the
// line it starts from (the station's check, docs/station.md).

import type { Balance } from '../balance/types';
import type { Analysis, AnalysisOptions } from './gravimetric';
import { analyse, rateMlPerH } from './gravimetric';
import type { PumpAlarm, PumpControl, Progress, Scheduler } from './interfaces';
import type { Sample } from './samples';
import { SAMPLE_FLAGS } from './samples';
import type { ReadMode } from './sampling';
import { weigh } from './sampling';
import type { ErrorRecord } from '../errors';
import { HostError } from '../errors';
import { balanceError } from '../errors/balance';

export interface AccuracyRunOptions extends Omit<AnalysisOptions, 'rateMlPerH'> {
  readonly rateNlPerH: number;
  /** Delivery time, ms (default 2 h: the standard's start-up hour and analysis hour). */
  readonly durationMs?: number;
  /**
   * Delivery at the rate before the first weighing, ms (default 0: the run weighs from the
   * pump's start, the standard's start-up curve). Sample times count from the first weighing.
   */
  readonly primeMs?: number;
  readonly read?: ReadMode;
  /** Stop after this many samples in a row without a mass (default 5). */
  readonly maxMissingInARow?: number;
  /** Stop the run at the first pump alarm (default false: keep weighing, the samples are marked). */
  readonly stopOnAlarm?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export type RunStatus = 'complete' | 'aborted' | 'failed';

export interface AlarmRecord {
  readonly atMs: number;
  readonly alarm: PumpAlarm;
}

export interface AccuracyRecord {
  readonly kind: 'accuracy';
  readonly status: RunStatus;
  /** Why the run did not complete, with its error code. */
  readonly reason?: string;
  /** The same as an error to raise again (errorFromRecord). */
  readonly error?: ErrorRecord;
  readonly options: Omit<AccuracyRunOptions, 'signal' | 'onProgress'>;
  readonly balance: { readonly protocol: string; readonly serialNumber: string | null };
  readonly samples: readonly Sample[];
  readonly alarms: readonly AlarmRecord[];
  readonly analysis: Analysis | null;
  readonly analysisError?: string;
}

export interface RunDeps {
  readonly pump: PumpControl;
  readonly balance: Balance;
  readonly scheduler: Scheduler;
}

export async function serialOf(balance: Balance): Promise<string | null> {
  try {
    return await balance.serialNumber();
  } catch {
    return null;
  }
}

/** Alarms not seen on the previous poll, keyed by code (a cleared and raised again alarm counts again). */
export class AlarmWatch {
  #active = new Set<number>();
  fresh(alarms: readonly PumpAlarm[]): PumpAlarm[] {
    const now = new Set(alarms.map((a) => a.code));
    const out = alarms.filter((a) => !this.#active.has(a.code));
    this.#active = now;
    return out;
  }
}

export async function runAccuracy(deps: RunDeps, o: AccuracyRunOptions): Promise<AccuracyRecord> {
  const { pump, balance, scheduler } = deps;
  const { signal, onProgress, ...options } = o;
  const r = rateMlPerH({ rateNlPerH: o.rateNlPerH });
  const intervalMs = o.intervalMs ?? 30_000;
  const durationMs = o.durationMs ?? 2 * 3_600_000;
  const count = Math.floor(durationMs / intervalMs);
  const samples: Sample[] = [];
  const alarms: AlarmRecord[] = [];
  const watch = new AlarmWatch();
  let status: RunStatus = 'complete';
  let failure: HostError | undefined;
  const serialNumber = await serialOf(balance);

  const finish = (): AccuracyRecord => {
    let analysis: Analysis | null = null;
    let analysisError: string | undefined;
    try {
      analysis = analyse(samples, { ...options, rateMlPerH: r, intervalMs });
    } catch (e) {
      analysisError = e instanceof HostError ? e.text : e instanceof Error ? e.message : String(e);
    }
    return {
      kind: 'accuracy',
      status,
      ...(failure && { reason: failure.text, error: failure.record() }),
      options,
      balance: { protocol: balance.protocol, serialNumber },
      samples,
      alarms,
      analysis,
      ...(analysisError !== undefined && { analysisError }),
    };
  };

  try {
    await balance.zero();
  } catch (e) {
    status = 'failed';
    failure = e instanceof HostError ? e : balanceError('ZERO_REFUSED', e instanceof Error ? e.message : String(e));
    return finish();
  }
  const start = async (): Promise<boolean> => {
    try {
      await pump.program({ rateNlPerH: o.rateNlPerH, name: 'accuracy' });
      return true;
    } catch (e) {
      status = 'failed';
      failure = balanceError('PUMP_REFUSED', e instanceof HostError ? e.text : e instanceof Error ? e.message : String(e));
      return false;
    }
  };
  const primeMs = o.primeMs ?? 0;
  const primeAlarms: PumpAlarm[] = [];
  let first: Awaited<ReturnType<typeof weigh>>;
  if (primeMs > 0) {
    if (!(await start())) return finish();
    onProgress?.({ phase: 'priming', elapsedMs: 0, remainingMs: durationMs + primeMs, samples: 0, lastMassMg: null, lastIntervalErrorPct: null, runningErrorPct: null, marks: [] });
  }
  try {
    if (primeMs > 0) {
      await scheduler.sleepUntil(scheduler.now() + primeMs);
      if (signal?.aborted) {
        await pump.stop().catch(() => undefined);
        status = 'aborted';
        failure = balanceError('ABORTED', String(signal.reason ?? 'by the operator'));
        return finish();
      }
      // An alarm in the prime is kept: it marks the first sample, as one between samples does.
      primeAlarms.push(...watch.fresh(await pump.alarms()));
    }
    first = await weigh(balance, o.read ?? 'stable');
  } catch (e) {
    // A primed pump is running: never leave it so.
    if (primeMs > 0) await pump.stop().catch(() => undefined);
    throw e;
  }
  const t0 = scheduler.now();
  const firstFlags = [...first.flags];
  const firstNotes = first.note === undefined ? [] : [first.note];
  for (const a of primeAlarms) {
    alarms.push({ atMs: 0, alarm: a });
    firstNotes.push(`pump alarm in the prime ${a.code} ${a.name}${a.detail ? `: ${a.detail}` : ''}`);
    if (!firstFlags.includes('pump-alarm')) firstFlags.push('pump-alarm');
  }
  samples.push({ tMs: 0, massMg: first.massMg, flags: firstFlags, ...(firstNotes.length && { note: firstNotes.join('; ') }) });
  if (primeMs === 0 && !(await start())) return finish();

  let missingInARow = 0;
  try {
    for (let k = 1; k <= count; k++) {
      await scheduler.sleepUntil(t0 + k * intervalMs);
      if (signal?.aborted) {
        status = 'aborted';
        failure = balanceError('ABORTED', String(signal.reason ?? 'by the operator'));
        break;
      }
      const w = await weigh(balance, o.read ?? 'stable');
      const tMs = scheduler.now() - t0;
      const flags = [...w.flags];
      const notes = w.note === undefined ? [] : [w.note];
      for (const a of watch.fresh(await pump.alarms())) {
        alarms.push({ atMs: tMs, alarm: a });
        notes.push(`pump alarm ${a.code} ${a.name}${a.detail ? `: ${a.detail}` : ''}`);
        if (!flags.includes('pump-alarm')) flags.push('pump-alarm');
      }
      // An alarm still active marks every interval it lasts through.
      if (!flags.includes('pump-alarm') && (await pump.alarms()).length > 0) flags.push('pump-alarm');
      samples.push({ tMs, massMg: w.massMg, flags, ...(notes.length && { note: notes.join('; ') }) });
      missingInARow = w.massMg === null ? missingInARow + 1 : 0;
      onProgress?.(
        progress(
          samples,
          r,
          tMs,
          durationMs,
          flags.map((f) => SAMPLE_FLAGS[f]),
        ),
      );
      if (missingInARow >= (o.maxMissingInARow ?? 5)) {
        status = 'aborted';
        failure = balanceError('BALANCE_LOST', `${missingInARow} samples without a mass; last: ${w.note ?? ''}`);
        break;
      }
      if (o.stopOnAlarm && flags.includes('pump-alarm')) {
        status = 'aborted';
        failure = balanceError('PUMP_ALARM', notes.join('; '));
        break;
      }
    }
  } finally {
    await pump.stop().catch(() => undefined);
  }
  return finish();
}

function progress(samples: readonly Sample[], r: number, tMs: number, durationMs: number, marks: string[]): Progress {
  const last = samples[samples.length - 1]!;
  const prev = samples[samples.length - 2];
  const first = samples.find((s) => s.massMg !== null);
  // Density 1 mg/uL is close enough for a live figure; the analysis uses the real one.
  const errPct = (mg: number, dt: number): number => 100 * (mg / 1000 / (r * (dt / 3_600_000)) - 1);
  return {
    phase: 'weighing',
    elapsedMs: tMs,
    remainingMs: Math.max(0, durationMs - tMs),
    samples: samples.length,
    lastMassMg: last.massMg,
    lastIntervalErrorPct: prev && prev.massMg !== null && last.massMg !== null ? errPct(last.massMg - prev.massMg, last.tMs - prev.tMs) : null,
    runningErrorPct: first && last.massMg !== null && last.tMs > first.tMs ? errPct(last.massMg - first.massMg!, last.tMs - first.tMs) : null,
    marks,
  };
}
