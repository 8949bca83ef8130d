// Boluses cut by a reset, closed in the history at the next boot (issue 14, item 4). A bolus
// running when the power went has its `bolus-start` in the log and nothing after it: the run
// ended before its end could be written. At boot, before anything else is logged, each such
// bolus of the run before gets a `bolus-interrupted` record, reason BOLUS_CUT_BY_RESET, with
// the most it can have delivered. That figure comes from the write-ahead counters: the
// delivered counter claimed at the cut (never less than what really ran) less the counter
// logged with the bolus-start (never more than what had run before the bolus's first step).
// The difference bounds everything pushed from the bolus's start to the cut, any basal and
// other boluses with it (`sinceStartNl`); the bolus itself gave at most that and at most its
// own volume (`atMostNl`). The closing records are written before the boot's note, and a run's
// records are read from its boot note on: a cut while closing leaves the same bolus open to
// the next boot, which closes only what it still finds open, so nothing is closed twice.

import type { EventData } from '../core/events';
import type { FlashLog } from './log';
import { decodeEvent, decodeNote, encodeEvent, EVENT_TYPE_IDS, LOG_TYPES } from './log-records';

/** A bolus whose start the log holds with no end after it. */
export interface OpenBolus {
  readonly id: number;
  readonly kind: string;
  readonly volumeNl: number;
  /** The delivered counter when it started (absent in records of older firmware). */
  readonly counterNl: number | undefined;
}

export interface CutRun {
  /** Started in the last run and never ended, oldest first. */
  readonly open: OpenBolus[];
  /** The newest event time in that run (s on the pump's clock). */
  readonly lastTimeS: number;
}

// About a 4 KB block of records a page: each page walks its blocks from their start.
const PAGE = 128;
const START = EVENT_TYPE_IDS['bolus-start'];
const END = EVENT_TYPE_IDS['bolus-end'];
const INTERRUPTED = EVENT_TYPE_IDS['bolus-interrupted'];

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Reads the log from `fromSeq` (the last run's boot note, or 0 to read it all): each boot note
 * starts a run afresh, so what is left open at the end is the last run's. Only bolus events
 * are decoded.
 */
export function findCutBoluses(log: FlashLog, fromSeq: number): CutRun {
  const open = new Map<number, OpenBolus>();
  let lastTimeS = 0;
  for (let next = fromSeq; ; ) {
    const page = log.read(next, PAGE);
    if (page.length === 0) break;
    for (const r of page) {
      if (r.type === LOG_TYPES.note) {
        const n = decodeNote(r.payload);
        if (n.ok && n.value.data['boot'] === 1) open.clear();
        continue;
      }
      if (r.type !== LOG_TYPES.event || r.payload.length < 7) continue;
      const t = r.payload[4];
      if (t !== START && t !== END && t !== INTERRUPTED) continue;
      const e = decodeEvent(r.payload);
      if (!e.ok) continue;
      lastTimeS = Math.max(lastTimeS, e.value.timeS);
      const d = e.value.data;
      const id = num(d['id']);
      if (id === undefined) continue;
      if (t !== START) open.delete(id);
      else open.set(id, { id, kind: String(d['kind'] ?? '?'), volumeNl: num(d['volumeNl']) ?? 0, counterNl: num(d['counterNl']) });
    }
    next = page[page.length - 1]!.seq + 1;
  }
  return { open: [...open.values()], lastTimeS };
}

/**
 * What the close of `b` says: `claimNl` is the delivered counter the stored counters claimed at
 * the cut (undefined when they were lost, and then only the bolus's own volume bounds it).
 */
export function cutCloseData(b: OpenBolus, claimNl: number | undefined): EventData {
  const base = { id: b.id, kind: b.kind, volumeNl: b.volumeNl };
  if (claimNl === undefined || b.counterNl === undefined) return { ...base, atMostNl: b.volumeNl };
  const sinceStartNl = Math.max(0, claimNl - b.counterNl);
  return { ...base, atMostNl: Math.min(b.volumeNl, sinceStartNl), sinceStartNl, claimNl, counterNl: b.counterNl };
}

/**
 * Closes every bolus the last run left open (see the top of the file); `timeS` is when the
 * boot is on the pump's clock (the close is stamped no earlier than the run's last event).
 * Returns the closes written.
 */
export function closeCutBoluses(log: FlashLog, fromSeq: number, claimNl: number | undefined, timeS: number, buf: Uint8Array): EventData[] {
  const run = findCutBoluses(log, fromSeq);
  const closed: EventData[] = [];
  for (const b of run.open) {
    const data = cutCloseData(b, claimNl);
    const n = encodeEvent({ timeS: Math.max(timeS, run.lastTimeS), type: 'bolus-interrupted', reason: 'BOLUS_CUT_BY_RESET', data }, buf);
    if (n.ok && log.append(LOG_TYPES.event, buf, n.value).ok) closed.push(data);
  }
  return closed;
}
