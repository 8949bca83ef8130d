// pumpctl status (once, or --watch live with events and alarms highlighted), info and alarms:
// the read-only views. None needs a key.

import type { Command } from 'commander';
import type { EventLine } from '../../protocol/codec';
import type { Context } from '../context';
import { clockTime, duration, ml, rate, table } from '../format';
import { retrying } from '../session';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

export interface StatusView {
  readonly state: string;
  readonly rateNlPerDay: number;
  readonly deliveredNl: number;
  readonly reservoirNl: number;
  readonly todayNl: number;
  readonly alarms: number[];
  readonly nextChangeInMs: number | null;
  readonly emptyInMs: number | null;
  readonly session: string;
  /** Seconds AUTH stays locked after failed attempts (0: not locked). */
  readonly authLockS: number;
}

export function statusView(f: Record<string, string>): StatusView {
  const now = Number(f['now'] ?? 0);
  const at = (v: string | undefined): number | null => (v === undefined || !/^[0-9]+$/.test(v) ? null : Math.max(0, Number(v) - now));
  return {
    state: f['state'] ?? '?',
    rateNlPerDay: Number(f['rate'] ?? 0),
    deliveredNl: Number(f['delivered'] ?? 0),
    reservoirNl: Number(f['reservoir'] ?? 0),
    todayNl: Number(f['today'] ?? 0),
    alarms: f['alarms'] && f['alarms'] !== 'none' ? f['alarms'].split(',').map(Number) : [],
    nextChangeInMs: at(f['next']),
    emptyInMs: at(f['empty']),
    session: f['session'] ?? 'none',
    authLockS: Number(f['authlock'] ?? 0),
  };
}

/** The next change of the basal rate (the NEXT query): in how long, the rate, the clock time. */
export interface NextBasalView {
  readonly inMs: number;
  readonly rateNlPerDay: number;
  /** The time of day it falls at (ms after midnight, the pump's clock). */
  readonly clockMs: number;
}

/** From NEXT's fields; null when none is due, or from firmware without NEXT (its ERR has no at=). */
export function nextBasalView(f: Record<string, string>): NextBasalView | null {
  const at = f['at'];
  if (at === undefined || !/^[0-9]+$/.test(at)) return null;
  const inMs = Math.max(0, Number(at) - Number(f['now'] ?? 0));
  return { inMs, rateNlPerDay: Number(f['rate'] ?? 0), clockMs: (Number(f['tod'] ?? 0) + inMs) % 86_400_000 };
}

/** "2.4 mL/day from 22:00 (in 3 h)": the next basal change as status and the dashboard show it. */
export function nextBasalText(nb: NextBasalView | null): string {
  return nb === null ? 'none scheduled' : `${rate(nb.rateNlPerDay)} from ${clockTime(nb.clockMs)} (in ${duration(nb.inMs)})`;
}

/** The running prescription in a word: what `status` shows of it (the RX query). */
export interface PrescriptionView {
  readonly name: string;
  readonly mode: string;
  readonly drug: string;
  readonly concentrationUgPerMl: number;
}

export function prescriptionView(f: Record<string, string>): PrescriptionView | null {
  if (!f['name'] || f['name'] === 'none') return null;
  return { name: f['name'], mode: f['mode'] ?? '?', drug: f['drug'] ?? '?', concentrationUgPerMl: Number(f['conc'] ?? 0) };
}

export interface AlarmView {
  readonly code: number;
  readonly name: string;
  readonly priority: string;
  readonly acknowledged: boolean;
}

export function alarmViews(f: Record<string, string>): AlarmView[] {
  const out: AlarmView[] = [];
  for (let i = 1; i <= Number(f['n'] ?? 0); i++) {
    const [code, name, priority, ack] = (f[`a${i}`] ?? '').split(':');
    out.push({ code: Number(code), name: name ?? '?', priority: priority ?? '?', acknowledged: ack === 'ack' });
  }
  return out;
}

function humanStatus(ctx: Context, s: StatusView, rx: PrescriptionView | null, nb: NextBasalView | null): string {
  const p = ctx.paint;
  const state = s.state === 'alarm' ? p.alarm(s.state) : s.state === 'running' ? p.good(s.state) : p.warn(s.state);
  return table([
    ['state', state],
    ['prescription', rx ? `"${rx.name}": ${rx.drug} at ${rx.concentrationUgPerMl} µg/mL, ${rx.mode} mode` : 'none'],
    ['rate', rate(s.rateNlPerDay)],
    ['delivered', `${ml(s.deliveredNl)} (today ${ml(s.todayNl)})`],
    ['reservoir', `${ml(s.reservoirNl)}${s.emptyInMs === null ? '' : `, empty in ${duration(s.emptyInMs)} at the most the prescription allows`}`],
    ['next change', s.nextChangeInMs === null ? 'none scheduled' : `in ${duration(s.nextChangeInMs)}`],
    ['next basal', nextBasalText(nb)],
    ['alarms', s.alarms.length ? p.alarm(s.alarms.map((c) => `A${c}`).join(', ')) : 'none'],
    ...(s.authLockS > 0 ? [['AUTH', p.warn(`locked for ${s.authLockS} s after failed attempts (the service button at the rig clears it)`)] as [string, string]] : []),
  ]);
}

function statusLine(ctx: Context, s: StatusView): string {
  const alarms = s.alarms.length ? ctx.paint.alarm(` ALARM ${s.alarms.map((c) => `A${c}`).join(',')}`) : '';
  const lock = s.authLockS > 0 ? ctx.paint.warn(` AUTH LOCKED ${s.authLockS}s`) : '';
  return `${s.state.padEnd(7)} ${rate(s.rateNlPerDay)}  delivered ${ml(s.deliveredNl)}  reservoir ${ml(s.reservoirNl)}${alarms}${lock}`;
}

