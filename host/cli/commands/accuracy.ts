// pumpctl accuracy: the IEC 60601-2-24 style gravimetric run (docs/accuracy.md). Programs the
// pump, zeroes the balance, weighs every S, shows the run live, writes the run folder (CSV,
// JSON, SVG and PNG charts, report.md) whatever happens, prints the verdict; exit 22 outside
// tolerance, 21 aborted (Ctrl-C), 20 a balance that failed.

import { IEC_WINDOWS_MIN } from '../../accuracy/gravimetric';
import { runAccuracy } from '../../accuracy/run';
import { writeAccuracyRun } from '../../accuracy/run-folder';
import type { Tolerances } from '../../accuracy/verdict';
import type { Context } from '../context';
import { duration, table } from '../format';
import { runTime, SessionPump } from '../pump-control';
import type { BalanceCliOptions } from './balance-run';
import { balanceOptions, evaporation, liveView, openBalance, recordedError, runDir, temperature, writing } from './balance-run';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

const MIN = 60_000;
const HOUR = 60 * MIN;

interface AccuracyOptions extends BalanceCliOptions {
  readonly rateMlH: string;
  readonly hours?: string;
  readonly minutes?: string;
  readonly primeMinutes?: string;
  readonly intervalS: string;
  readonly temperatureC: string;
  readonly evaporationMgMin?: string;
  readonly tolerancePct?: string;
}

/** "a=1,total=2,2=5,31=2.5": A, total volume, and the largest |Ep| per window in minutes. */
export function parseTolerances(ctx: Context, text: string | undefined): Tolerances {
  if (text === undefined) return {};
  const t: { secondHourErrorPct?: number; totalVolumeErrorPct?: number; trumpetPct?: Record<number, number> } = {};
  for (const part of text.split(',')) {
    const m = /^\s*([a-z0-9]+)\s*=\s*([0-9]+(\.[0-9]+)?)\s*$/i.exec(part);
    if (!m) throw cliError('USAGE', `--tolerance-pct: "${part}" is not key=percent (keys: a, total, ${IEC_WINDOWS_MIN.join(', ')})`);
    const v = ctx.decimal('--tolerance-pct', m[2]!, 1000, 1, 100_000) / 1000;
    const key = m[1]!.toLowerCase();
    if (key === 'a') t.secondHourErrorPct = v;
    else if (key === 'total') t.totalVolumeErrorPct = v;
    else if ((IEC_WINDOWS_MIN as readonly number[]).includes(Number(key))) t.trumpetPct = { ...t.trumpetPct, [Number(key)]: v };
    else throw cliError('USAGE', `--tolerance-pct: unknown key "${key}" (a, total, ${IEC_WINDOWS_MIN.join(', ')})`);
  }
  // Window limits not given keep their defaults.
  return t.trumpetPct ? { ...t, trumpetPct: { 2: 5, 5: 3.5, 11: 3, 19: 2.5, 31: 2.5, ...t.trumpetPct } } : t;
}

/**
 * The standard's periods need two hours: start-up in the first, analysis in the second. A
 * shorter run (a quick check) splits in halves and keeps the windows that fit the second half.
 * A primed quick check weighed nothing of the start-up (the line filled in the prime), so A, the
 * total and the windows take the whole run; the first half is still drawn as the start-up.
 * The whole run matters for A: the screw's once-per-turn wobble comes back to nothing only over
 * whole turns (a turn is 20 min at 1 mL/h on the 10 mL syringe and the Tr8x2 screw), and over
 * half a turn it is up to twice its amplitude (2.4 % of 10 min on the worst rig).
 */
export function periods(durationMs: number, intervalMs: number, primed = false): { startupEndMs?: number; analysisStartMs?: number; analysisEndMs?: number; windowsMin?: number[] } {
  if (durationMs >= 2 * HOUR) return {};
  const half = Math.floor(durationMs / 2 / intervalMs) * intervalMs;
  const end = Math.floor(durationMs / intervalMs) * intervalMs;
  const from = primed ? 0 : half;
  return { startupEndMs: half, analysisStartMs: from, analysisEndMs: end, windowsMin: IEC_WINDOWS_MIN.filter((p) => p * MIN <= end - from) };
}

