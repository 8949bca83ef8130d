// What the pump writes to the flash log, and the byte formats: events with their reason,
// hourly delivered totals per drug, and free notes. Names become fixed small numbers here
// (event types, reasons, field names), so the usual record takes 15-45 bytes on flash. The
// numbers are part of the stored format: never renumber one, only add. Layouts:
// docs/storage-log.md.

import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { EventData, EventType, PumpEvent, ReasonCode } from '../core/events';
import { LOG_MAX_PAYLOAD } from './log';

/** Record type bytes in the log (FlashLog's `type`). */
export const LOG_TYPES = { event: 1, hourTotal: 2, note: 3 } as const;

/** Enough for any payload: allocate one and pass it to every encode call. */
export const LOG_PAYLOAD_BYTES = LOG_MAX_PAYLOAD;

/** Longest text value kept; longer text is clipped and ends in '~'. */
export const LOG_TEXT_MAX = 40;

export const EVENT_TYPE_IDS = {
  program: 1,
  rate: 2,
  'bolus-start': 3,
  'bolus-end': 4,
  'bolus-interrupted': 5,
  'bolus-denied': 6,
  pause: 7,
  resume: 8,
  stop: 9,
  alarm: 10,
  'alarm-cleared': 11,
  'alarm-ack': 12,
  'safe-state': 13,
  backoff: 14,
  battery: 15,
  setting: 16,
  security: 17,
  refill: 18,
  'hour-total': 19,
  'day-total': 20,
  'trial-end': 21,
  clock: 22,
} as const satisfies Record<EventType, number>;

/** Reasons of the table in events.ts from 1; an alarm's name is 1000 + its alarm code. */
export const REASON_IDS = {
  PROGRAM_STARTED: 1,
  SCHEDULE_STEP: 2,
  SCHEDULE_IN_FORCE: 3,
  CONTINUOUS_RATE: 4,
  TRIAL_CONTINUOUS: 5,
  TRIAL_ENDED: 6,
  NO_BASAL: 7,
  PATIENT_REQUEST: 8,
  PATIENT_DENIED: 9,
  CLINICIAN_REQUEST: 10,
  PERIODIC_DUE: 11,
  TRIAL_DOSE_DUE: 12,
  PRIMING_REQUEST: 13,
  BOLUS_COMPLETE: 14,
  INTERRUPTED_BY_PAUSE: 15,
  INTERRUPTED_BY_STOP: 16,
  INTERRUPTED_BY_PROGRAM: 17,
  INTERRUPTED_BY_EMPTY: 18,
  OPERATOR_PAUSE: 19,
  OPERATOR_RESUME: 20,
  INTERRUPTED_BY_ALARM: 21,
  ALARM_CLEARED: 22,
  ALARM_ACKNOWLEDGED: 23,
  SAFE_STATE: 24,
  BACKOFF: 25,
  ALARM_RESUME: 26,
  BATTERY_REPLACED: 27,
  THRESHOLD_SET: 28,
  MECHANICS_SET: 29,
  REFILLED: 30,
  REFILL_DISCREPANCY: 31,
  HOUR_CLOSED: 32,
  DAY_CLOSED: 33,
  CLOCK_SET: 34,
  AUTH_FAILED: 35,
  PROVISIONING_OPEN: 36,
  INTERRUPTED_BY_RESET: 37,
  INTERRUPTED_BY_STALL: 38,
  AUTH_LOCK_RESTORED: 39,
  AUTH_LOCK_CLEARED: 40,
  BOLUS_CUT_BY_RESET: 41,
  LINK_MODE_SET: 42,
  OCCLUSION: 1010,
  UNDER_DELIVERY: 1011,
  OVER_DELIVERY: 1012,
  AIR_IN_LINE: 1013,
  FLOW_SENSOR_FAULT: 1014,
  FORCE_SENSOR_FAULT: 1015,
  LINE_UNWATCHED: 1016,
  MOTOR_STALL: 1020,
  DRIVER_FAULT: 1021,
  STEP_COUNT_MISMATCH: 1022,
  RESERVOIR_LOW: 1030,
  RESERVOIR_EMPTY: 1031,
  BATTERY_ERI: 1040,
  BATTERY_EOS: 1041,
  UNEXPECTED_RESET: 1050,
  STORAGE_FAULT: 1051,
  LOOP_STALLED: 1052,
} as const satisfies Record<ReasonCode, number>;