function eventText(ctx: Context, e: EventLine): string {
  const fields = Object.entries(e.fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const text = `event ${e.seq} at ${duration(e.at)}: ${e.type} ${e.reason}${fields ? ` ${fields}` : ''}`;
  return e.type === 'alarm' || e.type === 'safe-state' ? ctx.paint.alarm(text) : text;
}

async function watch(ctx: Context, intervalMs: number, count: number | undefined): Promise<void> {
  const s = await ctx.session();
  let redraw = false;
  const clear = (): void => {
    if (redraw && ctx.io.isTty) ctx.io.stdout('\r\x1b[K');
    redraw = false;
  };
  s.onEvent((e) => {
    if (ctx.json) return ctx.io.stdout(`${JSON.stringify({ event: e })}\n`);
    clear();
    ctx.io.stdout(`${eventText(ctx, e)}\n`);
  });
  await retrying(() => s.query('SUB', 1));
  let generation = s.generation;
  let stop = false;
  void ctx.io.interrupted?.then(() => (stop = true));
  for (let i = 0; !stop && (count === undefined || i < count); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, intervalMs)); // the refresh interval
    const view = statusView((await retrying(() => s.query('STATUS'))).fields);
    // A board that restarted forgot the subscription: ask again.
    if (s.generation !== generation) {
      generation = s.generation;
      await retrying(() => s.query('SUB', 1));
    }
    if (ctx.json) ctx.io.stdout(`${JSON.stringify({ status: view })}\n`);
    else if (ctx.io.isTty) {
      clear();
      ctx.io.stdout(statusLine(ctx, view));
      redraw = true;
    } else ctx.io.stdout(`${statusLine(ctx, view)}\n`);
  }
  clear();
  await retrying(() => s.query('SUB', 0));
}

export const registerStatus: Register = (program: Command, act) => {
  program
    .command('status')
    .description('delivery state, the prescription (name, drug, concentration, mode), rate, delivered volume, reservoir, alarms (--watch: live, with events)')
    .option('--watch', 'keep showing status and events until Ctrl-C')
    .option('--interval <ms>', 'refresh interval with --watch', '1000')
    .option('--count <n>', 'with --watch: stop after n refreshes')
    .action(
      act(async (ctx, opts: { watch?: boolean; interval: string; count?: string }) => {
        if (opts.watch) return watch(ctx, ctx.int('--interval', opts.interval, 10, 3_600_000), opts.count === undefined ? undefined : ctx.int('--count', opts.count, 1, 1e9));
        const s = await ctx.session();
        const view = statusView((await retrying(() => s.query('STATUS'))).fields);
        const rx = prescriptionView((await retrying(() => s.query('RX'))).fields);
        const nb = nextBasalView((await retrying(() => s.query('NEXT'))).fields);
        ctx.result({ ...view, prescription: rx, nextBasal: nb }, humanStatus(ctx, view, rx, nb));
      }),
    );

  program
    .command('info')
    .description('firmware and protocol versions, mechanics and calibration, battery, reservoir, log extent')
    .action(
      act(async (ctx) => {
        const s = await ctx.session();
        const f = (await retrying(() => s.query('INFO'))).fields;
        ctx.result(
          f,
          table([
            ['firmware', `${f['fw']} (protocol ${f['proto']})`],
            ['syringe', `${f['syringe']}, bore ${Number(f['boreUm']) / 1000} mm, ${ml(Number(f['capacityNl']))}`],
            ['drive', `lead ${Number(f['leadUm']) / 1000} mm, ${f['stepsPerRev']} steps/rev × ${f['microsteps']} microsteps, at most ${f['maxStepHz']} microsteps/s`],
            ['microstep', `${(Number(f['flPerMicrostep']) / 1e6).toFixed(6)} nl ${f['calibrated'] === '1' ? '(calibrated)' : '(from the geometry, not calibrated)'}`],
            ['reservoir', `${ml(Number(f['reservoirNl']))}${f['drug'] && f['drug'] !== 'unknown' ? ` of ${f['drug']} at ${f['conc']} µg/mL` : ''} (low alarm at ${ml(Number(f['lowReservoirNl']))})`],
            ['battery', `${f['batteryPct']}%, replacement indicator in ${duration(Number(f['eriMs']))}`],
            ['uptime', duration(Number(f['uptimeMs']))],
            ['history', f['logFirst'] === 'none' ? 'no log' : `records ${f['logFirst']} to ${f['logLast']}`],
          ]),
        );
      }),
    );

  program
    .command('alarms')
    .description('active alarms, highest priority first')
    .option('--check', 'exit with status 13 when any alarm is active')
    .action(
      act(async (ctx, opts: { check?: boolean }) => {
        const s = await ctx.session();
        const list = alarmViews((await retrying(() => s.query('ALARMS'))).fields);
        const human =
          list.length === 0
            ? 'no active alarms'
            : list.map((a) => `${ctx.paint.alarm(`A${a.code} ${a.name}`)}  ${a.priority}  ${a.acknowledged ? 'acknowledged' : 'not acknowledged (pumpctl ack)'}`).join('\n');
        ctx.result({ alarms: list }, human);
        if (opts.check && list.length > 0) throw cliError('ALARMS_ACTIVE', `${list.length} alarm(s) active`);
      }),
    );
};
