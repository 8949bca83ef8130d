// pumpctl calibrate: store the volume a microstep really moves. By hand: enter the volume
// measured for a commanded one. With --balance: deliver, weigh, compute (runCalibration) and
// store it the same way (CAL commanded measured); the pump scales its microstep volume by
// measured / commanded, at most 20 %, and keeps it.

import { calibrationReport } from '../../accuracy/procedure-reports';
import { runCalibration } from '../../accuracy/calibration';
import { writeProcedureRun } from '../../accuracy/run-folder';
import type { Context } from '../context';
import { runTime, SessionPump } from '../pump-control';
import { retrying } from '../session';
import type { BalanceCliOptions } from './balance-run';
import { balanceOptions, evaporation, openBalance, runDir, temperature, writing } from './balance-run';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

interface CalibrateOptions extends Partial<BalanceCliOptions> {
  readonly commandedUl?: string;
  readonly measuredUl?: string;
  readonly volumeUl: string;
  readonly rateMlH: string;
  readonly settleMin: string;
  readonly temperatureC: string;
  readonly evaporationMgMin?: string;
  readonly dryRun?: boolean;
}

const nl = (fl: number): string => `${(fl / 1e6).toFixed(6)} nl`;

async function manual(ctx: Context, o: CalibrateOptions): Promise<void> {
  if (o.commandedUl === undefined || o.measuredUl === undefined) throw cliError('USAGE', 'give --commanded-ul and --measured-ul, or --balance PORT to weigh it');
  const commandedNl = ctx.decimal('--commanded-ul', o.commandedUl, 1_000, 1_000, 100_000_000);
  const measuredNl = ctx.decimal('--measured-ul', o.measuredUl, 1_000, 1, 100_000_000);
  const s = await ctx.session('service');
  const r = await s.must(s.send('CAL', commandedNl, measuredNl), 'calibration');
  ctx.result({ flPerMicrostep: Number(r.fields['flPerMicrostep']), commandedNl, measuredNl }, `calibrated: one microstep is now ${nl(Number(r.fields['flPerMicrostep']))} (stored on the pump)`);
}

async function gravimetric(ctx: Context, o: CalibrateOptions & BalanceCliOptions): Promise<void> {
  const volumeNl = ctx.decimal('--volume-ul', o.volumeUl, 1_000, 1_000, 100_000_000);
  const rateNlPerH = ctx.decimal('--rate-ml-h', o.rateMlH, 1_000_000, 1_000, 100_000_000);
  const settleMs = ctx.decimal('--settle-min', o.settleMin, 60_000, 0, 24 * 3_600_000);
  const temperatureC = temperature(ctx, o.temperatureC);
  const evap = evaporation(ctx, o.evaporationMgMin);
  const dir = runDir(o.out, 'calibration');

  const { ac, scheduler } = runTime(ctx);
  // The service session may program and resume too: one login for the whole procedure.
  const s = await ctx.session('service');
  const beforeFl = Number((await retrying(() => s.query('INFO'))).fields['flPerMicrostep']);
  if (!(beforeFl > 0)) throw cliError('INCOMPATIBLE', 'INFO gave no flPerMicrostep: cannot tell the microsteps commanded');
  const { balance, port } = await openBalance(ctx, o, scheduler);
  const pump = new SessionPump(s, (why) => ac.abort(why));
  ctx.note(`pumpctl: delivering ${o.volumeUl} µL at ${o.rateMlH} mL/h, then ${o.settleMin} min for the line to empty, then weighing`);
  const rec = await runCalibration(
    { pump, balance, scheduler },
    { volumeNl, rateNlPerH, nlPerMicrostepInUse: beforeFl / 1e6, settleMs, temperatureC, ...(evap !== undefined && { evaporationMgPerMin: evap }) },
  ).finally(() => port.close());
  if (pump.lost) throw pump.lost;
  const measuredNl = Math.round(rec.volumeNl);
  let afterFl: number | null = null;
  if (!o.dryRun) {
    // CAL scales the factor by measured / commanded: the same ratio runCalibration computed.
    const r = await pump.signed('storing the calibration', 'CAL', rec.commandedNl, measuredNl);
    afterFl = Number(r.fields['flPerMicrostep']);
  }
  const stored = { ...rec, flPerMicrostepBefore: beforeFl, flPerMicrostepAfter: afterFl, stored: afterFl !== null };
  const files = writing(dir, () => writeProcedureRun(dir, stored, calibrationReport(rec)));
  ctx.result(
    { dir, files, ...stored },
    [
      `weighed ${rec.massMg.toFixed(2)} mg = ${measuredNl} nl for ${rec.commandedNl} nl commanded (${rec.microsteps.toFixed(0)} microsteps)`,
      afterFl === null
        ? `dry run: one microstep would go from ${nl(beforeFl)} to ${rec.nlPerMicrostepText} nl (${rec.changePct >= 0 ? '+' : ''}${rec.changePct.toFixed(2)} %); nothing stored`
        : `calibrated: one microstep ${nl(beforeFl)} -> ${nl(afterFl)} (${rec.changePct >= 0 ? '+' : ''}${rec.changePct.toFixed(2)} %), stored on the pump`,
      `written to ${dir}: ${files.join(', ')}`,
    ].join('\n'),
  );
}

export const registerCalibrate: Register = (program, act) => {
  balanceOptions(program.command('calibrate').description('store a calibration: from a measured volume for a commanded one, or weighed with --balance (service key; delivery paused)'), false)
    .option('--commanded-ul <uL>', 'by hand: volume the pump was commanded to deliver, µL')
    .option('--measured-ul <uL>', 'by hand: volume measured, µL')
    .option('--volume-ul <uL>', 'with --balance: volume to deliver and weigh', '1000')
    .option('--rate-ml-h <mL/h>', 'with --balance: rate to deliver it at', '6')
    .option('--settle-min <min>', 'with --balance: wait for the line to empty before weighing', '5')
    .option('--temperature-c <C>', 'with --balance: water temperature, for the density', '20')
    .option('--evaporation-mg-min <mg/min>', 'with --balance: evaporation from a blank run, added back')
    .option('--dry-run', 'with --balance: weigh and show the factor, but do not store it')
    .action(
      act(async (ctx: Context, o: CalibrateOptions) => {
        if (o.balance === undefined) return manual(ctx, o);
        if (o.commandedUl !== undefined || o.measuredUl !== undefined)
          throw cliError('USAGE', '--commanded-ul and --measured-ul are for a calibration by hand; with --balance the pump counts and the balance weighs');
        return gravimetric(ctx, o as CalibrateOptions & BalanceCliOptions);
      }),
    );
};