/**
 * Field names stored as one byte (ids 1-63). A name not listed still round-trips, spelt out
 * (id 0, then its length and ASCII), so an event never loses a field: it only grows.
 */
export const FIELD_IDS = {
  deliveredNl: 1,
  hour: 2,
  id: 3,
  kind: 4,
  volumeNl: 5,
  droppedNl: 6,
  durationMs: 7,
  rateNlPerDay: 8,
  step: 9,
  alarm: 10,
  code: 11,
  priority: 12,
  stopsDelivery: 13,
  beforeNl: 14,
  afterNl: 15,
  removedNl: 16,
  discrepancyNl: 17,
  lowReservoirNl: 18,
  syringe: 19,
  flPerMicrostep: 20,
  calibrated: 21,
  timeOfDayMs: 22,
  entries: 23,
  microsteps: 24,
  skippedDoses: 25,
  name: 26,
  mode: 27,
  drug: 28,
  concentrationUgPerMl: 29,
  scheduledUgPerDay: 30,
  worstUgPer24h: 31,
  warnings: 32,
  role: 33,
  why: 34,
  lockMs: 35,
  detail: 36,
  reservoirNl: 37,
  hourIndex: 38,
  failures: 39,
  lost: 40,
  counterNl: 41,
  claimNl: 42,
  atMostNl: 43,
  sinceStartNl: 44,
  playMicrosteps: 45,
} as const satisfies Record<string, number>;

/** An event as logged: `timeS` is seconds on the pump's clock (Unix time once it is set). */
export interface LogEvent {
  readonly timeS: number;
  readonly type: EventType;
  readonly reason: ReasonCode;
  readonly data: EventData;
}

/** Nanolitres of one drug delivered in one clock hour (`hourIndex`: hours since 1970). */
export interface HourTotal {
  readonly hourIndex: number;
  readonly drug: string;
  readonly concentrationUgPerMl: number;
  readonly deliveredNl: number;
}

/** Anything else worth keeping (a boot, an export): fields only. */
export interface LogNote {
  readonly timeS: number;
  readonly data: EventData;
}

export type DecodedRecord = { readonly kind: 'event'; readonly event: LogEvent } | { readonly kind: 'hour-total'; readonly total: HourTotal } | { readonly kind: 'note'; readonly note: LogNote };

/** The log form of a pump event (the reason's text is the table's; put detail in `data.detail`). */
export function logEventOf(event: PumpEvent, timeS: number): LogEvent {
  return { timeS, type: event.type, reason: event.reason.code, data: event.data };
}

// Field entry: one byte of kind (bits 7-6) and id (bits 5-0), then the value.
const KIND_UINT = 0; // unsigned LEB128 varint
const KIND_NEG = 1; // LEB128 varint of the magnitude
const KIND_TEXT = 2; // length byte, ASCII
const KIND_BOOL = 3; // one byte, 0 or 1
const U32_MAX = 0xffff_ffff;

const bad = <T>(message: string, field?: string): Result<T> => fail(pumpError('LOG_PAYLOAD', message, field));
const full = <T>(): Result<T> => bad(`the record is longer than ${LOG_MAX_PAYLOAD} bytes`);

function idOf<T extends Record<string, number>>(table: T, name: string): number | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

function nameOf<T extends Record<string, number>>(table: T, id: number): (keyof T & string) | undefined {
  for (const k in table) if (table[k] === id) return k;
  return undefined;
}

function putU32(out: Uint8Array, at: number, v: number): number {
  if (at + 4 > out.length) return -1;
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
  return at + 4;
}

