// The pacing behind the dashboard's speed control (Pacer.setSpeed), on a wall clock the test
// owns: an engine that runs a thousand times faster than real time falls behind a day a second
// (the pacer then gives up the debt, as designed); slowed to a minute a second between two
// steps, board time must follow the new pace at once, not stall while the old pace's debt is
// paid off, and stopped (speed 0) it must stand exactly where it is. No real time passes.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { FRAME_MS, Pacer } from '../host/board/pacer';

afterEach(() => {
  vi.useRealTimers();
});

/** A pacer over a fake engine: each step costs wall time in proportion to the board time it runs (x1000: too slow for a day a second). */
function rig(speed: number, engine: number) {
  vi.useFakeTimers({ now: 0 });
  const s = { now: 0, between: undefined as (() => void) | undefined };
  const wall = (): number => Date.now();
  const pacer = new Pacer({
    speed,
    startMs: 0,
    nowMs: () => s.now,
    wallNow: wall,
    step: async (toMs) => {
      // The engine runs `engine` times faster than real time: the step takes that much of the (one, fake) wall clock.
      vi.setSystemTime(wall() + (toMs - s.now) / engine);
      s.now = toMs;
      // What VirtualBoard.setSpeed's queue does: a speed change lands between two steps.
      const f = s.between;
      s.between = undefined;
      f?.();
    },
    frame: () => undefined,
    failed: (e) => {
      throw e;
    },
  });
  /** Lets `ms` of wall time pass (more, when steps are under way), frames firing as they come due. */
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 5) await vi.advanceTimersByTimeAsync(5);
  };
  pacer.start();
  return { s, pacer, run, wall };
}

describe("Pacer.setSpeed (the dashboard's speed control)", () => {
  it('follows a slower pace at once, whatever debt the faster one left', async () => {
    const { s, pacer, run, wall } = rig(86_400, 1_000);
    await run(1_000);
    expect(s.now).toBeGreaterThan(60_000); // it ran flat out, far behind a day a second
    let at = { now: -1, wall: -1 };
    s.between = () => {
      pacer.setSpeed(60);
      at = { now: s.now, wall: wall() };
    };
    await run(2_000);
    expect(at.now).toBeGreaterThan(0);
    expect(pacer.speed).toBe(60);
    // x60 from the change: what the wall clock says, within a frame of pacing.
    const want = (wall() - at.wall) * 60;
    expect(s.now - at.now).toBeGreaterThan(want - 60 * FRAME_MS - 10_000);
    expect(s.now - at.now).toBeLessThan(want + 60 * FRAME_MS + 10_000);
    await pacer.stop();
  });

  it('stands still at speed 0 where the clock is, and runs again from there', async () => {
    const { s, pacer, run, wall } = rig(3_600, 100_000);
    await run(500);
    let at = -1;
    s.between = () => {
      pacer.setSpeed(0);
      at = s.now;
    };
    await run(200);
    // At most the step already asked for runs after the change (a slice: seconds at most here).
    const stood = s.now;
    expect(stood - at).toBeLessThan(10_000);
    await run(2_000);
    expect(s.now).toBe(stood);
    pacer.setSpeed(600);
    const from = wall();
    await run(1_000);
    expect(s.now - stood).toBeGreaterThan((wall() - from) * 600 - 600 * FRAME_MS - 10_000);
    await pacer.stop();
  });
});
