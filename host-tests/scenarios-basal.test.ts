// Basal delivery on the virtual rig: the firmware's controller and pulse driver on mock pins,
// counted by the rig. Volumes are checked against an independent BigInt oracle.
import { describe, expect, it } from 'vitest';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { stepDueMs, stepsDue } from './oracle';
import { continuous, LIBRARY_JSON, mechanics } from './fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

describe('24 hours of continuous delivery', () => {
  it.each([0.048, 1, 24])('delivers %s mL/day within one microstep', (mlPerDay) => {
    const rate = Math.round(mlPerDay * 1_000_000);
    const vp = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(rate), reservoirNl: 30_000_000 });
    vp.runFor(DAY);
    const fl = mechanics().flPerMicrostep;
    const prescribedSteps = (rate * 1e6) / fl; // 24 h at rate, in (fractional) microsteps
    expect(Math.abs(vp.rig.position - prescribedSteps)).toBeLessThanOrEqual(1);
    // The firmware's own account agrees with the rig to the nanolitre.
    expect(vp.controller.status().deliveredNl).toBe(Math.floor((vp.rig.position * fl) / 1e6));
    // Every step at the millisecond the oracle says it falls due.
    const pieces = [{ fromMs: 0, rateNlPerDay: rate }];
    const times = vp.pulseTimes;
    for (const k of [1, 2, Math.ceil(times.length / 2), times.length]) {
      expect(times[k - 1]).toBe(stepDueMs(pieces, k, fl, 0, DAY));
    }
  });
});

describe('flexible schedule', () => {
  it('switches rates at the right millisecond across midnight', () => {
    const fl = mechanics().flPerMicrostep;
    const schedule = [
      { startMs: 0, rateNlPerDay: 6_000_000 }, // from midnight: 6 mL/day
      { startMs: 6 * HOUR, rateNlPerDay: 1_500_000 },
      { startMs: 23 * HOUR + 30 * 60_000, rateNlPerDay: 12_000_000 }, // 23:30: 12 mL/day
    ];
    // The pump is switched on at 22:00, so midnight falls 2 h in.
    const vp = createVirtualPump({
      mechanics: RIG,
      library: LIBRARY_JSON,
      timeOfDayMs: 22 * HOUR,
      prescription: { name: 'flex', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'flexible', schedule },
    });
    vp.runFor(DAY + 2 * HOUR);
    const rateEvents = vp.events.filter((e) => e.type === 'rate').map((e) => [e.at, e.data['rateNlPerDay']]);
    // 22:00 the 06:00 step is in force; 23:30 (1.5 h in), 00:00 (2 h), 06:00 (8 h), 23:30 next day.
    expect(rateEvents).toEqual([
      [0, 1_500_000],
      [1.5 * HOUR, 12_000_000],
      [2 * HOUR, 6_000_000],
      [8 * HOUR, 1_500_000],
      [25.5 * HOUR, 12_000_000],
      [26 * HOUR, 6_000_000],
    ]);
    expect(vp.events.filter((e) => e.type === 'rate').map((e) => e.reason.code)).toEqual(['SCHEDULE_IN_FORCE', ...Array(5).fill('SCHEDULE_STEP')]);
    expect(vp.events[0]?.type).toBe('program');
    const pieces = rateEvents.map(([at, r]) => ({ fromMs: at as number, rateNlPerDay: r as number }));
    const end = DAY + 2 * HOUR;
    expect(Math.abs(vp.rig.position - stepsDue(pieces, end, fl))).toBeLessThanOrEqual(1);
    // Every pulse, before and after each switch, at the oracle's millisecond.
    vp.pulseTimes.forEach((t, i) => {
      if (i % 97 === 0 || Math.abs(t - 2 * HOUR) < 60_000 || Math.abs(t - 1.5 * HOUR) < 60_000) {
        expect(t).toBe(stepDueMs(pieces, i + 1, fl, 0, end));
      }
    });
  });

  it('follows the clock when the time of day is set', () => {
    const schedule = [
      { startMs: 0, rateNlPerDay: 1_000_000 },
      { startMs: 12 * HOUR, rateNlPerDay: 2_000_000 },
    ];
    const vp = createVirtualPump({
      mechanics: RIG,
      library: LIBRARY_JSON,
      timeOfDayMs: 0,
      prescription: { drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'flexible', schedule },
    });
    vp.runFor(HOUR);
    expect(vp.controller.setTimeOfDay(12 * HOUR - 1000).ok).toBe(true);
    vp.runFor(2000);
    const rates = vp.events.filter((e) => e.type === 'rate').map((e) => [e.at, e.data['rateNlPerDay']]);
    expect(rates).toEqual([
      [0, 1_000_000],
      [HOUR + 1000, 2_000_000],
    ]);
  });
});

