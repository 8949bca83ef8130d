// The pump's history as pumpctl reads it: LOG pages by sequence number (resuming where it
// stopped after a reconnection, so a download survives a board reset), parsed into records,
// and written as a table or CSV. Also the delivered-volume series `plot` draws.

import { crcOk } from '../protocol/codec';
import { type Progress } from './progress';
import { type PumpSession, retrying } from './session';

export interface HistoryRecord {
  readonly seq: number;
  /** Seconds on the pump's clock (since boot until its clock is set). */
  readonly timeS: number;
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
  return { seq: Number(w[0]), timeS: Number(w[1]), type: w[2] ?? '?', reason: w[3] ?? '?', fields };
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

const csvCell = (v: string | number): string => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

export function historyCsv(records: readonly HistoryRecord[]): string {
  const rows = ['seq,time_s,type,reason,delivered_nl,details'];
  for (const r of records) {
    const details = Object.entries(r.fields).filter(([k]) => k !== 'deliveredNl').map(([k, v]) => `${k}=${v}`).join(' ');
    rows.push([r.seq, r.timeS, r.type, r.reason, r.fields['deliveredNl'] ?? '', details].map(csvCell).join(','));
  }
  return `${rows.join('\n')}\n`;
}

export function historyTable(records: readonly HistoryRecord[]): string {
  return records
    .map((r) => {
      const details = Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(' ');
      return `${String(r.seq).padStart(6)}  ${clock(r.timeS)}  ${r.type.padEnd(17)} ${r.reason.padEnd(22)} ${details}`;
    })
    .join('\n');
}

/** Seconds on the pump clock as d+hh:mm:ss (the clock starts at boot until it is set). */
function clock(timeS: number): string {
  const d = Math.floor(timeS / 86_400);
  const s = timeS % 86_400;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${d}+${hh}:${mm}:${ss}`;
}

/**
 * Cumulative delivered volume at the end of each logged clock hour (the hour-total events),
 * against the pump's clock in hours (from boot until the clock is set), from (0, 0).
 */
export function deliveredSeries(records: readonly HistoryRecord[]): { hours: number[]; ml: number[] } {
  const hours = [0];
  const ml = [0];
  let total = 0;
  for (const h of records) {
    if (h.type !== 'hour-total') continue;
    total += Number(h.fields['deliveredNl'] ?? 0);
    hours.push(h.timeS / 3600);
    ml.push(total / 1e6);
  }
  return { hours, ml };
}
