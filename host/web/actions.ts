// What the dashboard's buttons do, with pumpctl's own checks and words: the values are checked
// by pumpctl's Context (the same ranges and messages as the options), the state changes go
// through delivery.ts's `change` (a lost connection is settled from the pump's status, never by
// sending a bolus twice), programming is program.ts's read-running / stage / SHOW and an
// explicit COMMIT by CRC-32, and the prescription is read by pumpctl's reader. The role a
// command needs is chosen here: the page never names one.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Analysis } from '../accuracy/gravimetric';
import { startupChart, trumpetChart } from '../accuracy/charts';
import { renderSvg } from '../chart/index';
import { ackOutcomes, ackText, change } from '../cli/commands/delivery';
import { readRunning, stage } from '../cli/commands/program';
import { alarmViews } from '../cli/commands/status';
import { Context } from '../cli/context';
import { diffPrescriptions } from '../cli/diff';
import { ml } from '../cli/format';
import type { HistoryRecord } from '../cli/history';
import { downloadHistory, historyCsv } from '../cli/history';
import { parsePrescriptionText } from '../cli/prescription-file';
import type { PumpSession } from '../cli/session';
import { retrying } from '../cli/session';
import type { PumpBridge } from './bridge';
import type { AccuracyView, CheckResult, HistoryRow, PageMessage } from './messages';
import { cliError } from '../errors/pumpctl';

const HOUR_MS = 3_600_000;
/** The fastest pace the page may ask for: a day of board time each second. */
export const MAX_SPEED = 86_400;
/** Rows the history table shows (the newest); the CSV has every record that matches. */
const TABLE_ROWS = 2_000;

export interface PendingProgram {
  readonly crc32: string;
  readonly name: string;
}

/** pumpctl's value checks, without a port or a terminal: the same ranges, the same messages. */
const checks = new Context({ baud: '115200', timeout: '3000', reconnect: '0', timeScale: '1' }, { stdout: () => undefined, stderr: () => undefined, env: {}, isTty: false });

