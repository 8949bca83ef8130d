// pumpctl stop, resume, bolus, ack and refill: the commands that change delivery. A lost
// connection in the middle of one is never answered by sending it again blindly: the pump is
// asked what state it is in, and where that cannot tell (a bolus, a refill) pumpctl says the
// outcome is unknown instead of risking a second dose or a double-counted refill.

import type { EventLine } from '../../protocol/codec';
import { ml } from '../format';
import type { FullReply, PumpSession } from '../session';
import { BoardRestarted, retrying } from '../session';
import type { Register } from './register';
import type { AlarmView } from './status';
import { alarmViews, statusView } from './status';
import { cliError } from '../../errors/pumpctl';

const HOUR_MS = 3_600_000;

/** A state change: done once; after a reconnection, `settled` decides from the pump's status. */
export async function change(s: PumpSession, what: string, send: () => Promise<FullReply>, settled?: (state: string) => boolean): Promise<FullReply> {
  try {
    return await s.must(send(), what);
  } catch (e) {
    if (!(e instanceof BoardRestarted)) throw e;
    const state = statusView((await retrying(() => s.query('STATUS'))).fields).state;
    if (settled?.(state)) return { ok: true, seq: undefined, fields: { state }, code: undefined, message: '', line: '', lines: [] };
    throw cliError(
      'UNKNOWN_OUTCOME',
      `${what}: the connection was lost while the command was in flight and the board restarted (now ${state}); check \`pumpctl status\` and \`pumpctl log\` before repeating it`,
    );
  }
}

/**
 * What an acknowledgement did to one alarm, from the pump's own events: `cleared` (its cause is
 * gone), `persists` (its cause is still there: the alarm stays, acknowledged), `unknown` (a
 * momentary alarm such as an occlusion: cleared, but whether its cause is gone shows only once
 * delivery runs again, and the alarm comes back if it is not).
 */
export interface AckOutcome {
  readonly code: number;
  readonly alarm: string;
  readonly outcome: 'cleared' | 'persists' | 'unknown';
}

export function ackOutcomes(events: readonly EventLine[]): AckOutcome[] {
  const out = new Map<number, AckOutcome>();
  for (const e of events) {
    const code = Number(e.fields['code']);
    const alarm = e.fields['alarm'] ?? '?';
    if (e.type === 'alarm-ack') out.set(code, { code, alarm, outcome: e.fields['persists'] === '1' ? 'persists' : 'cleared' });
    else if (e.type === 'alarm-cleared' && e.reason === 'ALARM_ACKNOWLEDGED') out.set(code, { code, alarm, outcome: 'unknown' });
    // Raised again at once (a stall or fault line still active): the cause is still there.
    else if (e.type === 'alarm' && out.has(code)) out.set(code, { code, alarm, outcome: 'persists' });
  }
  return [...out.values()];
}

/** The text `ack` prints (the dashboard may say the same). */
export function ackText(cleared: number, outcomes: readonly AckOutcome[], left: readonly AlarmView[]): string {
  const lines = [`acknowledged ${cleared} alarm(s)`];
  for (const o of outcomes) {
    const id = `A${o.code} ${o.alarm}`;
    if (o.outcome === 'persists') lines.push(`${id}: its cause is still present: the alarm stays active until it is gone`);
    else if (o.outcome === 'unknown')
      lines.push(
        `${id}: cleared, but the pump cannot tell at rest whether its cause is gone: delivery resumes, and the alarm comes back if the cause is still there (watch with \`pumpctl status --watch\`)`,
      );
    else lines.push(`${id}: cleared, its cause is gone`);
  }
  const unsure = outcomes.some((o) => o.outcome === 'unknown');
  lines.push(left.length ? `still active: ${left.map((a) => `A${a.code} ${a.name}${a.acknowledged ? ' (acknowledged)' : ''}`).join(', ')}` : unsure ? 'no alarm active for now' : 'no alarms left');
  return lines.join('\n');
}

