// The flash log on the NOR flash mock: round trips and paging, wrap-around that overwrites
// the oldest records in order, a power cut at every byte of every write of an append (and a
// second cut while recovering), corruption, foreign and future-version partitions, and five
// years at the default rate with its capacity and wear (record formats: storage-log-records).
import { describe, expect, it } from 'vitest';
import { crc16 } from '../firmware/shared/crc';
import type { LogRecord } from '../firmware/storage/log';
import { FlashLog, LOG_BLOCK_HEADER_BYTES, LOG_MAX_PAYLOAD, LOG_RECORD_OVERHEAD } from '../firmware/storage/log';
import { FLASH_RATED_ERASE_CYCLES, benchStorageLog, logFormula, runLog } from '../host/bench/storage-log';
import { Prng } from '../host/sim/prng';
import { MockFlash, PowerCut } from '../host/storage/flash-mock';

/** A small partition so that wrap-around comes quickly: 4 blocks of 512 bytes. */
const SMALL = { bytes: 2048, block: 512 };

function payloadFor(seq: number, length = 5 + (seq % 23)): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seq * 31 + i * 7) & 0xff);
}

function open(flash: MockFlash): FlashLog {
  const r = FlashLog.open(flash);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function appendOk(log: FlashLog, type: number, payload: Uint8Array): number {
  const r = log.append(type, payload);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.seq;
}

function readAll(log: FlashLog, page = 7): LogRecord[] {
  const out: LogRecord[] = [];
  for (let from = 0; ; ) {
    const p = log.read(from, page);
    if (p.length === 0) return out;
    out.push(...p);
    from = p[p.length - 1]!.seq + 1;
  }
}

/** A copy of a flash's contents on a fresh mock (erase counts start at 0). */
function cloneFlash(flash: MockFlash): MockFlash {
  const copy = new MockFlash(flash.byteLength, flash.blockSize);
  copy.poke(0, flash.snapshot());
  return copy;
}

describe('FlashLog: append and read', () => {
  it('opens an erased partition empty, without writing', () => {
    const f = new MockFlash();
    const log = open(f);
    expect([log.oldestSeq, log.newestSeq, log.stats.records, log.problems.length]).toEqual([1, 0, 0, 0]);
    expect(log.read(0, 10)).toEqual([]);
    expect(f.bytesWritten + f.eraseCounts.reduce((a, b) => a + b)).toBe(0);
  });

  it('round-trips records of every size, in pages, and again after a reopen', () => {
    const f = new MockFlash();
    const log = open(f);
    const sizes = [0, 1, 2, 16, 40, 100, 253, LOG_MAX_PAYLOAD];
    const written = sizes.map((n, i) => ({ seq: appendOk(log, i % 255, payloadFor(i, n)), type: i % 255, payload: payloadFor(i, n) }));
    expect(written.map((w) => w.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const l of [log, open(f)]) {
      expect(readAll(l, 3)).toEqual(written);
      expect(l.read(4, 2).map((r) => r.seq)).toEqual([4, 5]);
      expect(l.read(8, 10).map((r) => r.seq)).toEqual([8]);
      expect(l.read(9, 10)).toEqual([]);
      expect([l.oldestSeq, l.newestSeq, l.stats.records, l.problemCount]).toEqual([1, 8, 8, 0]);
      expect(l.stats.bytesUsed).toBe(LOG_BLOCK_HEADER_BYTES + sizes.reduce((a, n) => a + n + LOG_RECORD_OVERHEAD, 0));
    }
    const again = open(f);
    expect(appendOk(again, 3, payloadFor(9))).toBe(9);
  });

  it('refuses a bad type or an oversized payload with E603 and writes nothing', () => {
    const f = new MockFlash();
    const log = open(f);
    for (const r of [
      log.append(255, new Uint8Array(1)),
      log.append(-1, new Uint8Array(1)),
      log.append(1.5, new Uint8Array(1)),
      log.append(1, new Uint8Array(LOG_MAX_PAYLOAD + 1)),
      log.append(1, new Uint8Array(4), 5),
    ]) {
      expect(r.ok ? 0 : r.error.code).toBe(603);
    }
    expect(f.bytesWritten).toBe(0);
    expect(log.append(1, new Uint8Array(10), 4).ok).toBe(true);
    expect(log.read(1, 1)[0]!.payload.length).toBe(4);
  });

  it('refuses a partition of fewer than 2 blocks or odd geometry with E602', () => {
    for (const f of [new MockFlash(4096, 4096), new MockFlash(1024, 256)]) {
      const r = FlashLog.open(f);
      expect(r.ok ? 0 : r.error.code).toBe(602);
    }
  });
});

describe('FlashLog: wrap-around', () => {
  it('erases the oldest block when the head fills, dropping the oldest records in order', () => {
    const f = new MockFlash(SMALL.bytes, SMALL.block);
    const log = open(f);
    const oldests: number[] = [];
    for (let seq = 1; seq <= 400; seq++) {
      expect(appendOk(log, 7, payloadFor(seq))).toBe(seq);
      oldests.push(log.oldestSeq);
      const all = readAll(log);
      // Always a contiguous run ending at the newest: nothing missing, nothing out of order.
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: seq - log.oldestSeq + 1 }, (_, i) => log.oldestSeq + i));
      expect(all.every((r) => r.payload.join() === payloadFor(r.seq).join())).toBe(true);
    }
    // The oldest never goes back and only jumps when a whole block is erased.
    for (let i = 1; i < oldests.length; i++) expect(oldests[i]).toBeGreaterThanOrEqual(oldests[i - 1]!);
    expect(new Set(oldests).size).toBeGreaterThan(10);
    // Asking for an overwritten record gives the oldest one left.
    expect(log.read(1, 1)[0]!.seq).toBe(log.oldestSeq);
    // Erases spread evenly over the ring; the log's own count (from block sequence numbers) agrees.
    expect(Math.max(...f.eraseCounts) - Math.min(...f.eraseCounts)).toBeLessThanOrEqual(1);
    expect(log.stats.erasesPerBlock).toEqual(f.eraseCounts);
    const again = open(f);
    expect([again.oldestSeq, again.newestSeq, again.problemCount]).toEqual([log.oldestSeq, 400, 0]);
    expect(readAll(again)).toEqual(readAll(log));
    expect(again.stats.erasesPerBlock).toEqual(f.eraseCounts);
  });
});

