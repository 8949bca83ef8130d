// Delivery after an occlusion's back-off: an alarm acknowledged while the plunger is still
// pulling back must not resume delivery from the acknowledgement. Before the fix the pump went
// back to 'running' at once, but the planner ran the back-off first and never advanced the
// engine meanwhile; when the back-off ended, the engine integrated the basal over the whole
// back-off time and gave it as one burst: a catch-up, which the safety rules forbid.
import { describe, expect, it } from 'vitest';
import { BACKOFF_SETTLE_MS } from '../firmware/core/backoff';
import { stuckInReverseDriver } from '../host/sim/broken-driver';
import type { VirtualPump } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const ML_PER_HOUR_NL_PER_DAY = 1_000_000 * 24;

function occludedAndBackingOff(stuck: { on: boolean }) {
  // Stuck in reverse only: delivery builds the occlusion's pressure, the back-off cannot run.
  const vp = createVirtualPump({
    mechanics: RIG,
    library: LIBRARY_JSON,
    reservoirNl: 10_000_000,
    prescription: continuous(ML_PER_HOUR_NL_PER_DAY),
    wrapStepper: stuckInReverseDriver(() => stuck.on),
  });
  vp.runFor(HOUR);
  vp.line.occlude(vp.nowMs);
  const until = vp.nowMs + 10 * MIN;
  while (vp.nowMs < until && !vp.events.some((e) => e.type === 'backoff')) vp.runFor(100);
  expect(vp.events.some((e) => e.type === 'backoff')).toBe(true);
  return vp;
}

/** Counts the forward STEP pulses the rig sees from now on. */
function forwardPulses(vp: VirtualPump): { count: number } {
  const seen = { count: 0 };
  vp.rig.onPulses((b) => {
    if (b.direction === 1) seen.count += b.count;
  });
  return seen;
}

/** The back-off's forward return (backoff.ts): forward pulses that are not delivery. */
function returnSteps(vp: VirtualPump): number {
  const play = vp.events.find((e) => e.type === 'backoff')?.data['playMicrosteps'];
  expect(play).toBeGreaterThan(0);
  return play as number;
}

describe('an alarm acknowledged during the occlusion back-off', () => {
  it('resumes delivery only when the back-off is done, with no catch-up of the time it took', () => {
    const stuck = { on: true };
    const vp = occludedAndBackingOff(stuck);
    vp.line.release(vp.nowMs);
    expect(vp.controller.acknowledge().ok).toBe(true);
    // Delivery is still held: the plunger has not backed off yet.
    expect(vp.controller.pump.state).toBe('alarm');
    vp.runFor(10 * MIN);
    expect(vp.controller.pump.state).toBe('alarm');
    stuck.on = false;
    const forward = forwardPulses(vp);
    // The back-off runs: a few hundred microsteps at half the top speed, with its hold between
    // the ask and the overshoot (backoff.ts).
    vp.runFor(BACKOFF_SETTLE_MS + 2_000);
    expect(vp.controller.pump.state).toBe('running');
    vp.runFor(28_000);
    // Half a minute of 1 mL/h from the back-off's end: 8.3 uL, about 80 microsteps of 0.104 uL,
    // besides the back-off's own forward return. A catch-up of the ten minutes the back-off took
    // would add about 1600 more.
    expect(forward.count - returnSteps(vp)).toBeGreaterThan(60);
    expect(forward.count - returnSteps(vp)).toBeLessThan(110);
    const resume = vp.events.filter((e) => e.type === 'resume');
    expect(resume).toHaveLength(1);
  });

  it('stays paused after the back-off when the operator paused during it', () => {
    const stuck = { on: true };
    const vp = occludedAndBackingOff(stuck);
    vp.line.release(vp.nowMs);
    expect(vp.controller.acknowledge().ok).toBe(true);
    expect(vp.controller.pause().ok).toBe(true);
    stuck.on = false;
    vp.runFor(BACKOFF_SETTLE_MS + 2_000);
    expect(vp.controller.pump.state).toBe('paused');
    expect(vp.controller.resume().ok).toBe(true);
    expect(vp.controller.pump.state).toBe('running');
  });

  it('holds a prescription programmed during the back-off until the back-off is done', () => {
    const stuck = { on: true };
    const vp = occludedAndBackingOff(stuck);
    vp.line.release(vp.nowMs);
    expect(vp.controller.acknowledge().ok).toBe(true);
    vp.runFor(MIN);
    expect(vp.controller.program(continuous(ML_PER_HOUR_NL_PER_DAY)).ok).toBe(true);
    expect(vp.controller.pump.state).toBe('alarm');
    vp.runFor(10 * MIN);
    stuck.on = false;
    const forward = forwardPulses(vp);
    vp.runFor(BACKOFF_SETTLE_MS + 30_000);
    expect(vp.controller.pump.state).toBe('running');
    expect(forward.count - returnSteps(vp)).toBeGreaterThan(60);
    expect(forward.count - returnSteps(vp)).toBeLessThan(110);
  });

  it('says why resume is refused while the back-off runs', () => {
    const stuck = { on: true };
    const vp = occludedAndBackingOff(stuck);
    expect(vp.controller.acknowledge().ok).toBe(true);
    const r = vp.controller.resume();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/back-off/);
  });
});
