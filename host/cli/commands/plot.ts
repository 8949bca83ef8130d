// pumpctl plot: delivered volume over time (from the pump's hourly totals) as an SVG or PNG
// chart, drawn without a browser.

import { writeFileSync } from 'node:fs';
import { CliError } from '../errors';
import { deliveredSeries, downloadHistory } from '../history';
import { deliveredChart } from '../plot-chart';
import { type Register } from './register';

export const registerPlot: Register = (program, act) => {
  program
    .command('plot')
    .description('chart of delivered volume over time from the hourly totals, as .svg or .png')
    .requiredOption('--out <file>', 'chart file: .svg or .png')
    .action(
      act(async (ctx, o: { out: string }) => {
        const format = /\.png$/i.test(o.out) ? 'png' : /\.svg$/i.test(o.out) ? 'svg' : undefined;
        if (!format) throw new CliError('USAGE', `--out must end in .svg or .png (got ${o.out})`);
        const s = await ctx.session();
        const records = await downloadHistory(s, { progress: ctx.progress('downloading history') });
        const series = deliveredSeries(records);
        const info = (await s.query('INFO')).fields;
        const bytes = deliveredChart(series, format, `Delivered volume (${info['syringe'] ?? 'pump'})`);
        try {
          writeFileSync(o.out, bytes);
        } catch (e) {
          throw new CliError('FILE_UNREADABLE', `cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        const hours = series.hours.length - 1; // logged clock hours
        ctx.result({ file: o.out, hours, deliveredMl: series.ml[series.ml.length - 1] ?? 0 }, `wrote ${o.out}: ${hours} hour(s), ${(series.ml[series.ml.length - 1] ?? 0).toFixed(3)} mL delivered`);
      }),
    );
};