/**
 * Cuts the power at every byte of one append (all its writes: closing a torn record, a block
 * erase and header, the record, its commit byte) on a copy of `base`, reboots and checks.
 * Returns how many cut points were tried.
 */
function cutEveryByte(base: MockFlash, type: number, payload: Uint8Array, secondCut: boolean): number {
  const before = open(cloneFlash(base));
  const held = readAll(before);
  const nextSeq = before.newestSeq + 1;
  // The recovery append has the same length, so it takes the same path (a new block or not).
  const again = payloadFor(nextSeq + 7, payload.length);
  // What the append drops when it completes (the oldest block, if it reuses it): a cut may
  // drop that too, never more.
  const whole = open(cloneFlash(base));
  appendOk(whole, type, payload);
  let tried = 0;
  for (let n = 0; ; n++) {
    const f = cloneFlash(base);
    const log = open(f);
    f.cutAfterBytes(n);
    let cut = false;
    try {
      log.append(type, payload);
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      cut = true;
    }
    f.reboot();
    if (!cut) return tried; // n reached the whole append: every cut point was tried
    tried++;
    const after = open(f);
    const context = `cut after ${n} bytes`;
    // Every complete earlier record is still there (unless its block was the one being reused).
    expect(after.oldestSeq, context).toBeLessThanOrEqual(whole.oldestSeq);
    const now = readAll(after);
    expect(
      now.map((r) => r.seq),
      context,
    ).toEqual(held.filter((r) => r.seq >= after.oldestSeq).map((r) => r.seq));
    expect(now, context).toEqual(held.filter((r) => r.seq >= after.oldestSeq));
    // The torn record is never returned.
    expect(after.newestSeq, context).toBe(nextSeq - 1);
    expect(after.read(nextSeq, 5), context).toEqual([]);
    expect(
      after.problems.every((p) => p.code === 604),
      context,
    ).toBe(true);
    const recover = (l: FlashLog): void => {
      const r = l.append(type + 1, again);
      expect(r.ok && r.value.seq, context).toBe(nextSeq);
    };
    if (secondCut) {
      // A second cut while recovering, at a few points, then recover for good.
      for (const m of [0, 1, 5]) {
        const g = cloneFlash(f);
        const l = open(g);
        g.cutAfterBytes(m);
        try {
          l.append(type + 1, again);
        } catch (e) {
          if (!(e instanceof PowerCut)) throw e;
        }
        g.reboot();
        const l2 = open(g);
        expect(l2.newestSeq === nextSeq - 1 || l2.newestSeq === nextSeq, `${context}, then after ${m}`).toBe(true);
        if (l2.newestSeq === nextSeq - 1) recover(l2);
        expect(readAll(open(g)).at(-1)!.payload, `${context}, then after ${m}`).toEqual(again);
      }
    }
    recover(after);
    const third = open(f);
    expect(third.problemCount, `${context}: the torn record is closed and not reported again`).toBe(0);
    const last = readAll(third);
    expect(last.at(-1), context).toEqual({ seq: nextSeq, type: type + 1, payload: again });
    expect(last.slice(0, -1), context).toEqual(held.filter((r) => r.seq >= third.oldestSeq));
    expect(appendOk(third, 1, payloadFor(1)), context).toBe(nextSeq + 1);
  }
}

