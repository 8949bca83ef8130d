// pumpctl occlusion-test: deliver at a rate, close the downstream stopcock, time the pump's
// occlusion alarm, then open it and weigh the bolus the line releases (docs/accuracy.md).
// The stopcock is the operator (asked on the terminal) or a serial device taking CLOSE/OPEN.

import type { Stopcock } from '../../accuracy/interfaces';
import { runOcclusionTest } from '../../accuracy/occlusion-test';
import { occlusionReport } from '../../accuracy/procedure-reports';
import { writeProcedureRun } from '../../accuracy/run-folder';
import type { LinePort } from '../../serial/line-port';
import { openLinePort, SerialError } from '../../serial/line-port';
import type { Context } from '../context';
import { duration } from '../format';
import { runTime, SessionPump } from '../pump-control';
import type { BalanceCliOptions } from './balance-run';
import { balanceOptions, liveView, openBalance, recordedError, reportVerdict, runDir, temperature, writing } from './balance-run';
import { verdictWord } from './accuracy';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';
import { balanceError } from '../../errors/balance';

const MIN = 60_000;

interface OcclusionOptions extends BalanceCliOptions {
  readonly rateMlH: string;
  readonly stopcock: string;
  readonly settleMin: string;
  readonly maxWaitMin: string;
  readonly pollS: string;
  readonly collectMin: string;
  readonly temperatureC: string;
  readonly maxBolusUl?: string;
  readonly maxTimeToAlarmMin?: string;
}

/** The operator turns the stopcock; the answer "no" stops the test (nothing is closed behind their back). */
function promptStopcock(confirm: (q: string) => Promise<boolean>): Stopcock {
  const ask = async (q: string): Promise<void> => {
    if (!(await confirm(q))) throw balanceError('ABORTED', 'the operator did not confirm the stopcock: test stopped');
  };
  return {
    close: () => ask('Close the downstream stopcock now. Closed?'),
    open: () => ask('Open the stopcock now to release the line. Open?'),
  };
}

/** A motorised stopcock on a serial line: "CLOSE" / "OPEN", answered "OK" (the virtual board offers one). */
async function serialStopcock(ctx: Context, path: string): Promise<{ stopcock: Stopcock; port: LinePort }> {
  let port: LinePort;
  try {
    port = await openLinePort(path, { baud: 9600, binding: ctx.binding() });
  } catch (e) {
    if (e instanceof SerialError) throw cliError('PORT_OPEN', `the stopcock port: ${e.message}`);
    throw e;
  }
  const command = async (cmd: string): Promise<void> => {
    port.drain();
    let reply: string;
    try {
      await port.write(`${cmd}\r\n`);
      reply = await port.readLine(5_000);
    } catch (e) {
      throw cliError('STOPCOCK', `${cmd} to the stopcock at ${path}: ${(e as Error).message}`);
    }
    if (reply.trim() !== 'OK') throw cliError('STOPCOCK', `${cmd} to the stopcock at ${path} was answered ${JSON.stringify(reply)}, not OK`);
  };
  return { stopcock: { close: () => command('CLOSE'), open: () => command('OPEN') }, port };
}