function getU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Unsigned LEB128 by arithmetic (bit operators stop at 32 bits; values go to 2^53). */
function putVarint(out: Uint8Array, at: number, v: number): number {
  do {
    if (at >= out.length) return -1;
    const low = v % 128;
    v = (v - low) / 128;
    out[at++] = v > 0 ? low | 0x80 : low;
  } while (v > 0);
  return at;
}

/** Writes `text` as a length byte and ASCII, clipped to `max` (the last kept char becomes '~'). */
function putText(out: Uint8Array, at: number, text: string, max: number): number {
  const n = Math.min(text.length, max);
  if (at + 1 + n > out.length) return -1;
  out[at++] = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    out[at++] = i === n - 1 && n < text.length ? 0x7e : c >= 0x20 && c < 0x7f ? c : 0x3f; // '~' clip, '?' non-ASCII
  }
  return at;
}

/**
 * Writes `data` as field entries from `at`: whole numbers (|v| <= 2^53), booleans and text
 * (ASCII, clipped to 40 characters). Returns the end offset.
 */
export function encodeFields(data: EventData, out: Uint8Array, at: number): Result<number> {
  const limit = Math.min(out.length, LOG_MAX_PAYLOAD);
  const o = out.length > limit ? out.subarray(0, limit) : out;
  for (const key in data) {
    const v = data[key]!;
    const id = idOf(FIELD_IDS, key);
    let kind: number;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) return bad(`field ${key} is ${v}, not a whole number within +/-2^53`, key);
      kind = v < 0 ? KIND_NEG : KIND_UINT;
    } else kind = typeof v === 'boolean' ? KIND_BOOL : KIND_TEXT;
    if (at >= o.length) return full();
    o[at++] = (kind << 6) | (id ?? 0);
    if (id === undefined) {
      if (key.length === 0 || key.length > 32) return bad(`field name ${key} must be 1 to 32 characters`, key);
      at = putText(o, at, key, 32);
      if (at < 0) return full();
    }
    if (typeof v === 'number') at = putVarint(o, at, Math.abs(v));
    else if (typeof v !== 'boolean') at = putText(o, at, v, LOG_TEXT_MAX);
    else if (at < o.length) o[at++] = v ? 1 : 0;
    else at = -1;
    if (at < 0) return full();
  }
  return ok(at);
}

/** Reads the field entries of bytes [at, end). */
export function decodeFields(bytes: Uint8Array, at: number, end = bytes.length): Result<EventData> {
  const data: Record<string, number | string | boolean> = {};
  const text = (): string | undefined => {
    if (at >= end) return undefined;
    const n = bytes[at++]!;
    if (at + n > end) return undefined;
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[at++]!);
    return s;
  };
  while (at < end) {
    const head = bytes[at++]!;
    const kind = head >>> 6;
    const id = head & 0x3f;
    const key = id === 0 ? text() : nameOf(FIELD_IDS, id);
    if (key === undefined) return bad(id === 0 ? `a field name at byte ${at} is cut short` : `field id ${id} is not known to this firmware`);
    if (kind === KIND_TEXT) {
      const s = text();
      if (s === undefined) return bad(`text of field ${key} is cut short`, key);
      data[key] = s;
    } else if (kind === KIND_BOOL) {
      if (at >= end || bytes[at]! > 1) return bad(`field ${key} is not a boolean`, key);
      data[key] = bytes[at++] === 1;
    } else {
      let v = 0;
      let scale = 1;
      for (;;) {
        if (at >= end || scale >= 2 ** 56) return bad(`number of field ${key} is cut short or too long`, key);
        const b = bytes[at++]!;
        v += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) break;
      }
      data[key] = kind === KIND_NEG ? -v : v;
    }
  }
  return ok(data);
}

function checkU32(v: number, name: string): Result<number> | undefined {
  return Number.isInteger(v) && v >= 0 && v <= U32_MAX ? undefined : bad(`${name} is ${v}, not a whole number from 0 to ${U32_MAX}`, name);
}

