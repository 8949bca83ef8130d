// Named rigs of the population (host/sim/population.ts) where the population bench found the
// firmware or a procedure at fault, each checked on its own in a few minutes of virtual time,
// without the bench's 106 rigs: the slowest line stopping after a run, and calibrating on it.
import { describe, expect, it } from 'vitest';
import library from '../firmware/app/examples/library.example.json';
import { calibrateVirtualRig } from '../host/accuracy/virtual-calibration';
import { createVirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import { falseAlarms, occlusionRun } from '../host/bench/population-run';
import { CORNER_RIGS, drawnRig } from '../host/sim/population';
import { createVirtualPump } from '../host/sim/virtual-pump';

const MIN = 60_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };

describe('the slowest line (tau 150 s) and seed 10 (tau 150 s, 14 % past the sensor)', () => {
  it.each(['slowest', 'seed 10'])('%s: 1 mL/h for 40 min, then a pause: no alarm while the line drains', (name) => {
    const rig = name === 'slowest' ? CORNER_RIGS['slowest']! : drawnRig(10);
    const vp = createVirtualPump({ ...rig.options, mechanics: RIG, library, reservoirNl: 10_000_000, prescription: { name: 'r', drug: WATER, mode: 'continuous', rateNlPerDay: 24_000_000 } });
    vp.runFor(40 * MIN);
    expect(vp.controller.pause().ok).toBe(true);
    vp.runFor(20 * MIN);
    expect(vp.events.filter((e) => e.type === 'alarm').map((e) => e.data['alarm'])).toEqual([]);
  });

  it('a calibration on the slowest line weighs what the pump pushed, within 0.3 %', async () => {
    // Ideal mechanics: the factor must not move. With 5 min for the line to empty it moved by
    // -3.4 %: a tau 150 s line still held 13 % of what 6 mL/h put in it.
    const rig = createVirtualAccuracyRig({ pump: { line: CORNER_RIGS['slowest']!.options.line, seed: 3 }, balance: { resolutionMg: 0.1, noiseMg: 0.05, evaporationMgPerMin: 0, seed: 3 } });
    const cal = await calibrateVirtualRig(rig);
    expect(Math.abs(cal.record.changePct)).toBeLessThan(0.3);
    expect(rig.vp.controller.status().alarms).toEqual([]);
  });
});

describe('the softest line (30 uL/kPa, half of it past the sensor)', () => {
  it('blocked after 2 h at 1 mL/h: OCCLUSION within 180 s, and a smaller release than before', () => {
    // Before: 261 s (the threshold kept a minute of the rate for a transient long over, and the
    // deficit grows at half the rate here) and 59 uL released (a back-off of the deficit plus
    // 30 s of flow, blind to the catheter's share).
    const rig = CORNER_RIGS['softest']!;
    const vp = createVirtualPump({
      ...rig.options,
      mechanics: RIG,
      library,
      reservoirNl: 10_000_000,
      keepEvents: true,
      prescription: { name: 'r', drug: WATER, mode: 'continuous', rateNlPerDay: 24_000_000 },
      faults: ['occlusion@2h'],
    });
    vp.runFor(2 * 60 * MIN);
    const at = (): number | undefined => vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === 'OCCLUSION')?.at;
    while (at() === undefined && vp.nowMs < 2 * 60 * MIN + 10 * MIN) vp.runFor(1_000);
    expect(at()! - 2 * 60 * MIN).toBeLessThanOrEqual(180_000);
    vp.runFor(10 * MIN);
    vp.line.release(vp.nowMs);
    const before = vp.line.outletNl;
    vp.runFor(60 * MIN);
    const releasedUl = (vp.line.outletNl - before) / 1000;
    expect(releasedUl).toBeLessThan(35);
    expect(releasedUl).toBeGreaterThan(-5);
  });
});

describe('issue 15, the population at 0.1 mL/h and at implant rates', () => {
  it('seed 3 (49 % of the compliance past the sensor, zero -4.9 uL/min): OCCLUSION within 1200 s of a block at 0.1 mL/h', () => {
    // Before: none in 2 h (11 of 106 rigs). The zero learned the block's first minutes, and the
    // stopped-flow test held every later share against a first part one stick-slip jump set.
    const { timeToAlarmS } = occlusionRun(drawnRig(3).options, 0.1, 2 * 60 * MIN);
    expect(timeToAlarmS).toBeLessThanOrEqual(1_200);
  });

  it('seed 68 (60 mL, 0.6 mL/day, zero -4.8 uL/min): a day of the normal schedule raises nothing', () => {
    // With the zero learned from its first 10 min of delivery (a 4.4 uL jump every 10 min there)
    // and no doubt left for it in the allowance, eight false OCCLUSIONs in the day.
    expect(falseAlarms(drawnRig(68).options, 1)).toBe(0);
  });
});
