// What a power cut leaves on the ESP32's stores, and that the firmware survives it: NVS erases
// a key before writing it (modPreference.c), so a cut in between leaves the key missing; a cut
// flash write leaves its last byte half-programmed; a cut erase leaves a block partly erased.
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../firmware/storage/log';
import { FlashLog, LOG_BLOCK_HEADER_BYTES } from '../firmware/storage/log';
import { jsonBytes, RecordStore } from '../firmware/storage/records';
import { MockFlash, PowerCut } from '../host/storage/flash-mock';
import { MockKeyValueStore, STEPS_PER_WRITE } from '../host/storage/kv-mock';

const bytes = (n: number): Uint8Array => Uint8Array.of(n, n + 1, n + 2);

function cutWrite(kv: MockKeyValueStore, arm: (kv: MockKeyValueStore) => void, key: string, value: Uint8Array): void {
  arm(kv);
  expect(() => kv.write(key, value)).toThrow(PowerCut);
  kv.reboot();
}

describe('NVS mock: erase, then write', () => {
  it('a cut after the erase leaves the key missing, not holding its old value', () => {
    const kv = new MockKeyValueStore();
    kv.write('k', bytes(1));
    cutWrite(kv, (s) => s.cutAtStep(1), 'k', bytes(2));
    expect(kv.read('k')).toBeUndefined();
    kv.write('k', bytes(1));
    cutWrite(kv, (s) => s.cutAtWrite(0), 'k', bytes(2));
    expect(kv.read('k')).toBeUndefined();
    kv.write('k', bytes(1));
    cutWrite(kv, (s) => s.cutAfterBytes(2), 'k', bytes(2)); // mid-value: NVS drops the entry
    expect(kv.read('k')).toBeUndefined();
  });

  it('a cut before the erase keeps the old value; two steps complete a write', () => {
    const kv = new MockKeyValueStore();
    kv.write('k', bytes(1));
    cutWrite(kv, (s) => s.cutAtStep(0), 'k', bytes(2));
    expect(kv.read('k')).toEqual(bytes(1));
    kv.cutAtStep(STEPS_PER_WRITE);
    kv.write('k', bytes(3));
    expect(() => kv.write('j', bytes(4))).toThrow(PowerCut);
    kv.reboot();
    expect([kv.read('k'), kv.read('j')]).toEqual([bytes(3), undefined]);
    expect([kv.writes, kv.erases]).toEqual([2, 2]); // the cut writes never reached their erase
  });
});

describe('records on NVS that erases first', () => {
  /** Saves n = 1..8 to one record, cutting at `step` steps into save number `at`; returns what loads. */
  function cutSave(at: number, step: number): { loaded: number | 'missing' | 'failed'; problems: number } {
    const kv = new MockKeyValueStore();
    for (let n = 1; n < at; n++) new RecordStore(kv).save('rx', 1, jsonBytes({ n }));
    kv.cutAtStep(step);
    try {
      new RecordStore(kv).save('rx', 1, jsonBytes({ n: at }));
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
    }
    kv.reboot();
    const rs = new RecordStore(kv);
    const r = rs.load('rx', 1);
    if (!r.ok) return { loaded: 'failed', problems: rs.problems.length };
    if (r.value === 'missing') return { loaded: 'missing', problems: rs.problems.length };
    return { loaded: (JSON.parse(String.fromCharCode(...r.value.payload)) as { n: number }).n, problems: rs.problems.length };
  }

  it('a slot left missing by a cut is passed over like a bad one: its twin, the previous value, wins', () => {
    for (let at = 2; at <= 8; at++) {
      expect(cutSave(at, 0).loaded, `save ${at} cut before its erase`).toBe(at - 1);
      expect(cutSave(at, 1).loaded, `save ${at} cut after its erase`).toBe(at - 1);
      expect(cutSave(at, 2).loaded, `save ${at} complete`).toBe(at);
    }
    // The very first save cut after its erase: nothing was ever stored, as before it.
    expect(cutSave(1, 1).loaded).toBe('missing');
    // A missing slot is not damage: nothing to report.
    expect(cutSave(5, 1).problems).toBe(0);
  });

  it('the next save after such a cut fills the missing slot, and both slots hold again', () => {
    const kv = new MockKeyValueStore();
    for (let n = 1; n <= 3; n++) new RecordStore(kv).save('rx', 1, jsonBytes({ n }));
    kv.cutAtWrite(0);
    expect(() => new RecordStore(kv).save('rx', 1, jsonBytes({ n: 4 }))).toThrow(PowerCut);
    kv.reboot();
    const missing = kv.read('rx.a') === undefined ? 'rx.a' : 'rx.b';
    expect(kv.read(missing === 'rx.a' ? 'rx.b' : 'rx.a')).toBeDefined();
    new RecordStore(kv).save('rx', 1, jsonBytes({ n: 5 }));
    expect(kv.read(missing)).toBeDefined();
    const r = new RecordStore(kv).load('rx', 1);
    expect(r.ok && r.value !== 'missing' && r.value.counter).toBe(3);
  });

  it('one slot rewritten in place would lose the record: why the slots alternate', () => {
    const kv = new MockKeyValueStore();
    kv.write('one', jsonBytes({ n: 1 }));
    cutWrite(kv, (s) => s.cutAtWrite(0), 'one', jsonBytes({ n: 2 }));
    expect(kv.read('one')).toBeUndefined();
  });
});

