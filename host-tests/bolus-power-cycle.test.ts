// The dose memory across resets (issue 13, hole 1): the patient-bolus ledger, the periodic
// bolus schedule and the bolus numbering survive a power cut, a clean shutdown and a watchdog
// reset, so cycling the power between requests never buys a bolus the lockout or the 24-hour
// maxima refuse. Each board here is a new virtual board booting from the same storage.
import { describe, expect, it } from 'vitest';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import type { VirtualPump } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
/** The reproduction: 50 uL boluses, a 4 h lockout and 100 uL in 24 h. */
const LIMITS = { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 4 * HOUR, maxPer24h: 4, maxVolumeNlPer24h: 100_000 };

type Reset = 'power cut' | 'clean shutdown' | 'watchdog reset';

function boot(kv: MockKeyValueStore, prescription: unknown): VirtualPump {
  return createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription, reservoirNl: 20_000_000, storage: kv });
}

/** Ends a board's run the way `how` says, and boots the next on the same storage. */
function reset(vp: VirtualPump, kv: MockKeyValueStore, how: Reset, prescription: unknown): VirtualPump {
  if (how === 'clean shutdown') vp.persistence!.shutdown();
  // A power cut and a watchdog reset look the same to storage: the run simply ends.
  const next = boot(kv, prescription);
  next.controller.acknowledge(); // the clinician acknowledges UNEXPECTED_RESET where raised
  return next;
}

function startedBoluses(vps: VirtualPump[], kind: string): number {
  return vps.reduce((n, vp) => n + vp.events.filter((e) => e.type === 'bolus-start' && e.data['kind'] === kind).length, 0);
}

describe.each<Reset>(['power cut', 'clean shutdown', 'watchdog reset'])('patient boluses across a %s', (how) => {
  it('four requests in an hour with a reset between each give one bolus: the lockout holds', () => {
    const kv = new MockKeyValueStore();
    const rx = continuous(1_000_000, { patientBolus: LIMITS });
    const boards = [boot(kv, rx)];
    const answers: (number | 'ok')[] = [];
    for (let i = 0; i < 4; i++) {
      const vp = boards[boards.length - 1]!;
      const r = vp.controller.patientBolus();
      answers.push(r.ok ? 'ok' : r.error.code);
      // A watchdog resets the board in the middle of the bolus; the others 15 min later.
      vp.runFor(how === 'watchdog reset' ? 30_000 : 15 * MIN);
      boards.push(reset(vp, kv, how, rx));
    }
    expect(answers).toEqual(['ok', 411, 411, 411]);
    expect(startedBoluses(boards, 'patient')).toBe(1);
  });

  it('the 24-hour volume maximum holds across resets once the lockout has passed', () => {
    const kv = new MockKeyValueStore();
    const rx = continuous(1_000_000, { patientBolus: LIMITS });
    const boards = [boot(kv, rx)];
    const answers: (number | 'ok')[] = [];
    for (let i = 0; i < 3; i++) {
      const vp = boards[boards.length - 1]!;
      const r = vp.controller.patientBolus();
      answers.push(r.ok ? 'ok' : r.error.code);
      vp.runFor(4 * HOUR + MIN); // past the lockout, well inside 24 h
      boards.push(reset(vp, kv, how, rx));
    }
    // 100 uL in 24 h allows two 50 uL boluses; the third is refused (E413, volume maximum).
    expect(answers).toEqual(['ok', 'ok', 413]);
    expect(startedBoluses(boards, 'patient')).toBe(2);
  });

  it('a periodic bolus given before the reset is not given again after it', () => {
    const kv = new MockKeyValueStore();
    const rx = continuous(1_000_000, { periodicBolus: { volumeNl: 20_000, durationMs: 600_000, everyMs: 6 * HOUR, firstAfterMs: 0 } });
    const boards = [boot(kv, rx)];
    for (let i = 0; i < 4; i++) {
      const vp = boards[boards.length - 1]!;
      vp.runFor(HOUR);
      boards.push(reset(vp, kv, how, rx));
    }
    boards[boards.length - 1]!.runFor(HOUR);
    // Five hours of pump time, one dose due at 0 h and the next at 6 h: one dose, not five.
    expect(startedBoluses(boards, 'periodic')).toBe(1);
  });

  it('bolus numbers keep counting, so a settled record is never another bolus', () => {
    const kv = new MockKeyValueStore();
    const rx = continuous(1_000_000, { patientBolus: LIMITS });
    const first = boot(kv, rx);
    const a = first.controller.patientBolus();
    first.runFor(HOUR);
    const second = reset(first, kv, how, rx);
    second.runFor(4 * HOUR);
    const b = second.controller.patientBolus();
    expect(a.ok && b.ok).toBe(true);
    expect(b.ok && a.ok && b.value.bolusId).toBeGreaterThan(a.ok ? a.value.bolusId : 0);
  });
});

