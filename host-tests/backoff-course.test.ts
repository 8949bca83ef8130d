// The back-off's course (firmware/core/fault-path.ts, backoff.ts): back by the ask and the drive's
// play bound, then forward by the bound, so that the nut ends the ask behind on its driving flank
// whatever the play. A second occlusion's back-off can land while the first still runs; the
// course must then still end both asks behind, approached forward by the whole bound.
import { describe, expect, it } from 'vitest';
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

/** Runs the back-off as the planner does: the reverse first, then the return; the nut's path. */
function run(f: FaultPath, nut: { at: number; lastForwardRun: number }, reverseAtMost = Infinity, forwardAtMost = Infinity): void {
  const plan = (): Plan => f.backoffPlan(new Planner(), 0, 2_000, Infinity)!;
  const back = Math.min(plan().segment!.count, reverseAtMost);
  expect(f.moved(-back)).toBe(0);
  nut.at -= back;
  if (back > 0) nut.lastForwardRun = 0;
  if (f.backoffSteps > 0) return;
  expect(plan().direction).toBe(1);
  const fwd = Math.min(f.returnSteps, forwardAtMost);
  expect(f.moved(fwd)).toBe(0); // the return's steps are never delivery
  nut.at += fwd;
  nut.lastForwardRun += fwd;
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
  it('plans both parts as exact segments (no PWM train whose late stop runs on)', () => {
    const f = faultPath();
    occlusion(f, 10_000);
    const plan = f.backoffPlan(new Planner(), 0, 2_000, Infinity)!;
    expect(plan.segment).toMatchObject({ count: 100 + PLAY, exact: true });
    expect(f.moved(-(100 + PLAY))).toBe(0);
    expect(f.backoffPlan(new Planner(), 0, 2_000, Infinity)!.segment).toMatchObject({ count: PLAY, exact: true });
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