/** Event payload: timeS u32, event type u8, reason u16, then fields. Returns its length. */
export function encodeEvent(e: LogEvent, out: Uint8Array): Result<number> {
  const t = checkU32(e.timeS, 'timeS');
  if (t) return t;
  const type = idOf(EVENT_TYPE_IDS, e.type);
  const why = idOf(REASON_IDS, e.reason);
  if (type === undefined) return bad(`event type ${e.type} has no log code`, 'type');
  if (why === undefined) return bad(`reason ${e.reason} has no log code`, 'reason');
  if (out.length < 7) return full();
  putU32(out, 0, e.timeS);
  out[4] = type;
  out[5] = why & 0xff;
  out[6] = why >>> 8;
  return encodeFields(e.data, out, 7);
}

export function decodeEvent(p: Uint8Array): Result<LogEvent> {
  if (p.length < 7) return bad(`an event payload needs 7 bytes, not ${p.length}`);
  const type = nameOf(EVENT_TYPE_IDS, p[4]!);
  const reason = nameOf(REASON_IDS, p[5]! | (p[6]! << 8));
  if (type === undefined) return bad(`event type code ${p[4]} is not known to this firmware`, 'type');
  if (reason === undefined) return bad(`reason code ${p[5]! | (p[6]! << 8)} is not known to this firmware`, 'reason');
  const data = decodeFields(p, 7);
  return data.ok ? ok({ timeS: getU32(p, 0), type, reason, data: data.value }) : data;
}

/** Hour-total payload: hourIndex u32, deliveredNl u32, concentrationUgPerMl u32, drug text. */
export function encodeHourTotal(h: HourTotal, out: Uint8Array): Result<number> {
  for (const [v, name] of [
    [h.hourIndex, 'hourIndex'],
    [h.deliveredNl, 'deliveredNl'],
    [h.concentrationUgPerMl, 'concentrationUgPerMl'],
  ] as const) {
    const e = checkU32(v, name);
    if (e) return e;
  }
  if (out.length < 13) return full();
  putU32(out, 0, h.hourIndex);
  putU32(out, 4, h.deliveredNl);
  const at = putText(out, putU32(out, 8, h.concentrationUgPerMl), h.drug, LOG_TEXT_MAX);
  return at < 0 ? full() : ok(at);
}

export function decodeHourTotal(p: Uint8Array): Result<HourTotal> {
  if (p.length < 13 || p.length !== 13 + p[12]!) return bad(`an hour-total payload of ${p.length} bytes does not match its layout`);
  let drug = '';
  for (let i = 13; i < p.length; i++) drug += String.fromCharCode(p[i]!);
  return ok({ hourIndex: getU32(p, 0), deliveredNl: getU32(p, 4), concentrationUgPerMl: getU32(p, 8), drug });
}

/** Note payload: timeS u32, then fields. */
export function encodeNote(n: LogNote, out: Uint8Array): Result<number> {
  const t = checkU32(n.timeS, 'timeS');
  if (t) return t;
  if (out.length < 4) return full();
  putU32(out, 0, n.timeS);
  return encodeFields(n.data, out, 4);
}

export function decodeNote(p: Uint8Array): Result<LogNote> {
  if (p.length < 4) return bad(`a note payload needs 4 bytes, not ${p.length}`);
  const data = decodeFields(p, 4);
  return data.ok ? ok({ timeS: getU32(p, 0), data: data.value }) : data;
}

/** Decodes a record read from the log by its type byte. */
export function decodeRecord(type: number, payload: Uint8Array): Result<DecodedRecord> {
  if (type === LOG_TYPES.event) {
    const r = decodeEvent(payload);
    return r.ok ? ok({ kind: 'event', event: r.value }) : r;
  }
  if (type === LOG_TYPES.hourTotal) {
    const r = decodeHourTotal(payload);
    return r.ok ? ok({ kind: 'hour-total', total: r.value }) : r;
  }
  if (type === LOG_TYPES.note) {
    const r = decodeNote(payload);
    return r.ok ? ok({ kind: 'note', note: r.value }) : r;
  }
  return bad(`record type ${type} is not known to this firmware`, 'type');
}
