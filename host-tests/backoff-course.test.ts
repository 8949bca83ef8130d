// The back-off's course (firmware/core/fault-path.ts, backoff.ts): back by the ask, a hold while
// the line evens out, back by the drive's play bound, then forward by the bound, so that the nut
// ends the ask behind on its driving flank whatever the play. A second occlusion's back-off can land while the first still runs; the
// course must then still end both asks behind, approached forward by the whole bound.
import { describe, expect, it } from 'vitest';
import { BACKOFF_SETTLE_MS } from '../firmware/core/backoff';
import { EventQueue } from '../firmware/core/event-queue';
import { FaultPath } from '../firmware/core/fault-path';
import { Planner } from '../firmware/core/planner';
import type { Plan } from '../firmware/core/pump-types';

const PLAY = 256;
const FL = 100_000_000; // 100 nl a microstep

function faultPath(): FaultPath {
  return new FaultPath(new EventQueue(), {
    hold: () => {},
    released: () => {},
    rateNlPerDay: () => 0,
    flPerMicrostep: () => FL,
    playMicrosteps: () => PLAY,
  });
}

/** The planner's clock: the back-off's hold ends at a time (BACKOFF_SETTLE_MS). */
const clock = { now: 0 };

/**
 * Runs the back-off as the planner does, the clock following its hold: the reverse by the ask,
 * the hold, the reverse by the overshoot, then the return (at most `reverseAtMost` reverse and
 * `forwardAtMost` forward steps); the nut's path.
 */
function run(f: FaultPath, nut: { at: number; lastForwardRun: number }, reverseAtMost = Infinity, forwardAtMost = Infinity): void {
  let back = reverseAtMost;
  let fwd = forwardAtMost;
  for (let plan = f.backoffPlan(new Planner(), clock.now, 2_000, Infinity); plan; plan = f.backoffPlan(new Planner(), clock.now, 2_000, Infinity)) {
    if (!plan.segment) {
      // The hold: powered and still until it ends.
      expect(plan.enable).toBe(true);
      expect(plan.wakeAtMs).toBeGreaterThan(clock.now);
      clock.now = plan.wakeAtMs;
      continue;
    }
    const n = Math.min(plan.segment.count, plan.direction === -1 ? back : fwd);
    if (n === 0) return;
    if (plan.direction === -1) {
      back -= n;
      expect(f.moved(-n)).toBe(0);
      nut.at -= n;
      nut.lastForwardRun = 0;
    } else {
      fwd -= n;
      expect(f.moved(n)).toBe(0); // the return's steps are never delivery
      nut.at += n;
      nut.lastForwardRun += n;
    }
  }
}

function occlusion(f: FaultPath, storedNl: number): void {
  f.raise(0, 'OCCLUSION', 'test', storedNl, 0, true);
  expect(f.acknowledge(0).ok).toBe(true);
}

describe('the back-off course', () => {
  it('goes back by the ask and the play bound, then forward by the bound', () => {
    const f = faultPath();
    const nut = { at: 0, lastForwardRun: 0 };
    occlusion(f, 10_000); // 100 microsteps
    expect([f.backoffSteps, f.returnSteps]).toEqual([100 + PLAY, PLAY]);
    run(f, nut);
    expect(f.relieving).toBe(false);
    expect(nut).toEqual({ at: -100, lastForwardRun: PLAY });
  });

  it.each([
    ['mid-reverse', 50, 0],
    ['mid-return', Infinity, 100],
  ])('a second back-off arriving %s still ends both asks behind, approached forward by the whole bound', (_when, reverse, forward) => {
    const f = faultPath();
    const nut = { at: 0, lastForwardRun: 0 };
    occlusion(f, 10_000);
    run(f, nut, reverse, forward);
    expect(f.relieving).toBe(true);
    occlusion(f, 5_000); // 50 microsteps more
    run(f, nut);
    expect(f.relieving).toBe(false);
    // Before, a return already under way was not taken back: the pusher ended 100 microsteps
    // short of both asks (a bolus of the line's content when it cleared).
    expect(nut).toEqual({ at: -150, lastForwardRun: PLAY });
  });
});

describe('the back-off runs exact, and a driver that runs on is booked', () => {
  it('plans every part as an exact segment (no PWM train whose late stop runs on), the hold between the ask and the overshoot', () => {
    const f = faultPath();
    occlusion(f, 10_000);
    const plan = (now: number): Plan => f.backoffPlan(new Planner(), now, 2_000, Infinity)!;
    expect(plan(0)).toMatchObject({ direction: -1, segment: { count: 100, exact: true } });
    expect(f.moved(-100)).toBe(0);
    // The line evens out across the sensor with the pusher held (backoff.ts): powered, still.
    expect(plan(0)).toMatchObject({ segment: undefined, enable: true, wakeAtMs: BACKOFF_SETTLE_MS });
    expect(plan(BACKOFF_SETTLE_MS - 1)).toMatchObject({ segment: undefined, wakeAtMs: BACKOFF_SETTLE_MS });
    expect(plan(BACKOFF_SETTLE_MS)).toMatchObject({ direction: -1, segment: { count: PLAY, exact: true } });
    expect(f.moved(-PLAY)).toBe(0);
    expect(plan(BACKOFF_SETTLE_MS)).toMatchObject({ direction: 1, segment: { count: PLAY, exact: true } });
  });

  it('forward steps past the return pushed into the line: booked as delivery, not lost', () => {
    // Population rig 1 at 0.1 mL/h: a stop 136 ms late ran the return 137 microsteps past its 256.
    const f = faultPath();
    occlusion(f, 10_000);
    f.backoffPlan(new Planner(), 0, 2_000, Infinity);
    expect(f.moved(-(100 + PLAY))).toBe(0);
    f.backoffPlan(new Planner(), 0, 2_000, Infinity);
    expect(f.moved(PLAY + 137)).toBe(137);
    expect(f.relieving).toBe(false);
  });
});
