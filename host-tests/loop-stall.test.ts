// Time the loop did not run is a fault to report, never volume to make up (issue 13, hole 3).
// A wake that comes far later than planned (a timer lost, a stuck task, a debugger) used to
// deliver everything due in the gap at the motor's top speed: after 30 min at 1 mL/h, 0.5 mL
// in a few seconds. The pump now delivers what was due up to the planned wake (plus a
// tolerance for ordinary lateness), skips the rest, raises LOOP_STALLED saying how much was
// missed, and carries on at the prescribed rate. Driven at the core: the test is the loop.
import { describe, expect, it } from 'vitest';
import { Pump } from '../firmware/core/pump';
import { continuous, library, mechanics, PATIENT } from './fixtures';

const MIN = 60_000;
const M = mechanics();
const stepsOf = (nl: number): number => Math.ceil((nl * 1e6) / M.flPerMicrostep);

/** The app's loop, the motor emitting every step it is given, from `from` up to `to`. */
function loop(pump: Pump, from: number, to: number, emitted = 0): { now: number; emitted: number; steps: number } {
  let now = from;
  let steps = 0;
  let pending = emitted;
  while (now < to) {
    const plan = pump.update(now, pending);
    pending = plan.segment && plan.direction === 1 ? plan.segment.count : 0;
    steps += pending;
    now = Math.max(now + 1, plan.wakeAtMs);
  }
  return { now, emitted: pending, steps };
}

function alarms(pump: Pump): string[] {
  return pump.alarms.list().map((a) => a.name);
}

describe('a stalled loop', () => {
  it('at 1 mL/h, 30 min without a wake: no burst, LOOP_STALLED with the missed volume, then the prescribed rate', () => {
    const pump = new Pump({ mechanics: M, library: library(), reservoirNl: 20_000_000 }, 0);
    expect(pump.program(0, continuous(24_000_000)).ok).toBe(true);
    const before = loop(pump, 0, 10 * MIN);
    // The loop does not run for 30 minutes; then one late wake.
    const lateAt = before.now + 30 * MIN;
    const plan = pump.update(lateAt, before.emitted);
    const burst = plan.segment?.count ?? 0;
    // At most what is due in one step window at 1 mL/h, plus the tolerance: never 0.5 mL.
    expect(burst).toBeLessThan(stepsOf(1_000));
    expect(alarms(pump)).toContain('LOOP_STALLED');
    const stalled = pump.takeEvents().find((e) => e.type === 'alarm' && e.data['alarm'] === 'LOOP_STALLED');
    expect(stalled?.reason.text).toMatch(/about 49\d{4} nl of basal not delivered/);
    // Delivery carries on at the prescribed rate: ten more minutes give 1/6 mL, no more.
    const after = loop(pump, lateAt, lateAt + 10 * MIN, burst);
    expect(Math.abs(after.steps - stepsOf(24_000_000 / 144))).toBeLessThan(stepsOf(1_000));
    expect(pump.state).toBe('running');
  });

  it('a patient bolus running through the stall ends as interrupted and is not made up', () => {
    const pump = new Pump({ mechanics: M, library: library(), reservoirNl: 20_000_000 }, 0);
    expect(pump.program(0, continuous(1_000_000, { patientBolus: PATIENT })).ok).toBe(true);
    const first = loop(pump, 0, MIN);
    expect(pump.patientBolus(first.now).ok).toBe(true);
    const during = loop(pump, first.now, first.now + 2 * MIN, first.emitted);
    pump.takeEvents();
    const plan = pump.update(during.now + 30 * MIN, during.emitted);
    expect(plan.segment?.count ?? 0).toBeLessThan(stepsOf(1_000));
    const ended = pump.takeEvents().find((e) => e.type === 'bolus-interrupted');
    expect(ended?.reason.code).toBe('INTERRUPTED_BY_STALL');
    // What it may have delivered still counts against the 24-hour maxima: the lockout holds.
    const again = pump.patientBolus(during.now + 30 * MIN);
    expect(!again.ok && again.error.code).toBe(411);
  });

  it('ordinary lateness (a timer 200 ms late, a 180 ms stall) is delivered as usual, no alarm', () => {
    const pump = new Pump({ mechanics: M, library: library(), reservoirNl: 20_000_000 }, 0);
    expect(pump.program(0, continuous(24_000_000)).ok).toBe(true);
    let now = 0;
    let pending = 0;
    let steps = 0;
    for (let i = 0; i < 3000; i++) {
      const plan = pump.update(now, pending);
      pending = plan.segment?.count ?? 0;
      steps += pending;
      now = plan.wakeAtMs + (i % 7 === 0 ? 200 : 1);
    }
    expect(alarms(pump)).toEqual([]);
    // Everything due up to the last wake was given (within a step window's worth).
    expect(Math.abs(steps - stepsOf((24_000_000 * now) / 86_400_000))).toBeLessThan(stepsOf(1_000));
  });
});
