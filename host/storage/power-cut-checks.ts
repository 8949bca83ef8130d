// The second half of the power-cut sweep (power-cut.ts): what must hold of a board booted from
// the stores as a cut left them, against the truth journaled at that operation
// (power-cut-journal.ts). The whole restored state: the prescription, the delivered history and
// reservoir estimate, the alarms, the log (hourly totals and events) record by record, the
// patient-bolus ledger, the bolus numbers and the clinician boluses of the dose memory, the
// reservoir's contents, the AUTH lockout, the cut boluses closed once, and nothing resuming.

import { FAILURES_BEFORE_LOCK } from '../../firmware/protocol/auth';
import { FlashLog } from '../../firmware/storage/log';
import { decodeRecord } from '../../firmware/storage/log-records';
import type { VirtualPump } from '../sim/virtual-pump';
import type { MockFlash } from './flash-mock';
import type { Entry, TrueRecord } from './power-cut-journal';
import { authOf, contentsOf } from './power-cut-journal';

const DAY_MS = 86_400_000;

/**
 * Which log records appended before the cut do not read back unchanged from `flash` as the cut
 * left it. Read before the board boots: its own appends may wrap the ring and drop old blocks.
 */
export function lostRecords(e: Entry, flash: MockFlash, records: readonly TrueRecord[]): string[] {
  const out: string[] = [];
  if (e.logCount === 0) return out;
  const opened = FlashLog.open(flash); // a scan only: it writes nothing
  if (!opened.ok) return [`the log is refused (${opened.error.message}): ${e.logCount} records appended before the cut are lost`];
  const readable = new Map<number, { type: number; payload: Uint8Array }>();
  for (const r of opened.value.read(0, 1_000_000)) readable.set(r.seq, r);
  for (let i = 0; i < e.logCount; i++) {
    const want = records[i]!;
    if (want.seq < e.keepFrom) continue;
    const got = readable.get(want.seq);
    const same = got !== undefined && got.type === want.type && got.payload.length === want.payload.length && got.payload.every((b, j) => b === want.payload[j]);
    if (!same) out.push(`log record ${want.seq} (type ${want.type}), completely appended before the cut, ${got ? 'reads back changed' : 'is lost'}`);
  }
  return out;
}

/** What is wrong with the board booted after a cut in entry `e` (empty: nothing); `done`: the cut write completed. */
export function check(e: Entry, done: boolean, vp: VirtualPump): string[] {
  const out: string[] = [];
  const s = vp.controller.status();
  const pump = vp.controller.pump;
  if (!e.candidates.includes(JSON.stringify(pump.prescription))) out.push('the prescription after boot was never committed');
  if (s.deliveredNl < Math.floor(e.pushedNl)) out.push(`history says ${s.deliveredNl} nl delivered, the rig pushed ${e.pushedNl}`);
  if (s.reservoirNl > Math.ceil(e.reservoirNl)) out.push(`reservoir estimate ${s.reservoirNl} nl is above the truth ${e.reservoirNl}`);
  const active = new Set(s.alarms.map((a) => a.name));
  for (const name of done ? e.alarmsDone : e.alarms) if (!active.has(name)) out.push(`alarm ${name} was recorded active and is not after the boot`);
  if (e.before.writes > 0 && s.boluses.length > 0) out.push('a bolus runs after the reboot');
  if (e.before.writes > 0 && !active.has('UNEXPECTED_RESET')) out.push('delivery did not hold for UNEXPECTED_RESET');
  out.push(...doseProblems(e, vp));
  if (e.contents.length > 0 && !e.contents.includes(contentsOf(vp))) out.push(`the reservoir holds ${contentsOf(vp)} after the boot; before the cut it held ${e.contents.join(' or ')}`);
  out.push(...authProblems(e, done, vp));
  return out;
}