describe('the 32-bit millisecond wrap', () => {
  it('runs 60 days across the wrap with no error in delivered volume', () => {
    const rig = { ...RIG, syringe: 'bd-60ml' };
    const fl = mechanics(rig).flPerMicrostep;
    const rate = 900_000; // 0.9 mL/day: 54 mL in 60 days
    // Ticks start one hour before 2^32, so they wrap in the first hour (and again near day 50).
    const vp = createVirtualPump({ mechanics: rig, library: LIBRARY_JSON, prescription: continuous(rate), reservoirNl: 60_000_000, startTick: 2 ** 32 - HOUR });
    vp.runFor(60 * DAY);
    const pieces = [{ fromMs: 0, rateNlPerDay: rate }];
    expect(vp.rig.position).toBe(stepsDue(pieces, 60 * DAY, fl));
    expect(vp.pulseTimes[vp.pulseTimes.length - 1]).toBe(stepDueMs(pieces, vp.pulseTimes.length, fl, 0, 60 * DAY));
    const dayTotals = vp.events.filter((e) => e.type === 'day-total');
    expect(dayTotals.length).toBe(60);
  });
});

describe('reservoir', () => {
  it('stops when empty through the alarm path, and resumes only after refill and acknowledgement', () => {
    const vp = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(24_000_000), reservoirNl: 1_000_000 });
    vp.runFor(2 * HOUR); // 1 mL at 1 mL/h lasts one hour
    const fl = mechanics().flPerMicrostep;
    expect(vp.rig.position).toBe(Math.floor(1e12 / fl));
    const alarms = vp.events.filter((e) => e.type === 'alarm').map((e) => e.reason.code);
    expect(alarms).toEqual(['RESERVOIR_LOW', 'RESERVOIR_EMPTY']);
    const empty = vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === 'RESERVOIR_EMPTY')!;
    expect(empty.at).toBeGreaterThan(HOUR - 60_000);
    expect(empty.at).toBeLessThanOrEqual(HOUR + 2000);
    expect(vp.events.find((e) => e.type === 'safe-state')?.data['alarm']).toBe('RESERVOIR_EMPTY');
    expect(vp.controller.status().state).toBe('alarm');
    expect(vp.rig.enabled).toBe(false);
    const early = vp.controller.resume();
    expect(!early.ok && early.error.code).toBe(431);
    expect(vp.controller.refill(5_000_000).ok).toBe(true);
    vp.rig.refill(5_000_000);
    expect(vp.controller.status().state).toBe('alarm'); // latched until acknowledged
    expect(vp.controller.acknowledge(31).ok).toBe(true);
    expect(vp.controller.status().state).toBe('running');
    const before = vp.rig.position;
    vp.runFor(HOUR);
    // No catch-up for the hour it stood empty: one hour at 1 mL/h.
    expect(Math.abs(vp.rig.position - before - 1e12 / fl)).toBeLessThanOrEqual(1);
  });

  it('projects the empty time assuming every allowed patient bolus is taken', () => {
    const vp = createVirtualPump({
      mechanics: RIG,
      library: LIBRARY_JSON,
      reservoirNl: 10_000_000,
      prescription: continuous(1_000_000, { patientBolus: { volumeNl: 250_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 1_000_000 } }),
    });
    // 1 mL/day basal + 1 mL/day of patient boluses: 10 mL lasts 5 days at worst.
    expect(vp.controller.status().projectedEmptyMs).toBe(5 * DAY);
  });
});
