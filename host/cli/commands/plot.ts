// pumpctl plot: delivered volume over time as an SVG or PNG chart, drawn without a browser,
// from the finest data the pump keeps: its event log to the second, held to its exact hourly
// totals, up to the pump's clock now; pauses and alarm stops marked (delivered-timeline.ts).

import { writeFileSync } from 'node:fs';
import { deliveredTimeline } from '../delivered-timeline';
import { downloadHistory } from '../history';
import { deliveredChart } from '../plot-chart';
import { retrying } from '../session';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

export const registerPlot: Register = (program, act) => {
  program
    .command('plot')
    .description('chart of delivered volume over time from the event log (pauses and alarms marked), as .svg or .png')
    .requiredOption('--out <file>', 'chart file: .svg or .png')
    .action(
      act(async (ctx, o: { out: string }) => {
        const format = /\.png$/i.test(o.out) ? 'png' : /\.svg$/i.test(o.out) ? 'svg' : undefined;
        if (!format) throw cliError('USAGE', `--out must end in .svg or .png (got ${o.out})`);
        const s = await ctx.session();
        const records = await downloadHistory(s, { progress: ctx.progress('downloading history') });
        const nowS = Math.floor(Number((await retrying(() => s.query('STATUS'))).fields['now'] ?? 0) / 1000);
        const t = deliveredTimeline(records, nowS);
        const info = (await retrying(() => s.query('INFO'))).fields;
        const bytes = deliveredChart(t, format, `Delivered volume (${info['syringe'] ?? 'pump'})`);
        try {
          writeFileSync(o.out, bytes);
        } catch (e) {
          throw cliError('FILE_UNREADABLE', `cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        const deliveredMl = (t.points[t.points.length - 1]?.[1] ?? 0) / 1e6;
        const hours = t.endS / 3600;
        const paused = t.stops.filter((x) => x.kind === 'paused').length;
        const alarmStops = t.stops.filter((x) => x.kind === 'alarm').length;
        ctx.result(
          { file: o.out, hours, deliveredMl, records: records.length, stops: t.stops, alarms: t.alarms, boluses: t.boluses.length },
          `wrote ${o.out}: ${hours.toFixed(2)} h since boot from ${records.length} log records, ${deliveredMl.toFixed(3)} mL delivered; marked ${paused} pause(s), ${alarmStops} alarm stop(s), ${t.alarms.length} alarm(s), ${t.boluses.length} bolus(es)`,
        );
      }),
    );
};
