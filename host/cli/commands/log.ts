// pumpctl log: the pump's history (events, hourly totals, notes) as a table or CSV, downloaded
// a page at a time with a progress bar; to a file with --out.

import { writeFileSync } from 'node:fs';
import { downloadHistory, historyCsv, historyTable } from '../history';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

export const registerLog: Register = (program, act) => {
  program
    .command('log')
    .description('history: events, hourly delivered totals and notes (table, or --csv)')
    .option('--from <seq>', 'start at this record number')
    .option('--last <n>', 'only the newest n records')
    .option('--csv', 'comma-separated values')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      act(async (ctx, o: { from?: string; last?: string; csv?: boolean; out?: string }) => {
        const s = await ctx.session();
        let from = o.from === undefined ? undefined : ctx.int('--from', o.from, 0, 2 ** 31);
        if (o.last !== undefined) {
          const n = ctx.int('--last', o.last, 1, 1_000_000);
          const info = (await s.query('INFO')).fields;
          if (info['logLast'] !== 'none') from = Math.max(Number(info['logFirst']), Number(info['logLast']) - n + 1);
        }
        const records = await downloadHistory(s, { ...(from !== undefined && { from }), progress: ctx.progress('downloading history') });
        const text = ctx.json ? `${JSON.stringify({ records })}\n` : o.csv ? historyCsv(records) : `${historyTable(records)}\n`;
        if (o.out) {
          try {
            writeFileSync(o.out, text);
          } catch (e) {
            throw cliError('FILE_UNREADABLE', `cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          }
          ctx.note(`wrote ${records.length} records to ${o.out}`);
        } else ctx.io.stdout(text);
      }),
    );
};