/** The dose memory: the patient ledger, the bolus numbers, the clinician boluses of the last 24 h. */
function doseProblems(e: Entry, vp: VirtualPump): string[] {
  const out: string[] = [];
  const pump = vp.controller.pump;
  const ledger = new Set(pump.ledger.records.map((r) => r.bolusId));
  for (const id of e.patientIds) if (!ledger.has(id)) out.push(`patient bolus #${id} started before the cut and is missing from the ledger after it`);
  if (pump.nextBolusId <= e.lastBolusId) out.push(`bolus #${e.lastBolusId} started before the cut, and the boot would number the next bolus ${pump.nextBolusId}`);
  const now = vp.controller.now();
  const given = pump.doseMemory(now).given.filter((g) => g.kind === 'clinician').length;
  // Those the library still counts: the boot's clock restarts up to the last stored time, so
  // every start before the cut is within its 24 h unless the day itself was longer.
  const due = e.clinicianStarts.filter((t) => t > now - DAY_MS).length;
  if (given < due) out.push(`${due} clinician bolus(es) started in the 24 h before the cut; the dose memory counts ${given}`);
  return out;
}

/** The AUTH lockout: never fewer failures in a row than were stored, and still locked if it was. */
function authProblems(e: Entry, done: boolean, vp: VirtualPump): string[] {
  const truth = done ? e.authDone : e.auth;
  if (truth.failures === 0) return [];
  const auth = authOf(vp);
  const out: string[] = [];
  if (auth.failures < truth.failures) out.push(`AUTH had ${truth.failures} failure(s) in a row stored; after the boot it counts ${auth.failures}`);
  if (truth.locked && truth.failures >= FAILURES_BEFORE_LOCK && auth.lockedMs(vp.controller.now()) === 0) out.push('AUTH was locked at the cut and is open after the boot');
  return out;
}

/** Boluses the log holds a start of, and those it holds an end of (read before the boot). */
export function loggedBoluses(log: FlashLog): { started: Set<number>; ended: Set<number>; closes: Map<number, Record<string, unknown>[]> } {
  const started = new Set<number>();
  const ended = new Set<number>();
  const closes = new Map<number, Record<string, unknown>[]>();
  for (const r of log.read(0, 1_000_000)) {
    const d = decodeRecord(r.type, r.payload);
    if (!d.ok || d.value.kind !== 'event') continue;
    const ev = d.value.event;
    const id = ev.data['id'] as number;
    if (ev.type === 'bolus-start') started.add(id);
    else if (ev.reason === 'BOLUS_CUT_BY_RESET') closes.set(id, [...(closes.get(id) ?? []), ev.data]);
    else if (ev.type === 'bolus-end' || ev.type === 'bolus-interrupted') ended.add(id);
  }
  return { started, ended, closes };
}

/**
 * The boot's closes of boluses cut by the reset: each bolus the log held a start and no end of
 * before the boot (`before`) is closed once, with a bound the rig's push since its start does
 * not exceed, and no other bolus is.
 */
export function cutBolusProblems(e: Entry, before: ReturnType<typeof loggedBoluses> | undefined, pushedAtStart: ReadonlyMap<number, number>, vp: VirtualPump): string[] {
  const log = vp.persistence?.log;
  if (!log || !before) return [];
  const out: string[] = [];
  const { closes } = loggedBoluses(log);
  const open = [...before.started].filter((id) => !before.ended.has(id));
  for (const [id, list] of closes) {
    if (!open.includes(id)) out.push(`bolus #${id} was not left open in the log by the cut and is closed as cut by it`);
    else if (list.length > 1) out.push(`bolus #${id} is closed ${list.length} times`);
  }
  for (const id of open) {
    const close = closes.get(id)?.[0];
    const pushedNl = e.pushedNl - (pushedAtStart.get(id) ?? 0);
    if (!close) out.push(`bolus #${id} was running at the cut and is not closed in the log`);
    else if (typeof close['sinceStartNl'] === 'number' && close['sinceStartNl'] < Math.floor(pushedNl)) {
      out.push(`bolus #${id} closed with at most ${close['sinceStartNl']} nl since its start; the rig pushed ${pushedNl}`);
    }
  }
  return out;
}
