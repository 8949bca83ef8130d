// The power-cut sweep checks the whole restored state (host/storage/power-cut-checks.ts): the
// AUTH lockout and the dose memory too, and those checks fail when storage loses them; and the
// storage wear figures come from the firmware's own writes (host/storage/log-years.ts).
import { describe, expect, it } from 'vitest';
import { ALARM_DAY, DAY_OPTIONS, powerCutDay, REALISTIC_DAY } from '../host/storage/power-cut';
import { check } from '../host/storage/power-cut-checks';
import { recordDay, DEVICE_FLASH } from '../host/storage/power-cut-journal';
import { MockFlash } from '../host/storage/flash-mock';
import { firmwareWrites, replayYears } from '../host/storage/log-years';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { LIBRARY_JSON } from './fixtures';

const OPTIONS = { ...DAY_OPTIONS, library: LIBRARY_JSON };

describe('power cuts check the whole restored state', () => {
  it('a day of AUTH guesses, alarms and an occlusion: no violation, and the lockout checked at many cuts', () => {
    const r = powerCutDay(OPTIONS, ALARM_DAY, 32);
    expect(r.firstViolations).toEqual([]);
    expect(r.authChecks).toBeGreaterThan(20);
  });

  it('a store that lost the lockout or the dose memory is caught', () => {
    const day = recordDay(OPTIONS, ALARM_DAY, DEVICE_FLASH);
    const last = day.journal[day.journal.length - 1]!;
    const boot = (drop: string[]) => {
      const kv = last.before.clone();
      for (const k of drop) kv.remove(k);
      const flash = new MockFlash(DEVICE_FLASH.bytes, DEVICE_FLASH.block);
      flash.poke(0, last.flashBefore);
      return check(last, false, createVirtualPump({ ...OPTIONS, storage: kv, flash }));
    };
    expect(boot([])).toEqual([]);
    // The last AUTH was a success, so nothing stored is owed: cut at a write of the lock instead.
    const locked = day.journal.find((e) => e.auth.failures >= 3 && e.auth.locked)!;
    const kv = locked.before.clone();
    kv.remove('authlock.a');
    kv.remove('authlock.b');
    const flash = new MockFlash(DEVICE_FLASH.bytes, DEVICE_FLASH.block);
    flash.poke(0, locked.flashBefore);
    const found = check(locked, false, createVirtualPump({ ...OPTIONS, storage: kv, flash }));
    expect(found.some((v) => v.includes('AUTH had'))).toBe(true);
    expect(found.some((v) => v.includes('AUTH was locked'))).toBe(true);
    // A day with patient boluses: without the dose memory, the ledger or the bolus numbers go.
    const bolusDay = recordDay(OPTIONS, REALISTIC_DAY, DEVICE_FLASH);
    const end = bolusDay.journal[bolusDay.journal.length - 1]!;
    const lost = end.before.clone();
    lost.remove('doses.a');
    lost.remove('doses.b');
    const f2 = new MockFlash(DEVICE_FLASH.bytes, DEVICE_FLASH.block);
    f2.poke(0, end.flashBefore);
    const problems = check(end, false, createVirtualPump({ ...OPTIONS, storage: lost, flash: f2 }));
    expect(problems.some((v) => v.includes('missing from the ledger') || v.includes('would number the next bolus'))).toBe(true);
  });
});

describe("storage wear from the firmware's own writes", () => {
  it('a week of the life: hourly totals and events in the log, NVS written, and the replay wraps and reopens', () => {
    const w = firmwareWrites(7);
    const hourly = w.records.filter((r) => r.type === 2).length;
    expect(hourly).toBeGreaterThanOrEqual(7 * 24 - 1);
    expect(w.records.length).toBeGreaterThan(hourly);
    expect(w.boluses).toBeGreaterThan(7);
    expect(w.nvsWrites.length).toBeGreaterThan(0);
    const r = replayYears(w, 1);
    expect(r.reopenOk).toBe(true);
    // The ring keeps what its blocks hold: within 10 % of the byte arithmetic.
    const bytesPerDay = r.recordBytes / 365.25;
    expect(r.minHeldDays).toBeGreaterThan(((31 * 4080) / bytesPerDay) * 0.9);
    expect(r.minHeldDays).toBeLessThan(((32 * 4080) / bytesPerDay) * 1.1);
    expect(r.erasesPerBlockPerYear).toBeGreaterThan(1);
  });
});
