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
  it('leaves the plunger behind its furthest point by the back-off, not counted as delivery', () => {
    const vp = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: continuous(1_000_000 * 24) });
    const guard = vp.controller.guard;
    expect(guard).toBeDefined();
    vp.runFor(HOUR);
    vp.line.occlude(vp.nowMs);
    const until = vp.nowMs + 10 * MIN;
    while (vp.nowMs < until && !vp.events.some((e) => e.type === 'backoff')) vp.runFor(1_000);
    const backoff = vp.events.find((e) => e.type === 'backoff');
    expect(backoff).toBeDefined();
    vp.runFor(2 * MIN); // the back-off runs to its end
    const microsteps = backoff!.data['microsteps'] as number;
    expect(microsteps).toBeGreaterThan(0);
    // Every reverse pulse stands behind the furthest point, none of them booked as delivery.
    expect(guard!.behindPulses).toBe(microsteps);
    expect(vp.events.filter((e) => e.type === 'alarm').map((e) => e.data['alarm'])).toEqual(['OCCLUSION']);
  });
});