export const registerOcclusionTest: Register = (program, act) => {
  balanceOptions(program.command('occlusion-test').description('occlusion test: time to the occlusion alarm with the line closed, then the released bolus weighed (clinician key)'))
    .requiredOption('--rate-ml-h <mL/h>', 'set rate')
    .option('--stopcock <prompt|path>', 'who turns the downstream stopcock: the operator (prompt) or a serial device taking CLOSE/OPEN', 'prompt')
    .option('--settle-min <min>', 'delivery before the stopcock closes', '10')
    .option('--max-wait-min <min>', 'longest wait for the alarm', '360')
    .option('--poll-s <s>', 'how often the alarms are read (resolution of the time to alarm)', '5')
    .option('--collect-min <min>', 'how long the released bolus is collected', '5')
    .option('--temperature-c <C>', 'water temperature, for the density', '20')
    .option('--max-bolus-ul <uL>', 'pass limit for the released bolus (default 500, ECRI)')
    .option('--max-time-to-alarm-min <min>', 'pass limit for the time to alarm (default none)')
    .action(
      act(async (ctx: Context, o: OcclusionOptions) => {
        const rateNlPerH = ctx.decimal('--rate-ml-h', o.rateMlH, 1_000_000, 1_000, 100_000_000);
        const settleMs = ctx.decimal('--settle-min', o.settleMin, MIN, 0, 24 * 60 * MIN);
        const maxWaitMs = ctx.decimal('--max-wait-min', o.maxWaitMin, MIN, MIN, 48 * 60 * MIN);
        const pollMs = ctx.int('--poll-s', o.pollS, 1, 600) * 1000;
        const collectMs = ctx.decimal('--collect-min', o.collectMin, MIN, 0, 24 * 60 * MIN);
        const temperatureC = temperature(ctx, o.temperatureC);
        const limits = {
          ...(o.maxBolusUl !== undefined && { maxBolusUl: ctx.decimal('--max-bolus-ul', o.maxBolusUl, 1000, 1, 100_000_000) / 1000 }),
          ...(o.maxTimeToAlarmMin !== undefined && { maxTimeToAlarmMin: ctx.decimal('--max-time-to-alarm-min', o.maxTimeToAlarmMin, 1000, 1, 1e9) / 1000 }),
        };
        const prompt = o.stopcock === 'prompt';
        if (prompt && !ctx.io.confirm) throw cliError('USAGE', 'there is no terminal to ask the operator to turn the stopcock: give --stopcock PATH of a stopcock device');
        const dir = runDir(o.out, 'occlusion');

        const { ac, scheduler } = runTime(ctx);
        const s = await ctx.session('clinician');
        const { balance, port } = await openBalance(ctx, o, scheduler);
        const ports: LinePort[] = [port];
        try {
          let stopcock: Stopcock;
          if (prompt) stopcock = promptStopcock(ctx.io.confirm!);
          else {
            const sc = await serialStopcock(ctx, o.stopcock);
            ports.push(sc.port);
            stopcock = sc.stopcock;
          }
          const pump = new SessionPump(s, (why) => ac.abort(why));
          ctx.note(`pumpctl: ${o.rateMlH} mL/h for ${duration(settleMs)}, then the stopcock closes and the occlusion alarm is awaited (at most ${duration(maxWaitMs)})`);
          const rec = await runOcclusionTest(
            { pump, balance, scheduler, stopcock },
            { rateNlPerH, settleMs, maxWaitMs, pollMs, collectMs, temperatureC, signal: ac.signal, onProgress: liveView(ctx, 'occlusion test') },
          );
          const report = occlusionReport(rec, limits);
          const files = writing(dir, () => writeProcedureRun(dir, rec, report));
          const verdict = reportVerdict(report);
          ctx.result(
            {
              dir,
              files,
              status: rec.status,
              ...(rec.reason !== undefined && { reason: rec.reason }),
              verdict: verdict.toLowerCase(),
              timeToAlarmMs: rec.timeToAlarmMs,
              bolusUl: rec.bolusUl,
              bolusMg: rec.bolusMg,
              alarms: rec.alarms,
            },
            [
              `occlusion test ${rec.status}${rec.reason ? ` (${rec.reason})` : ''} at ${o.rateMlH} mL/h`,
              `time to alarm  ${rec.timeToAlarmMs === null ? 'no alarm' : duration(rec.timeToAlarmMs)}`,
              `release bolus  ${rec.bolusUl === null ? 'n/a' : `${rec.bolusUl.toFixed(1)} µL (${rec.bolusMg!.toFixed(1)} mg)`}`,
              `verdict: ${verdictWord(ctx, verdict.toLowerCase())}`,
              `written to ${dir}: ${files.join(', ')}`,
            ].join('\n'),
          );
          if (pump.lost) throw pump.lost;
          if (rec.status !== 'complete' && rec.reason) throw recordedError(rec);
          if (verdict === 'FAIL') throw cliError('OUT_OF_TOLERANCE', `the occlusion test failed its limits: see ${dir}/report.md`);
        } finally {
          for (const p of ports) await p.close();
        }
      }),
    );
};