export const registerDelivery: Register = (program, act) => {
  program
    .command('stop')
    .description('pause delivery at once (needs no key: anyone at the pump may stop it)')
    .action(
      act(async (ctx) => {
        const s = await ctx.session();
        const r = await change(
          s,
          'stop',
          () => s.send('STOP'),
          (st) => st !== 'running',
        );
        ctx.result({ state: r.fields['state'] }, `delivery ${r.fields['state']}`);
      }),
    );

  program
    .command('resume')
    .description('resume delivery (clinician key; missed time is never caught up)')
    .action(
      act(async (ctx) => {
        const s = await ctx.session('clinician');
        const r = await change(
          s,
          'resume',
          () => s.send('RESUME'),
          (st) => st === 'running',
        );
        ctx.result({ state: r.fields['state'] }, 'delivery running');
      }),
    );

  program
    .command('bolus')
    .description('a patient bolus (patient key), or with --volume-ul a clinician bolus (clinician key)')
    .option('--volume-ul <uL>', 'clinician bolus volume in microlitres')
    .option('--minutes <min>', 'clinician bolus duration in minutes', '10')
    .option('--delay-min <min>', 'start the clinician bolus after this many minutes', '0')
    .action(
      act(async (ctx, o: { volumeUl?: string; minutes: string; delayMin: string }) => {
        if (o.volumeUl === undefined) {
          const s = await ctx.session('patient');
          const r = await change(s, 'patient bolus', () => s.send('BOLUS'));
          return ctx.result({ bolus: Number(r.fields['bolus']) }, `patient bolus #${r.fields['bolus']} started`);
        }
        const volumeNl = ctx.decimal('--volume-ul', o.volumeUl, 1_000, 1, 100_000_000);
        const durationMs = ctx.decimal('--minutes', o.minutes, 60_000, 1_000, 24 * HOUR_MS);
        const delayMs = ctx.decimal('--delay-min', o.delayMin, 60_000, 0, 24 * HOUR_MS);
        const s = await ctx.session('clinician');
        const r = await change(s, 'clinician bolus', () => s.send('CBOLUS', volumeNl, durationMs, delayMs));
        ctx.result(
          { bolus: Number(r.fields['bolus']), volumeNl, durationMs, delayMs },
          `clinician bolus #${r.fields['bolus']}: ${ml(volumeNl)} over ${o.minutes} min${delayMs ? `, starting in ${o.delayMin} min` : ''}`,
        );
      }),
    );

  program
    .command('ack')
    .description('acknowledge one alarm by its number (A10 or 10), or all of them (clinician key)')
    .argument('[alarm]', 'alarm number, for example A10')
    .action(
      act(async (ctx, alarm: string | undefined) => {
        const code = alarm === undefined ? undefined : ctx.int('alarm', alarm.replace(/^A/i, ''), 1, 99);
        const s = await ctx.session('clinician');
        // The pump says in its events whether each alarm's cause persists: mark where they start.
        const before = Number((await retrying(() => s.query('EVENTS', 2 ** 31))).fields['last'] ?? 0);
        let r: FullReply;
        try {
          r = await s.must(code === undefined ? s.send('ACK') : s.send('ACK', code), 'acknowledge');
        } catch (e) {
          if (!(e instanceof BoardRestarted)) throw e;
          // Acknowledging twice is harmless: an alarm acknowledged once stays so.
          r = await s.must(code === undefined ? s.send('ACK') : s.send('ACK', code), 'acknowledge');
        }
        const seen = s.eventMark;
        await retrying(() => s.query('EVENTS', before + 1));
        const outcomes = ackOutcomes(s.eventsAfter(seen).filter((e) => e.seq > before));
        const left = alarmViews((await retrying(() => s.query('ALARMS'))).fields);
        ctx.result({ cleared: Number(r.fields['cleared']), outcomes, active: left }, ackText(Number(r.fields['cleared']), outcomes, left));
      }),
    );

  program
    .command('refill')
    .description(
      'record a refill: residual volume removed, volume added, concentration and drug (clinician key); another drug or concentration than the running prescription needs `stop` first, then `program` for it',
    )
    .requiredOption('--removed-ml <mL>', 'residual volume taken out')
    .requiredOption('--added-ml <mL>', 'volume put in')
    .requiredOption('--conc <ug/mL>', 'concentration of what was put in, µg/mL')
    .option('--drug <name>', 'drug put in, as the library names it (default: the drug the reservoir held)')
    .action(
      act(async (ctx, o: { removedMl: string; addedMl: string; conc: string; drug?: string }) => {
        const removedNl = ctx.decimal('--removed-ml', o.removedMl, 1_000_000, 0, 100_000_000);
        const addedNl = ctx.decimal('--added-ml', o.addedMl, 1_000_000, 0, 100_000_000);
        const conc = ctx.int('--conc', o.conc, 1, 1_000_000);
        // The protocol carries a drug name as a word: 1 to 32 of a-z, 0-9, ".", "-".
        if (o.drug !== undefined && !/^[a-z0-9x.-]{1,32}$/.test(o.drug)) throw cliError('USAGE', `--drug "${o.drug}" must be the library's name, 1 to 32 of a-z, 0-9, ".", "-"`);
        const args = o.drug === undefined ? [removedNl, addedNl, conc] : [removedNl, addedNl, conc, o.drug];
        const s = await ctx.session('clinician');
        const r = await change(s, 'refill', () => s.send('REFILL', ...args));
        ctx.result({ reservoirNl: Number(r.fields['reservoir']) }, `refill recorded: reservoir ${ml(Number(r.fields['reservoir']))}${o.drug ? ` of ${o.drug}` : ''} at ${conc} µg/mL`);
      }),
    );
};