/** A small log: 4 blocks of 512 bytes, filled until the next append erases the oldest block. */
function fullLog(): { flash: MockFlash; held: LogRecord[] } {
  const flash = new MockFlash(2048, 512);
  const log = FlashLog.open(flash);
  if (!log.ok) throw new Error(log.error.message);
  for (let seq = 1; ; seq++) {
    const probe = new MockFlash(2048, 512);
    probe.poke(0, flash.snapshot());
    const p = FlashLog.open(probe);
    if (!p.ok) throw new Error(p.error.message);
    p.value.append(1, Uint8Array.of(seq, seq, seq, seq, seq, seq, seq, seq, seq, seq));
    if (p.value.oldestSeq > log.value.oldestSeq) break; // the next append reuses the oldest block
    log.value.append(1, Uint8Array.of(seq, seq, seq, seq, seq, seq, seq, seq, seq, seq));
  }
  return { flash, held: log.value.read(0, 1000) };
}

describe('flash cuts: torn writes and partly erased blocks', () => {
  it('an erase cut part-way leaves the block partly erased, the byte at the cut half-erased', () => {
    const f = new MockFlash(2048, 512);
    f.write(512, Uint8Array.of(0x50, 0x00, 0x12, 0x34));
    f.cutInErase(2);
    expect(() => f.eraseBlock(1)).toThrow(PowerCut);
    expect(() => f.read(0, 1)).toThrow(PowerCut);
    f.reboot();
    expect([...f.read(512, 4)]).toEqual([0xff, 0xff, 0x1f, 0x34]);
    expect(f.eraseCounts).toEqual([0, 1, 0, 0]);
  });

  it("the log keeps every record but the erased block's when the erase reusing that block is cut anywhere", () => {
    const { flash, held } = fullLog();
    for (const n of [0, 1, 3, 4, 5, 15, 16, 17, 40, 256, 511]) {
      const f = new MockFlash(2048, 512);
      f.poke(0, flash.snapshot());
      const log = FlashLog.open(f);
      if (!log.ok) throw new Error(log.error.message);
      f.cutInErase(n);
      expect(() => log.value.append(2, new Uint8Array(10))).toThrow(PowerCut); // as large as those held: it needs the next block
      f.reboot();
      const after = FlashLog.open(f);
      expect(after.ok, `erase cut after ${n} bytes`).toBe(true);
      if (!after.ok) continue;
      const now = after.value.read(0, 1000);
      // Only the oldest block (the one being erased) may be gone; the rest reads back unchanged.
      const dropped = held.filter((r) => !now.some((x) => x.seq === r.seq));
      expect(now, `erase cut after ${n} bytes`).toEqual(held.filter((r) => r.seq >= (now[0]?.seq ?? Infinity)));
      expect(dropped.length, `erase cut after ${n} bytes`).toBeLessThanOrEqual(Math.floor((512 - LOG_BLOCK_HEADER_BYTES) / 20));
      // And the log goes on: the next append works and is read back.
      const r = after.value.append(3, Uint8Array.of(7));
      expect(r.ok && r.value.seq, `erase cut after ${n} bytes`).toBe(held.at(-1)!.seq + 1);
      const again = FlashLog.open(f);
      expect(again.ok && again.value.read(0, 1000).at(-1)!.type).toBe(3);
    }
  });

  it('a torn first block header (a byte half-programmed) is an empty log, not a foreign partition', () => {
    for (let n = 0; n < LOG_BLOCK_HEADER_BYTES; n++) {
      const f = new MockFlash(2048, 512);
      const log = FlashLog.open(f);
      if (!log.ok) throw new Error(log.error.message);
      f.cutAfterBytes(n);
      expect(() => log.value.append(1, Uint8Array.of(1))).toThrow(PowerCut);
      f.reboot();
      const after = FlashLog.open(f);
      expect(after.ok && after.value.problems.map((p) => p.code), `cut after ${n} header bytes`).toEqual(n === 0 && f.read(0, 1)[0] === 0xff ? [] : [604]);
    }
  });

  it('a record whose magic byte was torn, or whose closing was torn, is closed at the next append and not reported again', () => {
    for (const [what, cut] of [
      ['its magic', 0],
      ['the closing of a torn record', -1],
    ] as const) {
      const f = new MockFlash(2048, 512);
      const log = FlashLog.open(f);
      if (!log.ok) throw new Error(log.error.message);
      log.value.append(1, Uint8Array.of(1, 2, 3));
      f.cutAfterBytes(cut === 0 ? 0 : 4); // the record after 4 bytes, then (below) its closing byte
      expect(() => log.value.append(1, Uint8Array.of(4, 5, 6))).toThrow(PowerCut);
      f.reboot();
      if (cut === -1) {
        const reopened = FlashLog.open(f);
        if (!reopened.ok) throw new Error(reopened.error.message);
        f.cutAfterBytes(0); // the closing 0x00 over the magic, half-programmed
        expect(() => reopened.value.append(1, Uint8Array.of(7))).toThrow(PowerCut);
        f.reboot();
      }
      const after = FlashLog.open(f);
      if (!after.ok) throw new Error(after.error.message);
      expect(
        after.value.problems.map((p) => p.code),
        what,
      ).toEqual([604]);
      expect(after.value.append(1, Uint8Array.of(8)).ok).toBe(true);
      const third = FlashLog.open(f);
      expect(third.ok && third.value.problemCount, what).toBe(0);
      expect(third.ok && third.value.read(0, 10).map((r) => [...r.payload]), what).toEqual([[1, 2, 3], [8]]);
    }
  });
});
