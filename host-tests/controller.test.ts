// The composition root refuses a bad configuration with a numbered error, before anything runs.
import { describe, expect, it } from 'vitest';
import { ConfigRefused, createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON } from './fixtures';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

function refusal(options: Parameters<typeof createVirtualPump>[0]): number {
  try {
    createVirtualPump(options);
  } catch (e) {
    if (e instanceof ConfigRefused) return e.error.code;
    throw e;
  }
  return 0;
}

describe('configuration', () => {
  it('refuses a reservoir larger than the syringe, or not a whole number of nl', () => {
    expect(refusal({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_001 })).toBe(421);
    expect(refusal({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 1.5 })).toBe(102);
  });

  it('refuses bad mechanics, library or starting prescription', () => {
    expect(refusal({ mechanics: { ...RIG, syringe: 'bd-2ml' }, library: LIBRARY_JSON })).toBe(200);
    expect(refusal({ mechanics: RIG, library: { drugs: 'none' } })).toBe(101);
    expect(refusal({ mechanics: RIG, library: LIBRARY_JSON, prescription: continuous(-5) })).toBe(103);
  });

  it('starts with nothing running and the motor unpowered when no prescription is given', () => {
    const vp = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON });
    vp.runFor(3_600_000);
    expect(vp.controller.status().state).toBe('idle');
    expect(vp.rig.enabled).toBe(false);
    expect(vp.rig.position).toBe(0);
    const r = vp.controller.pause();
    expect(!r.ok && r.error.code).toBe(400);
  });
});
