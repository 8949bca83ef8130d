// The occlusion back-off on a rig with a nut's play (issue 15's worst release, seed 98): the
// blocked line's pressure holds the nut on its driving flank, so the stopper follows the screw
// back until the pressure no longer beats the seal's glide force; only then does the play open.
// A plain reversal by the ask lost that play, and the line kept it: 5-25 uL on the rigs' parts,
// which came out when it cleared. The back-off now goes back by the ask and the play bound, then
// forward by the bound (firmware/core/backoff.ts), and ends on the driving flank with the play
// cancelled, whatever the rig's. Virtual time only.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOW_CHECK } from '../firmware/core/flow-check';
import { findSyringe } from '../firmware/core/mechanics';
import { RIG } from '../host/bench/occlusion-run';
import { blockedLinePump, OCCLUDE_AT_MS, occlusionRun } from '../host/bench/population-run';
import { drawnRig } from '../host/sim/population';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BORE_MM2 = Math.PI * (findSyringe(RIG.syringe)!.innerDiameterUm / 2_000) ** 2; // the table's bore

function blockedAtOneMlPerHour(seed: number) {
  const rig = drawnRig(seed).options;
  const vp = blockedLinePump(rig, 1);
  vp.runFor(OCCLUDE_AT_MS);
  const workingKpa = vp.line.pressureKpa;
  const m = vp.rig.mechanics!;
  const area = BORE_MM2 * (1 + rig.mechanicsErrors.boreAreaError);
  const sealKpa = (rig.mechanicsErrors.glideForceN * 1_000) / area;
  let peakKpa = 0;
  // The nut's gap while the screw went back with the line still well above the seal's pressure.
  let gapWhileHeldUm = -1;
  let screw = m.screwUm;
  // Seconds at a time while the pressure builds; 5 ms once it is high and for 2 s after the
  // alarm, to see each of the back-off's batches of pulses (about 100 ms apart at its step rate).
  const sample = (dt: number): void => {
    vp.runFor(dt);
    peakKpa = Math.max(peakKpa, vp.line.pressureKpa);
    if (m.screwUm < screw && vp.line.pressureKpa > 1.2 * sealKpa) gapWhileHeldUm = Math.max(gapWhileHeldUm, m.pusherUm - m.screwUm);
    screw = m.screwUm;
  };
  const alarmed = (): boolean => vp.events.some((e) => e.type === 'alarm' && e.data['alarm'] === 'OCCLUSION');
  for (let t = 0; t < 10 * MIN && !alarmed(); t += 1_000) {
    if (vp.line.pressureKpa < 1.3 * sealKpa) sample(1_000);
    else for (let i = 0; i < 200; i++) sample(5);
  }
  for (let i = 0; i < 400; i++) sample(5);
  return { vp, errors: rig.mechanicsErrors, sealKpa, workingKpa, peakKpa, gapWhileHeldUm };
}

describe('back-off against a blocked line on a rig with play', () => {
  it('the stopper follows the screw down to the seal pressure, the play opens, and the return closes it again on the driving flank', () => {
    const { vp, errors, sealKpa, workingKpa, peakKpa, gapWhileHeldUm } = blockedAtOneMlPerHour(98);
    const m = vp.rig.mechanics!;
    expect(vp.controller.status().state).toBe('alarm');
    vp.runFor(5 * MIN); // the back-off ran; the compliance past the sensor has drained back
    // The occlusion built the line well above the seal's pressure.
    expect(peakKpa).toBeGreaterThan(1.5 * sealKpa);
    // While the line pushed harder than the seal the nut stayed on its driving flank: no gap
    // (a rig that lost its play at every reversal showed the whole 95 um here).
    expect(gapWhileHeldUm).toBe(0);
    expect(errors.backlashUm).toBeGreaterThan(90);
    // The return came forward through the play and ends on the driving flank: no gap (a plain
    // reversal ended on the pulling flank, the whole 95 um open, and the line kept 20.5 uL).
    expect(m.pusherUm - m.screwUm).toBe(0);
    // The line is left below the seal's pressure and its working pressure, and above nothing.
    expect(vp.line.pressureKpa).toBeLessThan(sealKpa);
    expect(vp.line.pressureKpa).toBeLessThan(workingKpa - 5);
    expect(vp.line.pressureKpa).toBeGreaterThan(0); // no suction
    // What the line keeps comes out when it clears: its content at that pressure.
    const keptUl = (vp.line.complianceNlPerKpa * vp.line.pressureKpa + (vp.line.downstream?.complianceNlPerKpa ?? 0) * vp.line.downstreamPressureKpa) / 1_000;
    const before = vp.line.outletNl;
    vp.line.release(vp.nowMs);
    vp.runFor(HOUR);
    expect(Math.abs((vp.line.outletNl - before) / 1_000 - keptUl)).toBeLessThan(1);
  });

  it('the release breakdown accounts for the release: the content less what came back, and no play lost', () => {
    // What host/bench/release-breakdown.ts reads per run (docs/detection.md, Limits).
    const rig = drawnRig(98).options;
    const { releaseBolusUl, breakdown } = occlusionRun(rig, 1, HOUR, 1_000);
    const e = rig.mechanicsErrors;
    const playUl = ((e.backlashUm + 2 * e.stickGlideUm) * BORE_MM2 * (1 + e.boreAreaError)) / 1_000;
    expect(breakdown).toBeDefined();
    const { contentUl, askedUl, returnedUl } = breakdown!;
    // The line's content is what it releases, less what the plunger's true volume took back.
    expect(Math.abs(contentUl - returnedUl - releaseBolusUl)).toBeLessThan(0.3);
    // The back-off asked for the line's estimated content less the volume floor it leaves, and
    // the plunger gave back the ask: of the rig's 21.7 uL of play it lost 1.9 (the stopper's
    // glide deflection at the line's pressure before and after), where it lost 20.5 before.
    expect(Math.abs(askedUl + DEFAULT_FLOW_CHECK.thresholdNl / 1_000 - contentUl)).toBeLessThan(5);
    expect(playUl).toBeGreaterThan(20);
    expect(Math.abs(askedUl - returnedUl)).toBeLessThan(2.5);
    expect(releaseBolusUl).toBeGreaterThan(0);
    expect(releaseBolusUl).toBeLessThan(10);
  });

  it('with the catheter behind a large resistance (rig 1496): the return waits until the line evens out across the sensor', () => {
    // Drawn beyond the bench's sample: 177 kPa s/uL, 38 % of it on the sensor's side, 38 % of the
    // compliance past the sensor. Pulled back fast, the syringe's side fell to -40 kPa while the
    // catheter's still stood at 78: the vacuum held the pusher on the nut's pulling flank, the
    // return moved it without taking up the 67.5 um of play, and the plunger gave back 55.3 of
    // the 64.5 uL asked (16.4 uL released). BACKOFF_SETTLE_MS between the ask and the overshoot.
    const { releaseBolusUl, breakdown } = occlusionRun(drawnRig(1496).options, 1, HOUR, 1_000);
    expect(breakdown).toBeDefined();
    expect(Math.abs(breakdown!.askedUl - breakdown!.returnedUl)).toBeLessThan(2.5);
    expect(releaseBolusUl).toBeGreaterThan(0);
    expect(releaseBolusUl).toBeLessThan(10);
  });
});
