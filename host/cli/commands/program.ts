// pumpctl program FILE: validate locally, read the running prescription, stage the new one,
// show what changes, the pump's warnings and what it will want confirmed (--soft, --big: a
// refusal it announces stops here, before any question), ask, and only then commit by its
// CRC-32. A connection lost on the way restarts staging from scratch (the pump forgets a staged
// program when it restarts); one lost during COMMIT is settled by reading back the running program's
// CRC, so the program is committed exactly once and never by mistake.

import { decodeBase64 } from '../../../firmware/protocol/args';
import { crc32Hex } from '../../../firmware/shared/crc';
import { jsonBytes, parseJsonBytes } from '../../../firmware/storage/records';
import type { Context } from '../context';
import type { Change } from '../diff';
import { diffPrescriptions } from '../diff';
import { loadPrescriptionFile } from '../prescription-file';
import type { PumpSession } from '../session';
import { BoardRestarted, retrying } from '../session';
import { stagingFrames } from '../../protocol/client';
import type { Register } from './register';
import type { HostError } from '../../errors';
import { cliError } from '../../errors/pumpctl';

/** The running prescription as the pump stores it (undefined when none), and its CRC-32. */
export async function readRunning(s: PumpSession): Promise<{ value: unknown; crc32: string } | undefined> {
  const parts: number[] = [];
  for (;;) {
    const r = await s.query('RXDATA', parts.length);
    if (!r.ok && r.code === 400) return undefined;
    if (!r.ok) throw cliError('PUMP_REFUSED', `reading the running prescription: E${r.code} ${r.message}`, r.code);
    const data = r.fields['data'];
    if (data === '-' || data === undefined) {
      const bytes = Uint8Array.from(parts);
      if (crc32Hex(bytes) !== r.fields['crc32']) throw cliError('GARBLED', 'the running prescription read back with a wrong CRC-32: try again');
      const json = parseJsonBytes(bytes);
      if (!json.ok) throw cliError('GARBLED', 'the running prescription read back as invalid JSON');
      return { value: json.value, crc32: r.fields['crc32']! };
    }
    const chunk = decodeBase64(data);
    if (!chunk || chunk.length === 0) throw cliError('GARBLED', `RXDATA sent a bad chunk at offset ${parts.length}`);
    parts.push(...chunk);
  }
}

export interface Staged {
  readonly crc32: string;
  readonly warnings: string[];
  readonly pumpDiff: string;
  /**
   * The pump's verdict on COMMIT: which confirmations it will want (soft=1, big=1, with its
   * E124 text). Undefined from firmware that does not say (before SHOW reported `needs`).
   */
  readonly needs: { readonly soft: boolean; readonly big: string | undefined } | undefined;
}

/** A reply field's text as the pump meant it (fields carry "_" for spaces). */
const spaced = (v: string): string => v.replace(/_/g, ' ');

/** STAGE, CHUNKs and SHOW: the pump's check of what would run (its warnings and its own diff). */
export async function stage(s: PumpSession, input: unknown): Promise<Staged> {
  const { crc32, frames } = stagingFrames(input);
  for (const [command, ...args] of frames) await s.must(s.send(command, ...args), `staging (${command}${command === 'CHUNK' ? ` at ${args[0]}` : ''})`);
  const show = await s.must(s.send('SHOW'), 'checking the staged prescription');
  const warnings: string[] = [];
  for (let i = 1; i <= Number(show.fields['warnings'] ?? 0); i++) warnings.push(spaced(show.fields[`w${i}`] ?? ''));
  const needs = show.fields['needs']?.split(',');
  return {
    crc32,
    warnings,
    pumpDiff: show.fields['diff'] ?? '',
    needs: needs === undefined ? undefined : { soft: needs.includes('soft'), big: needs.includes('big') ? spaced(show.fields['big'] ?? 'a ten-fold increase') : undefined },
  };
}

/**
 * What COMMIT would refuse without the flags given, said before anyone is asked to confirm:
 * the pump's own code and words, and the option that confirms it.
 */
export function missingConfirmation(staged: Staged, o: { soft?: boolean; big?: boolean }): HostError | undefined {
  const n = staged.needs;
  if (!n) return undefined;
  const wants: string[] = [];
  if (n.soft && !o.soft) wants.push('E123 SOFT_LIMIT: the prescription passes a soft limit of the drug library (the warning above); if it is intended, add --soft');
  if (n.big !== undefined && !o.big) wants.push(`E124 LARGE_INCREASE: ${n.big}; check the decimal point, and if it is intended, add --big to confirm the ten-fold change`);
  if (wants.length === 0) return undefined;
  return cliError('PUMP_REFUSED', `the pump would refuse to commit this (nothing was committed): ${wants.join('; and ')}`, n.big !== undefined && !o.big ? 124 : 123);
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
    .option('--dry-run', "validate, stage and show the changes and the pump's verdict (exit 9 if it would refuse), but do not commit")
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
              if (staged.needs?.soft && o.soft) ctx.say('soft limits overridden (--soft): the pump accepts the warning above');
              if (staged.needs?.big !== undefined && o.big) ctx.say(ctx.paint.warn(`ten-fold increase confirmed (--big): ${staged.needs.big}`));
            }
            // The pump's verdict before the question: never ask for a yes it would refuse.
            const missing = missingConfirmation(staged, o);
            if (missing) throw missing;
            const needs = staged.needs === undefined ? undefined : [...(staged.needs.soft ? ['soft'] : []), ...(staged.needs.big !== undefined ? ['big'] : [])];
            if (o.dryRun)
              return ctx.result(
                { committed: false, crc32: staged.crc32, changes, warnings: staged.warnings, needs },
                `dry run: staged and checked, not committed; the pump ${staged.needs === undefined ? 'did not say whether it would accept it (older firmware)' : 'would accept it with these options'}`,
              );
            if (!o.yes) {
              if (!ctx.io.confirm) throw cliError('DECLINED', 'not committed: there is no terminal to confirm on (add --yes to commit without asking)');
              if (!(await ctx.io.confirm(`Commit "${local.prescription.name}" (CRC-32 ${staged.crc32})?`))) throw cliError('DECLINED', 'not committed: the running prescription is unchanged');
            }
            const flags = [...(o.soft ? ['soft=1'] : []), ...(o.big ? ['big=1'] : [])];
            let committed: boolean;
            try {
              const r = await s.send('COMMIT', staged.crc32, ...flags);
              if (!r.ok) throw cliError('PUMP_REFUSED', `commit: E${r.code} ${r.message}`, r.code);
              committed = true;
            } catch (e) {
              if (!(e instanceof BoardRestarted)) throw e;
              // Did the COMMIT land before the connection went? The running CRC says.
              committed = (await retrying(() => readRunning(s)))?.crc32 === crc32Hex(jsonBytes(local.prescription));
              if (!committed) throw e;
            }
            return ctx.result(
              { committed, crc32: staged.crc32, name: local.prescription.name, changes, warnings: staged.warnings },
              `committed "${local.prescription.name}" (CRC-32 ${staged.crc32}); delivery follows it now`,
            );
          } catch (e) {
            if (!(e instanceof BoardRestarted) || attempt >= 3) throw e;
            ctx.note(`pumpctl: the board restarted while programming: staging ${file} again from the start (CRC-32 ${want})`);
          }
        }
      }),
    );
};
