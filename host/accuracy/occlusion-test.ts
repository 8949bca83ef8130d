// The occlusion test (IEC 60601-2-24 style, domain.md): deliver at a set rate, close a
// stopcock downstream, time the occlusion alarm, stop, then open the stopcock and weigh the
// bolus the line releases (ECRI asks for 0.5 mL or less).

import { waterDensityMgPerMl } from './density';
import type { PumpControl, Progress, Scheduler, Stopcock } from './interfaces';
import type { AlarmRecord, RunDeps, RunStatus } from './run';
import { AlarmWatch, serialOf } from './run';
import type { Sample } from './samples';
import { weigh } from './sampling';
import type { ErrorRecord, HostError } from '../errors';
import { balanceError } from '../errors/balance';

export interface OcclusionTestOptions {
  readonly rateNlPerH: number;
  /** Delivery before the stopcock closes, so the line is at its working pressure (default 10 min). */
  readonly settleMs?: number;
  /** Longest wait for the alarm (default 6 h: about 5 h are published at 0.1 mL/h). */
  readonly maxWaitMs?: number;
  /** How often the pump's alarms are read (default 5 s): the resolution of the time to alarm. */
  readonly pollMs?: number;
  /** How long the released bolus is collected after opening (default 5 min). */
  readonly collectMs?: number;
  /** Alarm names that count as the occlusion alarm (default: any name containing OCCLUSION). */
  readonly alarmPattern?: RegExp;
  readonly temperatureC?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export interface OcclusionRecord {
  readonly kind: 'occlusion';
  readonly status: RunStatus;
  readonly reason?: string;
  /** The error the run stopped with, to raise again (errorFromRecord). */
  readonly error?: ErrorRecord;
  readonly options: Omit<OcclusionTestOptions, 'signal' | 'onProgress' | 'alarmPattern'>;
  readonly balance: { readonly protocol: string; readonly serialNumber: string | null };
  /** From closing the stopcock to the alarm, ms; null without an alarm. */
  readonly timeToAlarmMs: number | null;
  readonly alarms: readonly AlarmRecord[];
  /** Weighings around the release: before opening, then every 30 s while collecting. */
  readonly samples: readonly Sample[];
  readonly bolusMg: number | null;
  readonly bolusUl: number | null;
  readonly densityMgPerMl: number;
}

export async function runOcclusionTest(deps: RunDeps & { readonly stopcock: Stopcock }, o: OcclusionTestOptions): Promise<OcclusionRecord> {
  const { pump, balance, scheduler, stopcock } = deps;
  const { signal, onProgress, alarmPattern, ...options } = o;
  const pattern = alarmPattern ?? /OCCLUSION/i;
  const rho = waterDensityMgPerMl(o.temperatureC ?? 20);
  const serialNumber = await serialOf(balance);
  const alarms: AlarmRecord[] = [];
  const samples: Sample[] = [];
  const base = { kind: 'occlusion' as const, options, balance: { protocol: balance.protocol, serialNumber }, alarms, samples, densityMgPerMl: rho };
  const t0 = scheduler.now();
  const tell = (phase: string, remainingMs: number): void =>
    onProgress?.({
      phase,
      elapsedMs: scheduler.now() - t0,
      remainingMs,
      samples: samples.length,
      lastMassMg: samples[samples.length - 1]?.massMg ?? null,
      lastIntervalErrorPct: null,
      runningErrorPct: null,
      marks: [],
    });
  const stopped = (status: RunStatus, e: HostError, timeToAlarmMs: number | null = null): OcclusionRecord => ({
    ...base,
    status,
    reason: e.text,
    error: e.record(),
    timeToAlarmMs,
    bolusMg: null,
    bolusUl: null,
  });

  await pump.program({ rateNlPerH: o.rateNlPerH, name: 'occlusion-test' });
  try {
    await scheduler.sleepUntil(t0 + (o.settleMs ?? 600_000));
    await stopcock.close();
    const closedAt = scheduler.now();
    const watch = new AlarmWatch();
    watch.fresh(await pump.alarms()); // alarms already active before the occlusion do not count
    let alarmAt: number | null = null;
    const maxWait = o.maxWaitMs ?? 6 * 3_600_000;
    const poll = o.pollMs ?? 5_000;
    for (let t = closedAt + poll; alarmAt === null && t <= closedAt + maxWait; t += poll) {
      await scheduler.sleepUntil(t);
      if (signal?.aborted) return stopped('aborted', balanceError('ABORTED'));
      for (const a of watch.fresh(await pump.alarms())) {
        alarms.push({ atMs: scheduler.now() - closedAt, alarm: a });
        if (pattern.test(a.name)) alarmAt = scheduler.now();
      }
      tell('waiting for the occlusion alarm', closedAt + maxWait - scheduler.now());
    }
    await pump.stop().catch(() => undefined);
    if (alarmAt === null) {
      await stopcock.open();
      return stopped('failed', balanceError('NO_ALARM', `${Math.round(maxWait / 60_000)} min at ${o.rateNlPerH} nl/h`));
    }
    const timeToAlarmMs = alarmAt - closedAt;
    // Weigh before opening, then collect what the line releases.
    const before = await weigh(balance, 'stable');
    const openedAt = scheduler.now();
    samples.push({ tMs: 0, massMg: before.massMg, flags: before.flags, ...(before.note !== undefined && { note: before.note }) });
    await stopcock.open();
    const collect = o.collectMs ?? 300_000;
    for (let t = 30_000; t <= collect; t += 30_000) {
      await scheduler.sleepUntil(openedAt + t);
      const w = await weigh(balance, 'stable');
      samples.push({ tMs: scheduler.now() - openedAt, massMg: w.massMg, flags: w.flags, ...(w.note !== undefined && { note: w.note }) });
      tell('collecting the released bolus', openedAt + collect - scheduler.now());
    }
    // The alarms this deliberate occlusion raised are acknowledged once the line is open again
    // and the release weighed: the pump is left as the procedure found it (paused, no alarms).
    for (const code of new Set(alarms.map((a) => a.alarm.code))) await pump.acknowledge?.(code);
    const last = samples[samples.length - 1]!;
    const bolusMg = before.massMg !== null && last.massMg !== null ? last.massMg - before.massMg : null;
    const marked = samples.some((s) => s.flags.length > 0);
    return {
      ...base,
      status: 'complete',
      ...(marked && { reason: 'some weighings are marked; see the samples' }),
      timeToAlarmMs,
      bolusMg,
      bolusUl: bolusMg === null ? null : (bolusMg / rho) * 1000,
    };
  } finally {
    await pump.stop().catch(() => undefined);
  }
}

export type { PumpControl, Scheduler };