export async function handleRequest(b: PumpBridge, m: PageMessage): Promise<{ text: string; data?: unknown }> {
  switch (m.action) {
    case 'stop':
      return b.withSession(async (s) => {
        // STOP needs no key: anyone at the pump may stop it.
        const r = await change(
          s,
          'stop',
          () => s.send('STOP'),
          (st) => st !== 'running',
        );
        return { text: `delivery ${r.fields['state']}` };
      });
    case 'resume':
      return clinician(b, async (s) => {
        await change(
          s,
          'resume',
          () => s.send('RESUME'),
          (st) => st === 'running',
        );
        return { text: 'delivery running' };
      });
    case 'bolus':
      return b.withSession(async (s) => {
        await b.ensureRole(s, 'patient');
        const r = await change(s, 'patient bolus', () => s.send('BOLUS'));
        return { text: `patient bolus #${r.fields['bolus']} started` };
      });
    case 'cbolus': {
      const volumeNl = checks.decimal('Volume (µL)', m.volumeUl.trim(), 1_000, 1, 100_000_000);
      const durationMs = checks.decimal('Duration (min)', m.minutes.trim(), 60_000, 1_000, 24 * HOUR_MS);
      const delayMs = checks.decimal('Delay (min)', m.delayMin.trim() || '0', 60_000, 0, 24 * HOUR_MS);
      return clinician(b, async (s) => {
        const r = await change(s, 'clinician bolus', () => s.send('CBOLUS', volumeNl, durationMs, delayMs));
        return { text: `clinician bolus #${r.fields['bolus']}: ${ml(volumeNl)} over ${m.minutes.trim()} min${delayMs ? `, starting in ${m.delayMin.trim()} min` : ''}` };
      });
    }
    case 'ack': {
      const code = m.alarm === undefined || m.alarm === '' ? undefined : checks.int('alarm', m.alarm.replace(/^A/i, ''), 1, 99);
      return clinician(b, async (s) => {
        // As pumpctl ack: the pump's events after the ACK say whether each alarm's cause persists.
        // (Acknowledging twice is harmless: no settling needed.)
        const before = Number((await retrying(() => s.query('EVENTS', 2 ** 31))).fields['last'] ?? 0);
        const seen = s.eventMark;
        const r = await s.must(code === undefined ? s.send('ACK') : s.send('ACK', code), 'acknowledge');
        await retrying(() => s.query('EVENTS', before + 1));
        const outcomes = ackOutcomes(s.eventsAfter(seen).filter((e) => e.seq > before));
        const left = alarmViews((await retrying(() => s.query('ALARMS'))).fields);
        return { text: ackText(Number(r.fields['cleared']), outcomes, left) };
      });
    }
    case 'refill': {
      const removedNl = checks.decimal('Removed (mL)', m.removedMl.trim(), 1_000_000, 0, 100_000_000);
      const addedNl = checks.decimal('Added (mL)', m.addedMl.trim(), 1_000_000, 0, 100_000_000);
      const conc = checks.int('Concentration (µg/mL)', m.conc.trim(), 1, 1_000_000);
      const drug = m.drug?.trim() || undefined;
      if (drug !== undefined && !/^[a-z0-9x.-]{1,32}$/.test(drug)) throw cliError('USAGE', `drug "${drug}" must be the library's name, 1 to 32 of a-z, 0-9, ".", "-"`);
      const args = drug === undefined ? [removedNl, addedNl, conc] : [removedNl, addedNl, conc, drug];
      return clinician(b, async (s) => {
        const r = await change(s, 'refill', () => s.send('REFILL', ...args));
        b.markRxStale();
        return { text: `refill recorded: reservoir ${ml(Number(r.fields['reservoir']))}${drug ? ` of ${drug}` : ''} at ${conc} µg/mL` };
      });
    }
    case 'check':
      return check(b, m.fileName, m.text);
    case 'commit':
      return commit(b, m.crc32, m.soft, m.big);
    case 'history':
    case 'csv':
      return history(b, m.action, m.type, m.text);
    case 'accuracy':
      return { text: 'run folder read', data: readAccuracyFolder(m.folder) };
    case 'fault': {
      const v = b.o.virtual;
      if (!v) throw cliError('USAGE', 'fault buttons work on the virtual board only (npm start)');
      return { text: v.fault(m.fault) };
    }
    case 'advance': {
      const v = b.o.virtual;
      if (!v?.advance) throw cliError('USAGE', 'the clock can be moved only on a virtual board started with --clock manual');
      return { text: await v.advance(m.duration) };
    }
    case 'speed': {
      const v = b.o.virtual;
      if (!v?.setSpeed)
        throw cliError(
          'USAGE',
          v ? 'the speed cannot be set on a manual clock (--clock manual): board time moves with the time buttons' : 'the speed can be set on the virtual board only (npm start)',
        );
      const speed = checks.decimal('Speed', m.speed.trim(), 1_000, 0, MAX_SPEED * 1_000) / 1_000;
      const text = await v.setSpeed(speed);
      b.virtualChanged();
      return { text };
    }
  }
}

function clinician<T>(b: PumpBridge, fn: (s: PumpSession) => Promise<T>): Promise<T> {
  return b.withSession(async (s) => {
    await b.ensureRole(s, 'clinician');
    return fn(s);
  });
}

/** pumpctl program up to its question: validate locally, diff against the running one, stage and SHOW. */
async function check(b: PumpBridge, fileName: string, text: string): Promise<{ text: string; data: CheckResult }> {
  const name = fileName.replace(/[^\w.-]/g, '_').slice(0, 100) || 'prescription.json';
  const local = parsePrescriptionText(text, name);
  return clinician(b, async (s) => {
    b.pending = undefined;
    const running = await readRunning(s);
    const changes = diffPrescriptions(running?.value, local.prescription);
    const staged = await stage(s, local.input);
    b.pending = { crc32: staged.crc32, name: local.prescription.name };
    const data: CheckResult = { name: local.prescription.name, crc32: staged.crc32, running: running !== undefined, changes, warnings: staged.warnings };
    return { text: `staged and checked "${local.prescription.name}" (CRC-32 ${staged.crc32}): not committed yet`, data };
  });
}