describe('the dose memory itself', () => {
  const rx = continuous(1_000_000, { patientBolus: LIMITS });

  it('lost on a board that had run: STORAGE_FAULT, and patient boluses refused for 24 h of pump time', () => {
    const kv = new MockKeyValueStore();
    const first = boot(kv, rx);
    first.runFor(HOUR);
    // Both slots of the record unreadable (a worn sector, a foreign write).
    for (const slot of ['doses.a', 'doses.b']) for (let i = 0; i < 16; i++) kv.corrupt(slot, i);
    const second = boot(kv, rx);
    expect(second.controller.status().alarms.map((a) => a.name)).toContain('STORAGE_FAULT');
    expect(second.controller.acknowledge().ok).toBe(true);
    const r = second.controller.patientBolus();
    expect(!r.ok && r.error.code).toBe(415);
    expect(!r.ok && r.error.message).toMatch(/allowed again in 1440 min/);
    second.runFor(24 * HOUR);
    expect(second.controller.patientBolus().ok).toBe(true);
  });

  it('a trial carries on across a reset: a dose given before it is not given again', () => {
    const kv = new MockKeyValueStore();
    const trial = {
      name: 'trial',
      drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
      mode: 'trial',
      trial: {
        doses: [
          { atMs: 0, volumeNl: 30_000, durationMs: 600_000 },
          { atMs: 8 * HOUR, volumeNl: 30_000, durationMs: 600_000 },
        ],
        continuous: { rateNlPerDay: 1_000_000, durationMs: 10 * HOUR },
      },
    };
    const first = boot(kv, trial);
    first.runFor(2 * HOUR);
    const second = reset(first, kv, 'power cut', trial);
    second.runFor(2 * HOUR);
    const third = reset(second, kv, 'clean shutdown', trial);
    third.runFor(5 * HOUR);
    const given = [first, second, third].map((vp) => vp.events.filter((e) => e.type === 'bolus-start' && e.data['kind'] === 'trial').length);
    // The 0 h dose before the first reset; the 8 h dose on the third board (pump time 8 h).
    expect(given).toEqual([1, 0, 1]);
  });

  it('the pump clock carries on across a reset instead of starting again at 0', () => {
    const kv = new MockKeyValueStore();
    const first = boot(kv, rx);
    first.runFor(3 * HOUR);
    const before = first.controller.status().nowMs;
    first.persistence!.shutdown();
    const second = boot(kv, rx);
    expect(second.controller.status().nowMs).toBeGreaterThan(before);
  });
});

describe('clinician boluses and priming: the library counts them per 24 h, across resets', () => {
  // Baclofen in the example library: 2 clinician boluses a day soft, 4 hard; priming 2 hard.
  const BACLOFEN = { name: 'bac', drug: { name: 'baclofen', concentrationUgPerMl: 2000 }, mode: 'continuous', rateNlPerDay: 100_000, priming: { volumeNl: 20_000, rateNlPerDay: 2_000_000 } };
  const BOLUS = { volumeNl: 20_000, durationMs: 600_000 }; // 40 ug

  it('soft at 2, hard at 4, and a power cut does not reset the count', () => {
    const kv = new MockKeyValueStore();
    let vp = boot(kv, BACLOFEN);
    const answers: (number | 'ok')[] = [];
    const ask = (override = false): void => {
      const r = vp.controller.clinicianBolus({ ...BOLUS, overrideSoftLimits: override });
      answers.push(r.ok ? 'ok' : r.error.code);
      vp.runFor(30 * MIN);
    };
    ask();
    ask();
    vp = reset(vp, kv, 'power cut', BACLOFEN);
    ask(); // the third is over the soft count
    ask(true);
    vp = reset(vp, kv, 'power cut', BACLOFEN);
    ask(true);
    ask(true); // the fifth is over the hard count, override or not
    expect(answers).toEqual(['ok', 'ok', 123, 'ok', 'ok', 122]);
    vp.runFor(24 * HOUR);
    const later = vp.controller.clinicianBolus(BOLUS);
    expect(
      later.ok
        ? 'ok'
        : later.error.message +
            vp.events
              .filter((e) => e.type === 'alarm')
              .map((e) => e.reason.text)
              .join(' | '),
    ).toBe('ok');
  });

  it('priming: two fills a day, the third refused with the time it is allowed again', () => {
    const kv = new MockKeyValueStore();
    let vp = boot(kv, BACLOFEN);
    expect(vp.controller.prime().ok).toBe(true);
    vp.runFor(HOUR);
    vp = reset(vp, kv, 'clean shutdown', BACLOFEN);
    expect(vp.controller.prime().ok).toBe(true);
    vp.runFor(HOUR);
    const third = vp.controller.prime();
    expect(!third.ok && third.error.code).toBe(122);
    expect(!third.ok && third.error.message).toMatch(/hard\.maxPrimingsPer24h.*allowed in \d+ min/);
  });
});