export const registerAccuracy: Register = (program, act) => {
  balanceOptions(
    program.command('accuracy').description('gravimetric accuracy run (IEC 60601-2-24 style): start-up curve, second-hour error, trumpet curve, total volume; writes a run folder (clinician key)'),
  )
    .requiredOption('--rate-ml-h <mL/h>', 'set rate')
    .option('--hours <h>', 'delivery time in hours (default 2: the start-up hour and the analysis hour)')
    .option('--minutes <min>', 'delivery time in minutes, for a quick check (periods split in halves)')
    .option('--prime-minutes <min>', 'run at the rate this long before the first weighing, so the line is full (a quick check then judges its whole run)')
    .option('--interval-s <s>', 'sample interval S, seconds (must divide 60)', '30')
    .option('--temperature-c <C>', 'water temperature, for the density', '20')
    .option('--evaporation-mg-min <mg/min>', 'evaporation measured in a blank run, added back')
    .option('--tolerance-pct <list>', 'limits, e.g. a=1,total=2,2=3 (defaults a=2,total=2,2=5,5=3.5,11=3,19=2.5,31=2.5)')
    .action(
      act(async (ctx: Context, o: AccuracyOptions) => {
        const rateNlPerH = ctx.decimal('--rate-ml-h', o.rateMlH, 1_000_000, 1_000, 100_000_000);
        if (o.hours !== undefined && o.minutes !== undefined) throw cliError('USAGE', 'give --hours or --minutes, not both');
        const durationMs = o.minutes !== undefined ? ctx.decimal('--minutes', o.minutes, MIN, MIN, 48 * HOUR) : ctx.decimal('--hours', o.hours ?? '2', HOUR, MIN, 48 * HOUR);
        const primeMs = o.primeMinutes === undefined ? 0 : ctx.decimal('--prime-minutes', o.primeMinutes, MIN, 0, 2 * HOUR);
        const intervalS = ctx.int('--interval-s', o.intervalS, 1, 60);
        // Every IEC window (2, 5, 11, 19, 31 min) must be a whole number of intervals.
        if (60 % intervalS !== 0) throw cliError('USAGE', `--interval-s must divide 60 so every observation window is a whole number of intervals (got ${intervalS})`);
        const intervalMs = intervalS * 1000;
        if (durationMs < 2 * intervalMs) throw cliError('USAGE', `the run must last at least two intervals (${2 * intervalS} s)`);
        const temperatureC = temperature(ctx, o.temperatureC);
        const evap = evaporation(ctx, o.evaporationMgMin);
        const tolerances = parseTolerances(ctx, o.tolerancePct);
        const dir = runDir(o.out, 'accuracy');

        const { ac, scheduler } = runTime(ctx);
        const s = await ctx.session('clinician');
        const { balance, port } = await openBalance(ctx, o, scheduler);
        const pump = new SessionPump(s, (why) => ac.abort(why));
        const count = Math.floor(durationMs / intervalMs);
        if (durationMs < 2 * HOUR) {
          ctx.note(
            primeMs > 0
              ? `pumpctl: a ${duration(durationMs)} run after a ${duration(primeMs)} prime: A, the total and the trumpet curve over the whole run`
              : `pumpctl: a ${duration(durationMs)} run is shorter than the standard's 2 h: start-up curve over the first half, A and the trumpet curve over the second`,
          );
        }
        if (primeMs > 0) ctx.note(`pumpctl: priming the line at the rate for ${duration(primeMs)} before the first weighing`);
        ctx.note(`pumpctl: programming a continuous ${o.rateMlH} mL/h and weighing every ${intervalS} s for ${duration(durationMs)} (Ctrl-C stops and keeps the data)`);
        const rec = await runAccuracy(
          { pump, balance, scheduler },
          {
            rateNlPerH,
            durationMs,
            primeMs,
            intervalMs,
            temperatureC,
            ...(evap !== undefined && { evaporationMgPerMin: evap }),
            ...periods(durationMs, intervalMs, primeMs > 0),
            signal: ac.signal,
            onProgress: liveView(ctx, 'accuracy', count),
          },
        ).finally(() => port.close());
        const out = writing(dir, () => writeAccuracyRun(dir, rec, tolerances));
        const a = rec.analysis;
        ctx.result(
          {
            dir,
            files: out.files,
            status: rec.status,
            ...(rec.reason !== undefined && { reason: rec.reason }),
            verdict: out.verdict,
            secondHourErrorPct: a?.secondHour.errorPct ?? null,
            totalVolumeErrorPct: a?.totalVolume.errorPct ?? null,
            trumpet: a?.trumpet ?? [],
            samples: rec.samples.length,
            markedSamples: a?.markedSamples.length ?? null,
            alarms: rec.alarms,
          },
          [
            `accuracy run ${rec.status}${rec.reason ? ` (${rec.reason})` : ''}: ${o.rateMlH} mL/h, ${rec.samples.length} samples on a ${rec.balance.protocol} balance${rec.balance.serialNumber ? ` (serial ${rec.balance.serialNumber})` : ''}`,
            table(out.verdict.checks.map((c) => [c.name, `${c.value === null ? 'n/a' : `${c.value >= 0 ? '+' : ''}${c.value.toFixed(3)} %`} (limit ${c.limitPct} %) ${c.result}`])),
            ...(rec.alarms.length ? [ctx.paint.alarm(`pump alarms: ${rec.alarms.map((x) => `A${x.alarm.code} ${x.alarm.name} at ${duration(x.atMs)}`).join(', ')}`)] : []),
            `verdict: ${verdictWord(ctx, out.verdict.overall)}`,
            `written to ${dir}: ${out.files.join(', ')}`,
          ].join('\n'),
        );
        if (pump.lost) throw pump.lost;
        if (rec.status !== 'complete' && rec.reason) throw recordedError(rec);
        if (out.verdict.overall === 'fail') throw cliError('OUT_OF_TOLERANCE', `the run failed a tolerance: see ${dir}/report.md`);
      }),
    );
};

export function verdictWord(ctx: Context, v: string): string {
  const w = v.toUpperCase();
  return v === 'pass' ? ctx.paint.good(w) : v === 'fail' ? ctx.paint.alarm(w) : ctx.paint.warn(w);
}
