// The log's record formats: events, hourly totals and notes encode and decode exactly, and
// refuse what they cannot hold.
import { describe, expect, it } from 'vitest';
import { ALARMS } from '../firmware/core/alarms';
import { LOG_RECORD_OVERHEAD } from '../firmware/storage/log';
import type { LogEvent } from '../firmware/storage/log-records';
import {
  decodeEvent,
  decodeFields,
  decodeHourTotal,
  decodeRecord,
  encodeEvent,
  encodeFields,
  encodeHourTotal,
  encodeNote,
  EVENT_TYPE_IDS,
  FIELD_IDS,
  LOG_PAYLOAD_BYTES,
  LOG_TYPES,
  logEventOf,
  REASON_IDS,
} from '../firmware/storage/log-records';
import { Prng } from '../host/sim/prng';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';

/** A small partition so that wrap-around comes quickly: 4 blocks of 512 bytes. */

describe('log records', () => {
  const scratch = new Uint8Array(LOG_PAYLOAD_BYTES);
  const roundTrip = (e: LogEvent): LogEvent => {
    const n = encodeEvent(e, scratch);
    if (!n.ok) throw new Error(n.error.message);
    const d = decodeEvent(scratch.slice(0, n.value));
    if (!d.ok) throw new Error(d.error.message);
    return d.value;
  };

  it('round-trips an event with numbers, booleans, text and a field not in the dictionary', () => {
    const e: LogEvent = {
      timeS: 1_767_225_600,
      type: 'alarm',
      reason: 'OCCLUSION',
      data: { alarm: 'OCCLUSION', code: 10, priority: 'high', stopsDelivery: true, volumeNl: -12_345, flPerMicrostep: 2 ** 40, zeta: 0, brandNewField: 'x' },
    };
    expect(roundTrip(e)).toEqual(e);
  });

  it('keeps records small: 15-40 bytes on flash for the usual events and hourly totals', () => {
    const sizes = [
      encodeEvent({ timeS: 1, type: 'bolus-end', reason: 'BOLUS_COMPLETE', data: { id: 3, kind: 'patient', volumeNl: 50_000, deliveredNl: 50_000 } }, scratch),
      encodeEvent({ timeS: 1, type: 'rate', reason: 'SCHEDULE_STEP', data: { rateNlPerDay: 600_000, step: 1 } }, scratch),
      encodeEvent({ timeS: 1, type: 'pause', reason: 'OPERATOR_PAUSE', data: {} }, scratch),
      encodeHourTotal({ hourIndex: 490_896, drug: 'baclofen', concentrationUgPerMl: 2_000, deliveredNl: 20_833 }, scratch),
    ].map((r) => (r.ok ? r.value + LOG_RECORD_OVERHEAD : -1));
    for (const s of sizes) expect(s).toBeGreaterThanOrEqual(15);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(40);
  });

  it('round-trips an hourly total and a note, and decodes by record type', () => {
    const h = { hourIndex: 490_896, drug: 'morphine', concentrationUgPerMl: 25_000, deliveredNl: 4_294_967_295 };
    const n = encodeHourTotal(h, scratch);
    expect(n.ok && decodeHourTotal(scratch.slice(0, n.value))).toEqual({ ok: true, value: h });
    expect(n.ok && decodeRecord(LOG_TYPES.hourTotal, scratch.slice(0, n.value))).toEqual({ ok: true, value: { kind: 'hour-total', total: h } });
    const note = { timeS: 42, data: { detail: 'boot after a power cut', reservoirNl: 12_000_000 } };
    const m = encodeNote(note, scratch);
    expect(m.ok && decodeRecord(LOG_TYPES.note, scratch.slice(0, m.value))).toEqual({ ok: true, value: { kind: 'note', note } });
  });

  it('clips long text to 40 ASCII characters and replaces other characters', () => {
    const n = encodeFields({ why: 'x'.repeat(60), name: 'Baclofène' }, scratch, 0);
    const d = n.ok ? decodeFields(scratch, 0, n.value) : n;
    expect(d).toEqual({ ok: true, value: { why: `${'x'.repeat(39)}~`, name: 'Baclof?ne' } });
  });

  it('refuses what it cannot store exactly, with E607 naming the field', () => {
    for (const [r, field] of [
      [encodeEvent({ timeS: 1, type: 'rate', reason: 'SCHEDULE_STEP', data: { rateNlPerDay: 1.5 } }, scratch), 'rateNlPerDay'],
      [encodeEvent({ timeS: -1, type: 'rate', reason: 'SCHEDULE_STEP', data: {} }, scratch), 'timeS'],
      [encodeHourTotal({ hourIndex: 1, drug: 'x', concentrationUgPerMl: 1, deliveredNl: 2 ** 32 }, scratch), 'deliveredNl'],
      [encodeNote({ timeS: 1, data: { detail: NaN } }, scratch), 'detail'],
    ] as const) {
      expect(r.ok ? undefined : [r.error.code, r.error.field]).toEqual([607, field]);
    }
    const big: Record<string, string> = {};
    for (let i = 0; i < 10; i++) big[`field${i}`] = 'y'.repeat(40);
    const r = encodeNote({ timeS: 1, data: big }, scratch);
    expect(r.ok ? 0 : r.error.code).toBe(607);
  });

  it('decodes garbage to E607, never throwing', () => {
    const rng = new Prng(99);
    for (let i = 0; i < 2000; i++) {
      const p = Uint8Array.from({ length: rng.nextUint32() % 40 }, () => rng.nextUint32() & 0xff);
      const r = decodeRecord(1 + (i % 4), p);
      if (!r.ok) expect(r.error.code).toBe(607);
    }
  });

  it('numbers every event type, reason and field uniquely; alarm reasons are 1000 + the alarm code', () => {
    for (const table of [EVENT_TYPE_IDS, REASON_IDS, FIELD_IDS] as Record<string, number>[]) {
      const ids = Object.values(table);
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const id of Object.values(FIELD_IDS)) expect(id).toBeGreaterThanOrEqual(1);
    for (const id of Object.values(FIELD_IDS)) expect(id).toBeLessThanOrEqual(63);
    for (const id of Object.values(EVENT_TYPE_IDS)) expect(id).toBeLessThanOrEqual(255);
    for (const [name, spec] of Object.entries(ALARMS)) expect(REASON_IDS[name as keyof typeof REASON_IDS]).toBe(1000 + spec.code);
  });

  it('stores the events a virtual pump really emits, every field in the dictionary', () => {
    const vp = createVirtualPump({
      mechanics: { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
      library: LIBRARY_JSON,
      prescription: continuous(2_400_000, { patientBolus: PATIENT }),
      reservoirNl: 3_000_000,
    });
    vp.runFor(90 * 60_000);
    vp.controller.patientBolus();
    vp.controller.patientBolus();
    vp.runFor(30 * 60_000);
    vp.controller.pause();
    vp.controller.resume();
    vp.controller.refill(20_000_000);
    vp.runFor(3 * 3_600_000);
    expect(vp.events.length).toBeGreaterThan(8);
    for (const event of vp.events) {
      const e = logEventOf(event, 1_767_225_600 + Math.floor(event.at / 1000));
      const decoded = roundTrip(e);
      const clipped = Object.fromEntries(Object.entries(e.data).map(([k, v]) => [k, typeof v === 'string' && v.length > 40 ? `${v.slice(0, 39)}~` : v]));
      expect(decoded).toEqual({ ...e, data: clipped });
      for (const key of Object.keys(event.data)) expect(FIELD_IDS, `field ${key} of ${event.type}`).toHaveProperty(key);
    }
  });
});
