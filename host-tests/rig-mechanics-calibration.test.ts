// The firmware on rigs with real mechanics errors (host/sim/rig-mechanics.ts): the ideal default
// is bit-identical to the rig before the errors existed, the rig's own account of the true volume
// stays exact to the femtolitre through boluses, occlusion and back-off, and a gravimetric
// calibration (what `pumpctl calibrate --balance` does) takes out the systematic error: +3 %
// before, within the periodic and random residue after. Virtual time only.
import { describe, expect, it } from 'vitest';
import library from '../firmware/app/examples/library.example.json';
import { runAccuracy } from '../host/accuracy/run';
import { calibrateVirtualRig } from '../host/accuracy/virtual-calibration';
import type { VirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import { createVirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import type { RigMechanicsErrors } from '../host/sim/rig-mechanics';
import { IDEAL_MECHANICS } from '../host/sim/rig-mechanics';
import { drawMechanicsErrors } from '../host/sim/rig-mechanics-draw';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { expectBalanced } from './line-fixtures';

const HOUR = 3_600_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const RUN = { rateNlPerH: 1_000_000, durationMs: 2 * HOUR, intervalMs: 30_000, temperatureC: 20 };

/** 24 mL/day for 4 h with a clinician bolus (LEDC) at 1 h and an occlusion from 2 h to 2.5 h. */
function scenario(mechanicsErrors?: RigMechanicsErrors) {
  const vp = createVirtualPump({
    mechanics: RIG,
    library,
    reservoirNl: 10_000_000,
    keepEvents: false,
    lateTimers: true,
    faults: ['occlusion@2h', 'release@2h30m'],
    prescription: { name: 'g', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 24_000_000 },
    ...(mechanicsErrors && { mechanicsErrors }),
  });
  vp.runFor(HOUR);
  expect(vp.controller.clinicianBolus({ volumeNl: 200_000, durationMs: 60_000, overrideSoftLimits: true }).ok).toBe(true);
  vp.runFor(3 * HOUR);
  return vp;
}

async function secondHourErrorPct(rig: VirtualAccuracyRig): Promise<number> {
  const rec = await runAccuracy(rig, RUN);
  expect(rec.status).toBe('complete');
  return rec.analysis!.secondHour.errorPct!;
}

describe('the virtual pump on the rig with real mechanics', () => {
  it('without mechanicsErrors (or with all of them zero) the rig is the ideal rig', () => {
    const snapshot = (vp: ReturnType<typeof scenario>) => ({
      pushedFl: vp.rig.pushedFl,
      position: vp.rig.position,
      pulses: vp.rig.pulsesCounted,
      line: vp.rig.stepLinePulses,
      records: vp.rig.pulseLog.length,
      outletFl: vp.line.outletFl,
      reservoirFl: vp.rig.reservoirFl,
      deliveredNl: vp.controller.status().deliveredNl,
    });
    const vp = scenario();
    // First recorded on the tree before rig-mechanics.ts existed (the same scenario, same seeds);
    // re-recorded when the flow check learned the sensor zero and the slack (4ab57b2), which
    // catches the 2 h occlusion 9 microsteps later; and again when the flow check's threshold
    // dropped to its floor once the rate had held 10 min and the back-off became the line's
    // measured content (issue 15, the population): the occlusion is caught 26 microsteps sooner,
    // 192 fewer STEP pulses in all, 2.7 uL less at the outlet; and when the sensor's zero came to be
    // learned in confirmed 150 s spans (5adcbb4): the OCCLUSION comes at 7249 s, not 7251 s, with
    // 12 206 nl of deficit, 8 fewer STEP pulses, 0.8 uL less; and when the back-off left out what
    // the held content took while the line stood filled (issue 15): it asks 22 380 nl of the
    // 23 382 nl the line holds (it asked 23 776), 13 microsteps less, 1.3 uL more at the outlet;
    // and when the back-off came to leave the flow check's volume floor (5 uL) in the line and
    // to end with a forward return by the play bound (backoff.ts): 49 microsteps less backed
    // off, 5.0 uL more at the outlet, and 463 more STEP pulses (256 more back, 256 forward);
    // and when the back-off became an exact segment stepped from timers (a PWM train's late stop
    // ran on past its count): 675 more pulse records, its pulses logged one by one rather than as
    // PWM runs, and nothing else.
    // A change here is a change in delivery.
    expect(snapshot(vp)).toEqual({
      pushedFl: 2_196_136_906_185,
      position: 21_495,
      pulses: 21_495,
      line: 22_349,
      records: 22_346,
      outletFl: 2_196_136_906_185,
      reservoirFl: 7_803_863_093_815,
      deliveredNl: 2_196_136,
    });
    expect(vp.rig.mechanics).toBeUndefined();
    // Every error drawn as zero changes nothing either: the mechanics model adds only its errors.
    expect(snapshot(scenario(IDEAL_MECHANICS))).toEqual(snapshot(vp));
  });

  it('with errors the true volume is whole femtolitres, conserved from syringe to outlet', () => {
    for (const seed of [1, 2, 3]) {
      const vp = scenario(drawMechanicsErrors(seed));
      vp.line.advanceTo(vp.nowMs);
      const rig = vp.rig;
      expect(Number.isInteger(rig.pushedFl)).toBe(true);
      expect(vp.line.pushedFl).toBe(rig.pushedFl); // no stall fault: every femtolitre reached the line
      expect(rig.pushedFl + rig.reservoirFl).toBe(10_000_000 * 1_000_000);
      expectBalanced(vp.line);
      // The firmware counted its own microsteps; the truth differs by the errors, not by a count.
      const counted = vp.controller.status().deliveredNl * 1_000_000;
      expect(Math.abs(rig.pushedFl / counted - 1)).toBeLessThan(0.03);
      expect(rig.pushedFl).not.toBe(counted);
    }
  });

  it('the same seed gives the same run, to the femtolitre', () => {
    const a = scenario(drawMechanicsErrors(9));
    const b = scenario(drawMechanicsErrors(9));
    expect([b.rig.pushedFl, b.line.outletFl, b.rig.mechanics!.slips]).toEqual([a.rig.pushedFl, a.line.outletFl, a.rig.mechanics!.slips]);
  });
});

describe('calibration corrects what is systematic', () => {
  it('bore +3 %: A is +3 % before calibrate --balance and within 0.1 % after', async () => {
    const rig = createVirtualAccuracyRig({ pump: { mechanicsErrors: { ...IDEAL_MECHANICS, boreAreaError: 0.03 } }, balance: { seed: 4 } });
    const before = await secondHourErrorPct(rig);
    expect(before).toBeGreaterThan(2.9);
    expect(before).toBeLessThan(3.1);
    const cal = await calibrateVirtualRig(rig);
    expect(cal.flPerMicrostepAfter / cal.flPerMicrostepBefore - 1).toBeCloseTo(0.03, 3);
    expect(rig.vp.controller.pump.mechanics.calibrated).toBe(true);
    expect(Math.abs(await secondHourErrorPct(rig))).toBeLessThan(0.1);
  });

  it('a drawn rig with every error and bore +3 %: about 3 % before, under 1 % after', async () => {
    const errors = { ...drawMechanicsErrors(8), boreAreaError: 0.03 };
    const rig = createVirtualAccuracyRig({ pump: { mechanicsErrors: errors }, balance: { seed: 8 } });
    const before = await secondHourErrorPct(rig);
    expect(Math.abs(before - 3)).toBeLessThan(0.5);
    await calibrateVirtualRig(rig);
    expect(Math.abs(await secondHourErrorPct(rig))).toBeLessThan(1);
    expect(rig.vp.rig.mechanics!.slips).toBeGreaterThan(0); // this rig sticks and slips at 1 mL/h
  });

  it('a calibration straight after a run weighs only its own delivery', async () => {
    // The line still holds tau x rate when the run stops (10 uL after 1 mL/h): weighed into a
    // 1 mL calibration, that made the factor 1 % too large until runCalibration waited for it.
    const rig = createVirtualAccuracyRig({ balance: { seed: 2 } });
    await secondHourErrorPct(rig);
    const cal = await calibrateVirtualRig(rig);
    expect(Math.abs(cal.record.changePct)).toBeLessThan(0.05);
  });
});