describe('FlashLog: a power cut at every byte', () => {
  it('in the middle of a block, for several record sizes', () => {
    let tried = 0;
    for (const size of [0, 1, 9, 30]) {
      const base = new MockFlash(SMALL.bytes, SMALL.block);
      const log = open(base);
      for (let i = 1; i <= 5; i++) appendOk(log, 2, payloadFor(i));
      tried += cutEveryByte(base, 4, payloadFor(99, size), size === 9);
    }
    expect(tried).toBe([0, 1, 9, 30].reduce((a, s) => a + s + LOG_RECORD_OVERHEAD, 0));
  });

  it('when the append starts a new block, and when it erases the oldest block to reuse it', () => {
    for (const wrapped of [false, true]) {
      const base = new MockFlash(SMALL.bytes, SMALL.block);
      const log = open(base);
      // Append 30-byte records until the next one would have to start a block (an erased
      // one, or the oldest, whose records it drops).
      for (let seq = 1; ; seq++) {
        const probe = open(cloneFlash(base));
        appendOk(probe, 2, payloadFor(seq, 30));
        const startsBlock = probe.stats.headBlock !== log.stats.headBlock && log.stats.headBlock >= 0;
        if (startsBlock && probe.oldestSeq > log.oldestSeq === wrapped) break;
        appendOk(log, 2, payloadFor(seq, 30));
      }
      const tried = cutEveryByte(base, 4, payloadFor(log.newestSeq + 1, 30), true);
      // The block header, the record and its commit byte: every byte a cut point.
      expect(tried, `wrapped ${wrapped}`).toBe(LOG_BLOCK_HEADER_BYTES + 30 + LOG_RECORD_OVERHEAD);
    }
  });

  it('after a torn record: the boot closes it, and reports it once', () => {
    const f = new MockFlash(SMALL.bytes, SMALL.block);
    const log = open(f);
    appendOk(log, 1, payloadFor(1));
    f.cutAfterBytes(12);
    expect(() => log.append(1, payloadFor(2))).toThrow(PowerCut);
    f.reboot();
    const after = open(f);
    expect(after.problems.map((p) => [p.code, p.name, p.block])).toEqual([[604, 'LOG_TORN', 0]]);
    expect(after.problems[0]!.message).toMatch(/cut short by a power loss/);
    expect(open(f).problemCount).toBe(1); // still there until the next append closes it
    appendOk(after, 1, payloadFor(3));
    const third = open(f);
    expect(third.problemCount).toBe(0);
    expect(readAll(third).map((r) => r.seq)).toEqual([1, 2]);
    expect(readAll(third)[1]!.payload).toEqual(payloadFor(3));
  });

  it('a write that throws mid-append is recovered from by the same log object too', () => {
    const f = new MockFlash(SMALL.bytes, SMALL.block);
    const log = open(f);
    appendOk(log, 1, payloadFor(1));
    f.cutAfterBytes(3);
    expect(() => log.append(1, payloadFor(2))).toThrow(PowerCut);
    f.reboot();
    expect(appendOk(log, 1, payloadFor(3))).toBe(2);
    expect(readAll(open(f)).map((r) => r.payload)).toEqual([payloadFor(1), payloadFor(3)]);
  });
});

