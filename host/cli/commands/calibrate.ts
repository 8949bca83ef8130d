// pumpctl calibrate: enter the volume actually delivered (weighed or read off a graduated
// syringe) for a commanded volume; the pump scales its microstep volume and stores it.

import { type Register } from './register';

export const registerCalibrate: Register = (program, act) => {
  program
    .command('calibrate')
    .description('store a calibration from a measured volume for a commanded one (service key; delivery paused)')
    .requiredOption('--commanded-ul <uL>', 'volume the pump was commanded to deliver, µL')
    .requiredOption('--measured-ul <uL>', 'volume measured, µL')
    .action(
      act(async (ctx, o: { commandedUl: string; measuredUl: string }) => {
        const commandedNl = ctx.decimal('--commanded-ul', o.commandedUl, 1_000, 1_000, 100_000_000);
        const measuredNl = ctx.decimal('--measured-ul', o.measuredUl, 1_000, 1, 100_000_000);
        const s = await ctx.session('service');
        const r = await s.must(s.send('CAL', commandedNl, measuredNl), 'calibration');
        const nl = Number(r.fields['flPerMicrostep']) / 1e6;
        ctx.result({ flPerMicrostep: Number(r.fields['flPerMicrostep']), commandedNl, measuredNl }, `calibrated: one microstep is now ${nl.toFixed(6)} nl (stored on the pump)`);
      }),
    );
};
