// The pump's history as pumpctl reads it: LOG pages by sequence number (resuming where it
// stopped after a reconnection, so a download survives a board reset), parsed into records,
// and written as a table or CSV, one clock per column: events and notes are timed in seconds
// since boot on the pump's clock, the per-drug hourly totals by the clock hour they cover (day
// and time of day on the pump's wall clock); the two are never mixed in one column.

import { csvField as csvCell } from '../csv';
import { crcOk } from '../protocol/codec';
import type { Progress } from './progress';
import type { PumpSession } from './session';
import { retrying } from './session';

export interface HistoryRecord {
  readonly seq: number;
  /**
   * Seconds on the record's clock: since boot for events and notes (`clock` boot); for a
   * drug-hour record the start of its clock hour on the wall clock, hours since the pump's day
   * 0 times 3600 (`clock` wall).
   */
  readonly timeS: number;
  readonly clock: 'boot' | 'wall';
  readonly type: string;
  readonly reason: string;
  readonly fields: Readonly<Record<string, string>>;
}

export function parseLogLine(line: string): HistoryRecord | undefined {
  if (!line.startsWith('L ') || !crcOk(line)) return undefined;
  const w = line.slice(2, line.lastIndexOf(' *')).split(' ');
  const fields: Record<string, string> = {};
  for (const kv of w.slice(4)) {
    const eq = kv.indexOf('=');
    if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const type = w[2] ?? '?';
  return { seq: Number(w[0]), timeS: Number(w[1]), clock: type === 'drug-hour' ? 'wall' : 'boot', type, reason: w[3] ?? '?', fields };
}

/** Every record from `from` (default: the oldest kept) to the newest, page by page. */
export async function downloadHistory(s: PumpSession, o: { from?: number; max?: number; progress?: Progress }): Promise<HistoryRecord[]> {
  const info = (await retrying(() => s.query('INFO'))).fields;
  if (info['logFirst'] === 'none') return [];
  const first = Math.max(o.from ?? 0, Number(info['logFirst']));
  let last = Number(info['logLast']);
  const out: HistoryRecord[] = [];
  let next = first;
  while (next <= last && (o.max === undefined || out.length < o.max)) {
    const want = Math.min(20, o.max === undefined ? 20 : o.max - out.length);
    const r = await retrying(() => s.query('LOG', next, want));
    if (!r.ok) throw new Error(`LOG ${next}: E${r.code} ${r.message}`);
    const page = r.lines.map(parseLogLine).filter((x): x is HistoryRecord => x !== undefined && x.seq >= next);
    out.push(...page);
    // The log may have grown (or, after a reset, its oldest block been erased): follow it.
    last = Math.max(last, Number(r.fields['last']));
    const after = Number(r.fields['next']);
    if (page.length === 0 && after <= next) break;
    next = Math.max(after, Number(r.fields['first']));
    o.progress?.update(Math.min(out.length, last - first + 1), last - first + 1);
  }
  o.progress?.done();
  return out;
}

/** `hh:mm:ss` of a second count within a day. */
function timeOfDay(s: number): string {
  const d = ((s % 86_400) + 86_400) % 86_400;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(d / 3600))}:${p(Math.floor((d % 3600) / 60))}:${p(d % 60)}`;
}

/** The CSV header: each time column one clock, named. */
export const CSV_HEADER = 'seq,time_since_boot_s,clock_day,time_of_day,type,reason,delivered_nl,details';

/**
 * Events and notes fill `time_since_boot_s` (seconds on the pump's clock since boot); drug-hour
 * records fill `clock_day` and `time_of_day` (the start of the clock hour they total, on the
 * pump's wall clock). A column is left empty rather than filled from another clock.
 */
export function historyCsv(records: readonly HistoryRecord[]): string {
  const rows = [CSV_HEADER];
  for (const r of records) {
    const details = Object.entries(r.fields)
      .filter(([k]) => k !== 'deliveredNl')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const boot = r.clock === 'boot' ? r.timeS : '';
    const day = r.clock === 'wall' ? Math.floor(r.timeS / 86_400) : '';
    const tod = r.clock === 'wall' ? timeOfDay(r.timeS) : '';
    rows.push([r.seq, boot, day, tod, r.type, r.reason, r.fields['deliveredNl'] ?? '', details].map(csvCell).join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** Events at `d+hh:mm:ss` since boot; drug-hour totals at `day N hh:mm` of the wall clock. */
export function historyTable(records: readonly HistoryRecord[]): string {
  return records
    .map((r) => {
      const details = Object.entries(r.fields)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const when = r.clock === 'boot' ? `boot+${clock(r.timeS)}` : `day ${Math.floor(r.timeS / 86_400)} ${timeOfDay(r.timeS).slice(0, 5)}`;
      return `${String(r.seq).padStart(6)}  ${when.padEnd(16)}  ${r.type.padEnd(17)} ${r.reason.padEnd(22)} ${details}`;
    })
    .join('\n');
}

/** Seconds since boot on the pump clock as d+hh:mm:ss. */
function clock(timeS: number): string {
  return `${Math.floor(timeS / 86_400)}+${timeOfDay(timeS)}`;
}