describe('FlashLog: corruption, foreign and future partitions', () => {
  function filled(records: number): { f: MockFlash; written: LogRecord[] } {
    const f = new MockFlash(SMALL.bytes, SMALL.block);
    const log = open(f);
    const written: LogRecord[] = [];
    for (let i = 1; i <= records; i++) {
      appendOk(log, 5, payloadFor(i));
      written.push({ seq: i, type: 5, payload: payloadFor(i) });
    }
    return { f, written };
  }
  /** Byte offset of record `seq` in the partition (records are laid out in order). */
  function offsetOf(f: MockFlash, seq: number): number {
    const bytes = f.snapshot();
    for (let at = 0; at < bytes.length - 6; at++) {
      if (bytes[at] === 0xa5 && (bytes[at + 2]! | (bytes[at + 3]! << 8)) === seq && bytes[at + 4] === 0 && bytes[at + 5] === 0) return at;
    }
    throw new Error(`record ${seq} not found`);
  }

  it('detects a flipped bit in a record, reports it (E605) and reads every other record', () => {
    const { f, written } = filled(20);
    const at = offsetOf(f, 10) + 9;
    f.poke(at, [f.read(at, 1)[0]! ^ 0x04]);
    const log = open(f);
    expect(log.problems.map((p) => [p.code, p.block, p.offset])).toEqual([[605, Math.floor((at - 9) / SMALL.block), (at - 9) % SMALL.block]]);
    expect(readAll(log)).toEqual(written.filter((r) => r.seq !== 10));
    expect(appendOk(log, 5, payloadFor(21))).toBe(21);
    expect(readAll(open(f)).map((r) => r.seq)).toEqual([...Array.from({ length: 9 }, (_, i) => i + 1), ...Array.from({ length: 11 }, (_, i) => i + 11)]);
  });

  it('resynchronises after a corrupt length byte', () => {
    const { f, written } = filled(20);
    f.poke(offsetOf(f, 5) + 1, [200]);
    const log = open(f);
    expect(log.problems.map((p) => p.code)).toEqual([605]);
    expect(readAll(log)).toEqual(written.filter((r) => r.seq !== 5));
  });

  it('drops a block whose header is damaged (E606) and keeps the others', () => {
    const { f, written } = filled(60);
    const log0 = open(f);
    const victim = (log0.stats.headBlock + 2) % log0.stats.blocks; // neither head nor oldest
    f.poke(victim * SMALL.block + 6, [f.read(victim * SMALL.block + 6, 1)[0]! ^ 0x01]); // block sequence, low bit
    const log = open(f);
    expect(log.problems.map((p) => [p.code, p.block])).toEqual([[606, victim]]);
    const left = readAll(log);
    expect(left.length).toBeGreaterThan(20);
    expect(left.length).toBeLessThan(written.length - log0.oldestSeq + 1);
    for (const r of left) expect(r).toEqual(written[r.seq - 1]);
    expect(left.map((r) => r.seq)).toEqual([...left.map((r) => r.seq)].sort((a, b) => a - b));
    expect(appendOk(log, 5, payloadFor(61))).toBe(61);
  });

  it('refuses a foreign partition (random bytes) with E600, also one foreign block among erased ones', () => {
    const rng = new Prng(20261231);
    const f = new MockFlash(SMALL.bytes, SMALL.block);
    f.poke(
      0,
      Array.from({ length: SMALL.bytes }, () => rng.nextUint32() & 0xff),
    );
    const r = FlashLog.open(f);
    expect(r.ok ? 0 : r.error.code).toBe(600);
    expect(r.ok ? '' : r.error.name).toBe('LOG_FOREIGN');
    const g = new MockFlash(SMALL.bytes, SMALL.block);
    g.poke(SMALL.block, [0x12, 0x34, 0x56]);
    const s = FlashLog.open(g);
    expect(s.ok ? 0 : s.error.code).toBe(600);
    // Formatting is the explicit way out: everything is erased.
    const formatted = FlashLog.format(f);
    expect(formatted.ok && formatted.value.newestSeq).toBe(0);
    expect(formatted.ok && formatted.value.append(1, payloadFor(1)).ok).toBe(true);
    expect(readAll(open(f)).map((x) => x.seq)).toEqual([1]);
  });

  it('refuses a partition written in a newer format version with E601, even if only one block is', () => {
    const { f } = filled(60);
    const block = 1;
    const header = f.read(block * SMALL.block, LOG_BLOCK_HEADER_BYTES);
    header[4] = 2;
    const crc = crc16(header, 14);
    header[14] = crc & 0xff;
    header[15] = crc >>> 8;
    f.poke(block * SMALL.block, header);
    const r = FlashLog.open(f);
    expect(r.ok ? 0 : r.error.code).toBe(601);
    expect(r.ok ? '' : r.error.message).toMatch(/version 2/);
  });

  it('treats a torn first block header on a fresh partition as an empty log', () => {
    const f = new MockFlash(SMALL.bytes, SMALL.block);
    const log = open(f);
    f.cutAfterBytes(6);
    expect(() => log.append(1, payloadFor(1))).toThrow(PowerCut);
    f.reboot();
    const after = open(f);
    expect(after.problems.map((p) => p.code)).toEqual([604]);
    expect(appendOk(after, 1, payloadFor(1))).toBe(1);
    expect(open(f).problemCount).toBe(0);
  });

  it('never throws on random damage: open refuses or reports, and every record it returns is one that was written', () => {
    const rng = new Prng(7);
    for (let trial = 0; trial < 200; trial++) {
      const { f, written } = filled(70);
      for (let k = 0; k < 1 + (trial % 6); k++) f.poke(rng.nextUint32() % SMALL.bytes, [rng.nextUint32() & 0xff]);
      const r = FlashLog.open(f);
      if (!r.ok) {
        expect([600, 601]).toContain(r.error.code);
        continue;
      }
      const got = readAll(r.value);
      for (const x of got) expect(x).toEqual(written[x.seq - 1]);
      expect(got.map((x) => x.seq)).toEqual([...got.map((x) => x.seq)].sort((a, b) => a - b));
      expect(r.value.append(5, payloadFor(71)).ok).toBe(true);
    }
  });
});