/** The COMMIT of what was checked, by its CRC-32; the pump's refusal (E123, E124) comes back in its own words. */
async function commit(b: PumpBridge, crc32: string, soft: boolean, big: boolean): Promise<{ text: string }> {
  return clinician(b, async (s) => {
    const p = b.pending;
    if (!p || p.crc32 !== crc32) throw cliError('DECLINED', 'not committed: nothing with that CRC-32 is staged (check the prescription again)');
    const flags = [...(soft ? ['soft=1'] : []), ...(big ? ['big=1'] : [])];
    const r = await s.send('COMMIT', crc32, ...flags);
    if (!r.ok) throw cliError('PUMP_REFUSED', `commit: E${r.code} ${r.message}`, r.code);
    b.pending = undefined;
    b.markRxStale();
    return { text: `committed "${p.name}" (CRC-32 ${crc32}); delivery follows it now` };
  });
}

async function history(b: PumpBridge, what: 'history' | 'csv', type: string | undefined, text: string | undefined): Promise<{ text: string; data: unknown }> {
  const records = await b.withSession(async (s) => {
    let from: number | undefined;
    if (what === 'history') {
      const info = (await retrying(() => s.query('INFO'))).fields;
      if (info['logLast'] !== 'none') from = Math.max(Number(info['logFirst']), Number(info['logLast']) - TABLE_ROWS + 1);
    }
    return downloadHistory(s, from === undefined ? {} : { from });
  });
  const needle = (text ?? '').trim().toLowerCase();
  const picked = records.filter((r) => (!type || r.type === type) && (needle === '' || rowText(r).toLowerCase().includes(needle)));
  if (what === 'csv') return { text: `${picked.length} records`, data: historyCsv(picked) };
  const rows: HistoryRow[] = picked.map((r) => ({ seq: r.seq, timeS: r.timeS, type: r.type, reason: r.reason, details: details(r) }));
  return { text: `${rows.length} records`, data: { rows, types: [...new Set(records.map((r) => r.type))].sort() } };
}

const details = (r: HistoryRecord): string =>
  Object.entries(r.fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
const rowText = (r: HistoryRecord): string => `${r.type} ${r.reason} ${details(r)}`;

/** A run folder written by pumpctl accuracy: its verdict and its start-up and trumpet charts, drawn again from results.json. */
export function readAccuracyFolder(folder: string): AccuracyView {
  const dir = resolve(folder.trim());
  let json: { analysis?: Analysis | null; verdict?: { overall: string; checks: { name: string; result: string; why: string }[] }; status?: unknown; kind?: string };
  try {
    json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as typeof json;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw cliError('FILE_UNREADABLE', `cannot read ${join(dir, 'results.json')}: ${why} (choose the folder pumpctl accuracy wrote)`);
  }
  if (!json.verdict) throw cliError('FILE_UNREADABLE', `${join(dir, 'results.json')} has no verdict: it is not an accuracy run (occlusion and bolus runs have their own reports)`);
  const a = json.analysis ?? null;
  const svg = (make: () => string): string | null => {
    try {
      return make();
    } catch {
      return null; // a partial analysis without enough intervals for this chart
    }
  };
  return {
    folder: dir,
    overall: json.verdict.overall,
    checks: json.verdict.checks.map((c) => ({ name: c.name, result: c.result, why: c.why })),
    startupSvg: a ? svg(() => renderSvg(startupChart(a))) : null,
    trumpetSvg: a ? svg(() => renderSvg(trumpetChart(a))) : null,
    summary: typeof json.status === 'string' ? json.status : JSON.stringify(json.status ?? ''),
  };
}
