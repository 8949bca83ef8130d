// The dose guard and the occlusion back-off, through the controller (issue 15): the guard's
// counter counts STEP pulses either way, so the app must tell it which way the DIR line stands.
// Without that (a10c48e) the back-off's reverse pulses counted as delivery, and the forward
// pulses that later take the line's pressure up again counted a second time.
import { describe, expect, it } from 'vitest';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

describe('an occlusion back-off seen by the dose guard', () => {
  // The back-off ends with a forward return by the play bound (firmware/core/backoff.ts): 256
  // microsteps here, more than the hour window's headroom at 0.1 mL/h (about 110 of them). Those
  // pulses stand behind the furthest point and count as nothing, so the guard must not refuse the
  // segment: before it counted them into its headroom it did, and tripped OVER_DELIVERY.
  it.each([1, 0.1])('at %s mL/h leaves the plunger behind its furthest point by the back-off, not counted as delivery', (mlPerHour) => {
    const vp = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: continuous(mlPerHour * 1_000_000 * 24) });
    const guard = vp.controller.guard;
    expect(guard).toBeDefined();
    vp.runFor(HOUR);
    vp.line.occlude(vp.nowMs);
    const until = vp.nowMs + 30 * MIN;
    while (vp.nowMs < until && !vp.events.some((e) => e.type === 'backoff')) vp.runFor(1_000);
    const backoff = vp.events.find((e) => e.type === 'backoff');
    expect(backoff).toBeDefined();
    vp.runFor(2 * MIN); // the back-off runs to its end
    const microsteps = backoff!.data['microsteps'] as number;
    expect(microsteps).toBeGreaterThan(0);
    expect(vp.controller.pump.status(vp.nowMs).state).toBe('alarm');
    expect(vp.controller.pump.alarms.list().map((a) => a.name)).toEqual(['OCCLUSION']);
    // Every reverse pulse stands behind the furthest point, none of them booked as delivery.
    expect(guard!.behindPulses).toBe(microsteps);
    expect(vp.events.filter((e) => e.type === 'alarm').map((e) => e.data['alarm'])).toEqual(['OCCLUSION']);
  });
});
