// The rig's mechanics with real errors (host/sim/rig-mechanics.ts), one error at a time on a bare
// rig driven pulse by pulse on the PinBus, each shown by a number that can be checked by hand:
// a bore 2 % wider pushes 2 % more, backlash swallows exactly backlash / travel microsteps, a
// once-per-turn wobble is gone after whole turns, stick-slip moves in slips only below the
// critical speed, steps are lost only above the pull-out force. Then the seeded draw: the same
// seed gives the same rig, every draw within MECHANICS_RANGES. Virtual time only.
import { describe, expect, it } from 'vitest';
import { geometryFlPerMicrostep } from '../firmware/core/mechanics';
import { PinBus } from '../host/sim/io-mocks';
import { VirtualRig } from '../host/sim/rig';
import type { RigMechanicsErrors, RigMechanicsOptions } from '../host/sim/rig-mechanics';
import { IDEAL_MECHANICS, sinTurns } from '../host/sim/rig-mechanics';
import { drawMechanicsErrors, MECHANICS_RANGES } from '../host/sim/rig-mechanics-draw';
import { VirtualClock } from '../host/sim/virtual-clock';

// The example rig: BD 10 mL (14.427 mm) on a 2 mm lead, 200 full steps x 16 microsteps.
const GEOMETRY = { leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const PER_REV = 3200;
const TRAVEL_UM = 2000 / PER_REV; // 0.625 um, exact in binary
const FL = geometryFlPerMicrostep(14_427, 2000, PER_REV); // 102 169 663 fl
const FL_PER_UM = FL / TRAVEL_UM;

function bench(errors?: Partial<RigMechanicsErrors>, extra: Partial<RigMechanicsOptions> = {}, reservoirNl = 10_000_000) {
  const clock = new VirtualClock();
  const bus = new PinBus();
  const pins = { step: 1, dir: 2, enable: 3 };
  const mechanics = errors && { errors: { ...IDEAL_MECHANICS, ...errors }, geometry: GEOMETRY, ...extra };
  const rig = new VirtualRig({ bus, clock, pins, flPerMicrostep: FL, reservoirNl, ...(mechanics && { mechanics }) });
  bus.emit(pins.enable, 'digital', 0, 0, 0);
  bus.emit(pins.dir, 'digital', 1, 0, 0);
  /** `n` STEP pulses in `direction`, one every `everyMs`; returns pushedFl after each. */
  const step = (n: number, direction: 1 | -1 = 1, everyMs = 10): number[] => {
    bus.emit(pins.dir, 'digital', direction === 1 ? 1 : 0, 0, clock.nowMs);
    const after: number[] = [];
    for (let i = 0; i < n; i++) {
      bus.emit(pins.step, 'digital', 1, 0, clock.nowMs);
      bus.emit(pins.step, 'digital', 0, 0, clock.nowMs);
      after.push(rig.pushedFl);
      clock.runFor(everyMs);
    }
    return after;
  };
  return { clock, bus, pins, rig, step };
}

describe('deterministic trigonometry', () => {
  it('sinTurns is sin(2 pi x) to within 1e-15, from + - * / only', () => {
    for (let i = 0; i < 4000; i++) {
      const x = i / 4000 + 0.00001;
      // Math.sin's own argument 2 pi x is rounded, so a few ulp apart is all one can ask.
      expect(Math.abs(sinTurns(x) - Math.sin(2 * Math.PI * x))).toBeLessThan(1e-15);
      // Whole turns change nothing (dyadic fractions, so x + k is exact).
      const d = i / 4096;
      expect(sinTurns(d - 7)).toBe(sinTurns(d));
      expect(sinTurns(d + 12)).toBe(sinTurns(d));
    }
    expect([sinTurns(0), sinTurns(0.25), sinTurns(0.5), sinTurns(0.75), sinTurns(3)]).toEqual([0, 1, 0, -1, 0]);
  });
});

describe('each error on its own, on a bare rig', () => {
  it('no errors through the chain is the ideal rig, to a femtolitre, forward and back', () => {
    const ideal = bench();
    const chain = bench({});
    for (const [n, dir] of [
      [5_000, 1],
      [1_234, -1],
      [777, 1],
    ] as const) {
      const a = ideal.step(n, dir);
      const b = chain.step(n, dir);
      for (const [i, v] of a.entries()) expect(Math.abs(b[i]! - v)).toBeLessThanOrEqual(1);
    }
    expect(chain.rig.position).toBe(ideal.rig.position);
    expect(Number.isInteger(chain.rig.pushedFl)).toBe(true);
  });

  it('a bore 2 % larger in area pushes 2 % more, at every microstep', () => {
    const { rig, step } = bench({ boreAreaError: 0.02 });
    const after = step(PER_REV);
    for (const [i, v] of after.entries()) expect(Math.abs(v - Math.round((i + 1) * FL * 1.02))).toBeLessThanOrEqual(1);
    expect(rig.pushedFl / (PER_REV * FL) - 1).toBeCloseTo(0.02, 9);
  });

  it('a lead 0.2 mm long over 300 mm pushes 0.067 % more, cumulatively', () => {
    const { rig, step } = bench({ leadError: 0.2 / 300 });
    step(10 * PER_REV, 1, 1);
    expect(rig.pushedFl / (10 * PER_REV * FL) - 1).toBeCloseTo(0.2 / 300, 9);
  });

  it('a once-per-turn wobble of 10 um: 10 um of volume at its worst, nothing after whole turns', () => {
    const { step } = bench({ pitchWobbleUm: 10, pitchWobblePhase: 0 });
    const after = step(3 * PER_REV, 1, 1);
    const deviationUm = after.map((v, i) => v / FL_PER_UM - (i + 1) * TRAVEL_UM);
    // sin over the turn: +10 um a quarter turn in, -10 um three quarters in.
    expect(Math.max(...deviationUm)).toBeCloseTo(10, 2);
    expect(Math.min(...deviationUm)).toBeCloseTo(-10, 2);
    for (const turns of [1, 2, 3]) expect(Math.abs(after[turns * PER_REV - 1]! - turns * PER_REV * FL)).toBeLessThanOrEqual(1);
  });

  it('driver microstep error: a few % of a full step within 4 full steps, none over whole cycles', () => {
    const { step } = bench({ microstepErrorFullSteps: 0.05, microstepErrorPhase: 0.1, detentErrorFullSteps: 0.02, detentErrorPhase: 0.3 });
    const after = step(40 * 16, 1, 1);
    // Offsets from the ideal, in full steps, against the error where the rotor started.
    const offsets = after.map((v, i) => (v / FL - (i + 1)) / 16);
    const amplitude = (Math.max(...offsets) - Math.min(...offsets)) / 2;
    expect(amplitude).toBeGreaterThan(0.04);
    expect(amplitude).toBeLessThanOrEqual(0.07 + 1e-6); // the two amplitudes added
    // Every 4 full steps (one electrical cycle, 64 microsteps) both terms are back where they started.
    for (let c = 1; c <= 10; c++) expect(Math.abs(after[c * 64 - 1]! - c * 64 * FL - (after[63]! - 64 * FL))).toBeLessThanOrEqual(2);
  });

  it('step-angle error: within +-5 % of a full step everywhere, non-cumulative over turns', () => {
    const { step } = bench({ stepAngleErrorFullSteps: 0.05, seed: 11 });
    const after = step(5 * PER_REV, 1, 1);
    const offsets = after.map((v, i) => v / FL - (i + 1));
    const start = offsets[PER_REV - 1]!; // the error at the start position, seen a turn later
    for (const o of offsets) expect(Math.abs(o - start)).toBeLessThanOrEqual(2 * 0.05 * 16 + 1e-6);
    for (const turns of [2, 3, 4, 5]) expect(offsets[turns * PER_REV - 1]).toBeCloseTo(start, 6);
  });

  it('backlash 50 um: after each reversal the first 50 / 0.625 = 80 microsteps move nothing', () => {
    const { rig, step } = bench({ backlashUm: 50 });
    step(1_000);
    const top = rig.pushedFl;
    const back = step(100, -1);
    expect(back.slice(0, 80).every((v) => v === top)).toBe(true);
    expect(back[80]).toBe(top - Math.round(FL)); // the 81st takes the pusher back one microstep
    const bottom = back[99]!;
    const forward = step(100, 1);
    expect(forward.slice(0, 80).every((v) => v === bottom)).toBe(true);
    expect(Math.abs(forward[80]! - bottom - FL)).toBeLessThanOrEqual(1);
    expect(rig.position).toBe(1_000); // the rotor turned every pulse; the nut's play ate 160
  });

  it('backlash under back-pressure: a line pushing harder than the seal keeps the nut on its flank in a back-off', () => {
    // 50 um of play, a 10 um glide deflection at 4 N (0.4 N/um). Backing off 100 microsteps:
    // the seal's friction flips first (10 um to -10 um of deflection: 32 microsteps, nothing
    // moves), then the stopper follows the screw if the line still pushes harder than the seal.
    const lostOnReversal = (loadN: number): number => {
      const { rig, step } = bench({ backlashUm: 50, stickGlideUm: 10, glideForceN: 4 }, { loadN: () => loadN });
      step(1_000);
      const top = rig.pushedFl;
      const back = step(100, -1);
      return back.findIndex((v) => v < top);
    };
    expect(lostOnReversal(10)).toBe(32); // 10 N: the play never opens
    // Below the glide force the play opens once the line's force no longer beats the seal: the
    // friction flip, then all 80 microsteps of play, as with no line at all.
    expect(lostOnReversal(2)).toBe(-1);
    expect(lostOnReversal(0)).toBe(-1);
    const { rig, step } = bench({ backlashUm: 50, stickGlideUm: 10, glideForceN: 4 }, { loadN: () => 0 });
    step(1_000);
    const top = rig.pushedFl;
    const back = step(200, -1);
    expect(back.findIndex((v) => v < top)).toBe(112); // 10 + 50 + 10 um = 112 microsteps of nothing
  });

  it('a glide deflection needs a glide force: without one the chain has no stiffness', () => {
    expect(() => bench({ stickGlideUm: 10 })).toThrow(/glideForceN/);
  });

  it('stick-slip: in 4 um jumps at 0.6 um/s, smooth at 62.5 um/s once glide is reached', () => {
    const errors = { stickGlideUm: 10, stickSlipUm: 4, stickCriticalUmPerS: 2, glideForceN: 4 };
    const slow = bench(errors);
    const lowRate = slow.step(400, 1, 1_000); // one microstep a second: 0.625 um/s
    const jumps = lowRate.map((v, i) => v - (i === 0 ? 0 : lowRate[i - 1]!)).filter((d) => d !== 0);
    const jumpFl = 4 * FL_PER_UM;
    for (const d of jumps) expect(Math.abs(d - jumpFl)).toBeLessThanOrEqual(1);
    // 250 um of pusher travel, break-loose at 12 um: (250 - 12) / 4 + 1 = 60 slips, the rest in the seal.
    expect(jumps).toHaveLength(60);
    expect(slow.rig.mechanics!.slips).toBe(60);

    const fast = bench(errors);
    const highRate = fast.step(400, 1, 10); // 62.5 um/s
    const steps = highRate.map((v, i) => v - (i === 0 ? 0 : highRate[i - 1]!));
    // Nothing until the deflection reaches break-loose (12 um = 19.2 microsteps), then one jump
    // to the glide deflection and a microstep of volume per microstep after.
    expect(steps.slice(0, 19).every((d) => d === 0)).toBe(true);
    for (const d of steps.slice(21)) expect(Math.abs(d - FL)).toBeLessThanOrEqual(1);
    expect(fast.rig.mechanics!.slips).toBe(0);
    expect(fast.rig.mechanics!.pusherUm - fast.rig.mechanics!.stopperUm).toBeCloseTo(10, 9);
  });

  it('the seal force the load cell feels: the glide force while gliding, a sawtooth while it sticks', () => {
    const errors = { stickGlideUm: 10, stickSlipUm: 4, stickCriticalUmPerS: 2, glideForceN: 4 };
    expect(bench({}).rig.mechanics!.sealForceMn).toBeUndefined(); // a rigid chain: the force model's own
    const fast = bench(errors);
    fast.step(400, 1, 10);
    expect(fast.rig.mechanics!.sealForceMn).toBeCloseTo(4_000, 6);
    // Sticking, the force climbs to break-loose (glide + half a slip: 4.8 N) and a slip takes a
    // slip's worth off (1.6 N): between 3.2 and 4.8 N, every value of the band visited.
    const slow = bench(errors);
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      slow.step(1, 1, 1_000);
      if (i >= 40) seen.push(slow.rig.mechanics!.sealForceMn!);
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(4_800 + 1e-6);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(3_200 - 1e-6);
    expect(Math.max(...seen) - Math.min(...seen)).toBeGreaterThan(1_400);
  });

  it('the glide force wanders along the barrel: the drag the pusher feels follows the stopper', () => {
    // 10 % of 4 N over each 1 mm of travel; the chain's stiffness is the drive's (400 N/mm), so
    // the stopper lags by 10 um +- 1 um and the pusher feels 4 N +- 0.4 N where it stands.
    const r = bench({ stickGlideUm: 10, stickCriticalUmPerS: 2, glideForceN: 4, glideWander: 0.1, glideWanderMm: 1, glideWanderPhase: 0.25 });
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) {
      r.step(100, 1, 10); // 62.5 um at 62.5 um/s: gliding
      const m = r.rig.mechanics!;
      const expected = 4_000 * (1 + 0.1 * Math.sin(2 * Math.PI * (m.stopperUm / 1_000 + 0.25)));
      // Within a microstep's worth of the wander (0.625 um: 1.6 mN at its steepest).
      expect(Math.abs(m.sealForceMn! - expected)).toBeLessThan(5);
      seen.push(m.sealForceMn!);
    }
    expect(Math.max(...seen)).toBeGreaterThan(4_380);
    expect(Math.min(...seen)).toBeLessThan(3_620);
    expect(() => bench({ stickGlideUm: 10, glideForceN: 4, glideWander: 1 })).toThrow(/glideWander/);
  });

  it('lost steps: none below the pull-out force, about half at 1.25 x, all at 1.5 x', () => {
    let loadN = 0;
    const { rig, step } = bench({ pullOutForceN: 200, seed: 5 }, { loadN: () => loadN });
    step(1_000);
    expect(rig.mechanics!.lostSteps).toBe(0);
    loadN = 199.9;
    step(1_000);
    expect(rig.mechanics!.lostSteps).toBe(0);
    expect(rig.position).toBe(2_000);
    loadN = 250; // probability (250 - 200) / 100 = 0.5
    step(1_000);
    const lost = rig.mechanics!.lostSteps;
    expect(lost).toBeGreaterThan(440); // binomial(1000, 0.5): sd 16
    expect(lost).toBeLessThan(560);
    expect(rig.position).toBe(3_000 - lost);
    expect(Math.abs(rig.pushedFl - rig.position * FL)).toBeLessThanOrEqual(1); // a lost pulse pushes nothing
    loadN = 300;
    step(100);
    expect(rig.mechanics!.lostSteps).toBe(lost + 100);
    step(100, -1); // backing off is helped by the pressure, never lost
    expect(rig.mechanics!.lostSteps).toBe(lost + 100);
    expect(rig.pulsesCounted).toBe(3_100 - 100); // every pulse reached the motor
    // The same seed loses the same pulses.
    const again = bench({ pullOutForceN: 200, seed: 5 }, { loadN: () => 250 });
    again.step(1_000);
    const other = bench({ pullOutForceN: 200, seed: 5 }, { loadN: () => 250 });
    other.step(1_000);
    expect(other.rig.mechanics!.lostSteps).toBe(again.rig.mechanics!.lostSteps);
  });

  it('the barrel ends where the fill does: never a femtolitre more, whatever the errors', () => {
    const { rig, step } = bench(drawMechanicsErrors(3), {}, 100_000); // 100 uL: about 1 000 microsteps
    step(1_200);
    expect(rig.pushedFl).toBe(100_000_000_000);
    expect(rig.reservoirFl).toBe(0);
    expect(rig.stepsPastEmpty).toBeGreaterThan(0);
    expect(rig.position + rig.stepsPastEmpty).toBe(1_200);
    rig.refill(50_000);
    step(1_000);
    expect(rig.pushedFl).toBe(150_000_000_000);
  });
});

