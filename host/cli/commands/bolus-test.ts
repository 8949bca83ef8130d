// pumpctl bolus-test: N clinician boluses of a set volume under a basal rate, each weighed
// once the line has emptied; the error of each, their mean and spread (docs/accuracy.md).

import { runBolusTest } from '../../accuracy/bolus-test';
import { bolusReport } from '../../accuracy/procedure-reports';
import { writeProcedureRun } from '../../accuracy/run-folder';
import type { Context } from '../context';
import { runTime, SessionPump } from '../pump-control';
import { verdictWord } from './accuracy';
import type { BalanceCliOptions } from './balance-run';
import { balanceOptions, liveView, openBalance, recordedError, reportVerdict, runDir, temperature, writing } from './balance-run';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

const MIN = 60_000;

interface BolusOptions extends BalanceCliOptions {
  readonly volumeUl: string;
  readonly count: string;
  readonly minutes: string;
  readonly basalMlH: string;
  readonly waitMin: string;
  readonly temperatureC: string;
  readonly maxMeanErrorPct: string;
  readonly maxSdPct: string;
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} %`);

export const registerBolusTest: Register = (program, act) => {
  balanceOptions(program.command('bolus-test').description('repeated clinician boluses of a set volume, each weighed: mean and spread of the error (clinician key)'))
    .requiredOption('--volume-ul <uL>', 'bolus volume')
    .option('--count <n>', 'number of boluses', '5')
    .option('--minutes <min>', 'duration of each bolus', '1')
    .option('--basal-ml-h <mL/h>', 'basal rate under the boluses', '0.1')
    .option('--wait-min <min>', 'after each bolus, time for the line to empty before weighing', '3')
    .option('--temperature-c <C>', 'water temperature, for the density', '20')
    .option('--max-mean-error-pct <pct>', 'pass limit for |mean error|', '5')
    .option('--max-sd-pct <pct>', 'pass limit for the standard deviation', '5')
    .action(
      act(async (ctx: Context, o: BolusOptions) => {
        const volumeNl = ctx.decimal('--volume-ul', o.volumeUl, 1000, 1, 100_000_000);
        const count = ctx.int('--count', o.count, 1, 1000);
        const durationMs = ctx.decimal('--minutes', o.minutes, MIN, 1000, 24 * 60 * MIN);
        const basalRateNlPerH = ctx.decimal('--basal-ml-h', o.basalMlH, 1_000_000, 1_000, 100_000_000);
        const cycleMs = durationMs + ctx.decimal('--wait-min', o.waitMin, MIN, 0, 24 * 60 * MIN);
        const temperatureC = temperature(ctx, o.temperatureC);
        const limits = { maxMeanErrorPct: ctx.decimal('--max-mean-error-pct', o.maxMeanErrorPct, 1000, 1, 100_000) / 1000, maxSdPct: ctx.decimal('--max-sd-pct', o.maxSdPct, 1000, 1, 100_000) / 1000 };
        const dir = runDir(o.out, 'bolus');

        const { ac, scheduler } = runTime(ctx);
        const s = await ctx.session('clinician');
        const { balance, port } = await openBalance(ctx, o, scheduler);
        const pump = new SessionPump(s, (why) => ac.abort(why));
        const rec = await runBolusTest(
          { pump, balance, scheduler },
          { volumeNl, count, durationMs, cycleMs, basalRateNlPerH, temperatureC, signal: ac.signal, onProgress: liveView(ctx, 'bolus test') },
        ).finally(() => port.close());
        const report = bolusReport(rec, limits);
        const files = writing(dir, () => writeProcedureRun(dir, rec, report));
        const verdict = reportVerdict(report);
        ctx.result(
          {
            dir,
            files,
            status: rec.status,
            ...(rec.reason !== undefined && { reason: rec.reason }),
            verdict: verdict.toLowerCase(),
            boluses: rec.boluses,
            meanErrorPct: rec.meanErrorPct,
            sdErrorPct: rec.sdErrorPct,
            minErrorPct: rec.minErrorPct,
            maxErrorPct: rec.maxErrorPct,
          },
          [
            `bolus test ${rec.status}${rec.reason ? ` (${rec.reason})` : ''}: ${rec.boluses.length} boluses of ${o.volumeUl} µL`,
            ...rec.boluses.map((b) => `  #${b.index}  expected ${b.expectedNl} nl  weighed ${b.measuredNl ?? 'n/a'} nl  ${pct(b.errorPct)}${b.flags.length ? `  marked: ${b.flags.join(' ')}` : ''}`),
            `mean ${pct(rec.meanErrorPct)}, standard deviation ${rec.sdErrorPct === null ? 'n/a' : `${rec.sdErrorPct.toFixed(2)} %`}, range ${pct(rec.minErrorPct)} to ${pct(rec.maxErrorPct)}`,
            `verdict: ${verdictWord(ctx, verdict.toLowerCase())}`,
            `written to ${dir}: ${files.join(', ')}`,
          ].join('\n'),
        );
        if (pump.lost) throw pump.lost;
        if (rec.status !== 'complete' && rec.reason) throw recordedError(rec);
        if (verdict === 'FAIL') throw cliError('OUT_OF_TOLERANCE', `the bolus test failed its limits: see ${dir}/report.md`);
      }),
    );
};
