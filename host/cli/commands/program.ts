// pumpctl program FILE: validate locally, read the running prescription, stage the new one,
// show what changes and the pump's warnings, ask, and only then commit by its CRC-32. A
// connection lost on the way restarts staging from scratch (the pump forgets a staged program
// when it restarts); one lost during COMMIT is settled by reading back the running program's
// CRC, so the program is committed exactly once and never by mistake.

import { decodeBase64 } from '../../../firmware/protocol/args';
import { crc32Hex } from '../../../firmware/shared/crc';
import { jsonBytes, parseJsonBytes } from '../../../firmware/storage/records';
import { type Context } from '../context';
import { type Change, diffPrescriptions } from '../diff';
import { CliError } from '../errors';
import { loadPrescriptionFile } from '../prescription-file';
import { BoardRestarted, type PumpSession, retrying } from '../session';
import { stagingFrames } from '../../protocol/client';
import { type Register } from './register';

/** The running prescription as the pump stores it (undefined when none), and its CRC-32. */
export async function readRunning(s: PumpSession): Promise<{ value: unknown; crc32: string } | undefined> {
  const parts: number[] = [];
  for (;;) {
    const r = await s.query('RXDATA', parts.length);
    if (!r.ok && r.code === 400) return undefined;
    if (!r.ok) throw new CliError('PUMP_REFUSED', `reading the running prescription: E${r.code} ${r.message}`, r.code);
    const data = r.fields['data'];
    if (data === '-' || data === undefined) {
      const bytes = Uint8Array.from(parts);
      if (crc32Hex(bytes) !== r.fields['crc32']) throw new CliError('GARBLED', 'the running prescription read back with a wrong CRC-32: try again');
      const json = parseJsonBytes(bytes);
      if (!json.ok) throw new CliError('GARBLED', 'the running prescription read back as invalid JSON');
      return { value: json.value, crc32: r.fields['crc32']! };
    }
    const chunk = decodeBase64(data);
    if (!chunk || chunk.length === 0) throw new CliError('GARBLED', `RXDATA sent a bad chunk at offset ${parts.length}`);
    parts.push(...chunk);
  }
}

export interface Staged {
  readonly crc32: string;
  readonly warnings: string[];
  readonly pumpDiff: string;
}

/** STAGE, CHUNKs and SHOW: the pump's check of what would run (its warnings and its own diff). */
export async function stage(s: PumpSession, input: unknown): Promise<Staged> {
  const { crc32, frames } = stagingFrames(input);
  for (const [command, ...args] of frames) await s.must(s.send(command, ...args), `staging (${command}${command === 'CHUNK' ? ` at ${args[0]}` : ''})`);
  const show = await s.must(s.send('SHOW'), 'checking the staged prescription');
  const warnings: string[] = [];
  for (let i = 1; i <= Number(show.fields['warnings'] ?? 0); i++) warnings.push(show.fields[`w${i}`] ?? '');
  return { crc32, warnings, pumpDiff: show.fields['diff'] ?? '' };
}

function describe(changes: readonly Change[]): string {
  if (changes.length === 0) return '  (no change from the running prescription)';
  return changes.map((c) => `  ${c.field}: ${c.from ?? '(none)'} -> ${c.to ?? '(removed)'}`).join('\n');
}

export const registerProgram: Register = (program, act) => {
  program
    .command('program')
    .description('program a prescription from a JSON or YAML file (clinician key): shows the changes, asks, commits')
    .argument('<file>', 'prescription, .json or .yaml')
    .option('-y, --yes', 'commit without asking')
    .option('--soft', 'override soft drug-library limits (the warnings are still shown)')
    .option('--big', 'confirm an increase of ten times or more')
    .option('--dry-run', 'validate, stage and show the changes, but do not commit')
    .action(
      act(async (ctx: Context, file: string, o: { yes?: boolean; soft?: boolean; big?: boolean; dryRun?: boolean }) => {
        const local = loadPrescriptionFile(file);
        const s = await ctx.session('clinician');
        const want = crc32Hex(jsonBytes(local.input));
        for (let attempt = 1; ; attempt++) {
          try {
            const running = await readRunning(s);
            const changes = diffPrescriptions(running?.value, local.prescription);
            const staged = await stage(s, local.input);
            if (!ctx.json) {
              ctx.say(`${running ? 'Changes from the running prescription' : 'No prescription is running; the new one'}:\n${describe(changes)}`);
              for (const w of staged.warnings) ctx.say(ctx.paint.warn(`warning: ${w}`));
            }
            if (o.dryRun) return ctx.result({ committed: false, crc32: staged.crc32, changes, warnings: staged.warnings }, 'dry run: staged and checked, not committed');
            if (!o.yes) {
              if (!ctx.io.confirm) throw new CliError('DECLINED', 'not committed: there is no terminal to confirm on (add --yes to commit without asking)');
              if (!(await ctx.io.confirm(`Commit "${local.prescription.name}" (CRC-32 ${staged.crc32})?`))) throw new CliError('DECLINED', 'not committed: the running prescription is unchanged');
            }
            const flags = [...(o.soft ? ['soft=1'] : []), ...(o.big ? ['big=1'] : [])];
            let committed: boolean;
            try {
              const r = await s.send('COMMIT', staged.crc32, ...flags);
              if (!r.ok) throw new CliError('PUMP_REFUSED', `commit: E${r.code} ${r.message}`, r.code);
              committed = true;
            } catch (e) {
              if (!(e instanceof BoardRestarted)) throw e;
              // Did the COMMIT land before the connection went? The running CRC says.
              committed = (await retrying(() => readRunning(s)))?.crc32 === crc32Hex(jsonBytes(local.prescription));
              if (!committed) throw e;
            }
            return ctx.result({ committed, crc32: staged.crc32, name: local.prescription.name, changes, warnings: staged.warnings }, `committed "${local.prescription.name}" (CRC-32 ${staged.crc32}); delivery follows it now`);
          } catch (e) {
            if (!(e instanceof BoardRestarted) || attempt >= 3) throw e;
            ctx.note(`pumpctl: the board restarted while programming: staging ${file} again from the start (CRC-32 ${want})`);
          }
        }
      }),
    );
};