describe('drawn rigs', () => {
  it('the same seed draws the same rig; different seeds differ', () => {
    expect(drawMechanicsErrors(42)).toEqual(drawMechanicsErrors(42));
    expect(drawMechanicsErrors(42)).not.toEqual(drawMechanicsErrors(43));
  });

  it('every error of 500 drawn rigs lies within its stated range, and the draws use it', () => {
    const fields = Object.keys(MECHANICS_RANGES) as (keyof typeof MECHANICS_RANGES)[];
    const seen = new Map(fields.map((f) => [f, { min: Infinity, max: -Infinity }]));
    for (let seed = 0; seed < 500; seed++) {
      const e = drawMechanicsErrors(seed);
      for (const f of fields) {
        const r = MECHANICS_RANGES[f];
        const v = e[f];
        const magnitude = r.signed ? Math.abs(v) : v;
        expect(magnitude).toBeGreaterThanOrEqual(r.min);
        expect(magnitude).toBeLessThanOrEqual(r.max);
        const s = seen.get(f)!;
        s.min = Math.min(s.min, v);
        s.max = Math.max(s.max, v);
      }
      for (const p of [e.pitchWobblePhase, e.microstepErrorPhase, e.detentErrorPhase]) expect(p >= 0 && p < 1).toBe(true);
      expect(e.stickSlipUm).toBeLessThanOrEqual(2 * e.stickGlideUm);
    }
    // The draws spread over most of each range (both signs where signed).
    for (const f of fields) {
      const r = MECHANICS_RANGES[f];
      const s = seen.get(f)!;
      const low = r.signed ? -r.max : r.min;
      expect(s.min - low).toBeLessThan(0.05 * (r.max - low));
      expect(r.max - s.max).toBeLessThan(0.05 * (r.max - low));
    }
  });

  it('every range states its unit and its source', () => {
    for (const r of Object.values(MECHANICS_RANGES)) {
      expect(r.unit.length).toBeGreaterThan(1);
      expect(r.source.length).toBeGreaterThan(40);
      expect(r.max).toBeGreaterThan(r.min);
    }
  });
});