describe('five years at the default rate', () => {
  const run = runLog({ days: 1826, verifyEveryDays: 30 });

  it('keeps every record readable, in order and unchanged; the oldest are overwritten in order', () => {
    expect(run.violations).toEqual([]);
    expect(run.verifications).toBe(61);
    expect(run.records).toBe(1826 * 44);
    expect(run.oldestAdvances).toBeGreaterThan(500);
    expect(run.log.newestSeq).toBe(run.records);
    expect(run.log.oldestSeq).toBeGreaterThan(run.records - 95 * 44);
  });

  it('wears the blocks evenly, and the log counts the erases the flash saw', () => {
    const erases = run.flash.eraseCounts;
    expect(erases.length).toBe(32);
    expect(Math.min(...erases)).toBeGreaterThan(10);
    expect(Math.max(...erases) - Math.min(...erases)).toBeLessThanOrEqual(1);
    expect(run.log.stats.erasesPerBlock).toEqual(erases);
  });

  it('measures capacity and wear that agree with the byte arithmetic within 5%', () => {
    const days = 1826;
    const formula = logFormula(run.recordBytes / days, run.records / days);
    expect(Math.abs(run.minHeldDays - formula.days) / formula.days).toBeLessThan(0.05);
    const perYear = run.flash.eraseCounts.reduce((a, b) => a + b) / 32 / (days / 365.25);
    expect(Math.abs(perYear - formula.erasesPerBlockPerYear) / formula.erasesPerBlockPerYear).toBeLessThan(0.05);
    expect(run.minHeldDays).toBeGreaterThan(90);
  });

  it("gives the benchmark figures from the firmware's own writes: over 60 days of history, far below the rated endurance", () => {
    const b = benchStorageLog();
    expect(b['storage.logDaysCapacity']).toBeGreaterThan(60);
    expect(b['storage.logEraseCyclesPerBlockPerYear']).toBeLessThan(6);
    expect(b['storage.wearPercentPer7y']).toBeCloseTo((b['storage.logMaxEraseCyclesPerBlockPerYear']! * 7 * 100) / FLASH_RATED_ERASE_CYCLES, 3);
    // NVS: an upper bound from ESP-IDF's page format, under a fifth of the rated cycles in 7 years.
    expect(b['storage.nvsWearPercentPer7y']).toBeLessThan(20);
    expect(b['storage.wearPercentPer7y']).toBeLessThan(0.1);
  });
});
