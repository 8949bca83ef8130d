// Records on the NVS-like store: alternating slots, CRC, version, fallback; boot restore and
// the restart policy; and power cuts at every step of every storage operation of a realistic day.
import { describe, expect, it } from 'vitest';
import { jsonBytes, RecordStore } from '../firmware/storage/records';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { DAY_OPTIONS, powerCutDay, REALISTIC_DAY } from '../host/storage/power-cut';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON } from './fixtures';

const HOUR = 3_600_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

describe('record store', () => {
  it('writes alternating slots and reads the newest valid one', () => {
    const kv = new MockKeyValueStore();
    const rs = new RecordStore(kv);
    rs.save('rx', 1, jsonBytes({ n: 1 }));
    rs.save('rx', 1, jsonBytes({ n: 2 }));
    expect(kv.read('rx.a')).toBeDefined();
    expect(kv.read('rx.b')).toBeDefined();
    const r = rs.load('rx', 1);
    expect(r.ok && r.value !== 'missing' && r.value.counter).toBe(1);
    // The newer slot decays: the older copy is used, and the damage reported.
    kv.corrupt('rx.b', 12);
    const fallback = new RecordStore(kv).load('rx', 1);
    expect(fallback.ok && fallback.value !== 'missing' && fallback.value.counter).toBe(0);
  });

  it.each([
    [
      'corrupt in both slots',
      (kv: MockKeyValueStore) => {
        kv.corrupt('rx.a', 12);
        kv.corrupt('rx.b', 12);
      },
      610,
    ],
    [
      'foreign data',
      (kv: MockKeyValueStore) => {
        kv.write('rx.a', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]));
        kv.write('rx.b', new Uint8Array(20));
      },
      611,
    ],
  ])('refuses %s with its numbered error', (_what, damage, code) => {
    const kv = new MockKeyValueStore();
    const rs = new RecordStore(kv);
    rs.save('rx', 1, jsonBytes({ n: 1 }));
    rs.save('rx', 1, jsonBytes({ n: 2 }));
    damage(kv);
    const r = new RecordStore(kv).load('rx', 1);
    expect(!r.ok && r.error.code).toBe(code);
  });

  it('refuses a record from a future version', () => {
    const kv = new MockKeyValueStore();
    new RecordStore(kv).save('rx', 2, jsonBytes({ n: 1 }));
    const r = new RecordStore(kv).load('rx', 1);
    expect(!r.ok && r.error.code).toBe(612);
  });
});

describe('boot', () => {
  it('restores the prescription and counters, and holds delivery after an unclean shutdown', () => {
    const kv = new MockKeyValueStore();
    const first = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 9_000_000, prescription: continuous(1_000_000), storage: kv });
    expect(first.controller.status().alarms).toEqual([]); // a new board: no reset alarm
    first.controller.program(continuous(2_000_000, { name: 'second' }));
    first.runFor(6 * HOUR);
    const pushed = first.rig.pushedNl;
    // Power cut: a new board on the same storage.
    const second = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 9_000_000, prescription: continuous(1_000_000), storage: kv });
    const s = second.controller.status();
    expect(s.prescription).toBe('second');
    expect(s.deliveredNl).toBeGreaterThanOrEqual(Math.floor(pushed));
    expect(s.reservoirNl).toBeLessThanOrEqual(9_000_000 - pushed);
    expect(s.state).toBe('alarm');
    expect(s.alarms.map((a) => a.name)).toEqual(['UNEXPECTED_RESET']);
    second.runFor(HOUR);
    expect(second.rig.position).toBe(0); // nothing moves until acknowledged
    expect(second.controller.acknowledge().ok).toBe(true);
    second.runFor(HOUR);
    expect(second.rig.position).toBeGreaterThan(0);
  });

  it('brings back an alarm that was active when the power went', () => {
    const kv = new MockKeyValueStore();
    const first = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(24_000_000), storage: kv, faults: ['occlusion@1h'] });
    first.runFor(2 * HOUR);
    expect(first.controller.status().alarms.map((a) => a.name)).toEqual(['OCCLUSION']);
    const second = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(24_000_000), storage: kv });
    expect(
      second.controller
        .status()
        .alarms.map((a) => a.name)
        .sort(),
    ).toEqual(['OCCLUSION', 'UNEXPECTED_RESET']);
  });

  it('boots without the reset alarm after an orderly shutdown', () => {
    const kv = new MockKeyValueStore();
    const first = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(1_000_000), storage: kv });
    first.persistence!.shutdown();
    const second = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(1_000_000), storage: kv });
    expect(second.controller.status().state).toBe('running');
  });
});

describe('power cuts', () => {
  it('at every NVS erase and byte, flash byte and erase of a realistic day: prescription whole, history never short, reservoir never high, alarms and log kept, a cut bolus closed once, nothing resumes', () => {
    const r = powerCutDay({ ...DAY_OPTIONS, library: LIBRARY_JSON }, REALISTIC_DAY);
    expect(r.firstViolations).toEqual([]);
    expect(r.points).toBeGreaterThan(1_000);
    expect(r.boots).toBeLessThan(r.points); // NVS byte cuts leave the key missing, as the erase cut does
    expect(r.bolusCloses).toBeGreaterThan(100); // cuts during the day's three boluses, each closed at boot
  });

  it('the same day on a 1.5 KB log that wraps, so erases and their cuts land on blocks holding records', () => {
    const r = powerCutDay({ ...DAY_OPTIONS, library: LIBRARY_JSON }, REALISTIC_DAY, 1, { bytes: 1536, block: 512 });
    expect(r.firstViolations).toEqual([]);
    expect(r.erases).toBeGreaterThan(3); // more erases than blocks: the ring went round
  });
});
