// The fair baseline (host/bench/occlusion-baseline.ts) against what a drawn rig's drive puts on
// its load cell, nothing blocked: the screw's once-a-turn wobble in the working pressure, and
// the seal sticking for a moment after a stall in the step timing. Each case runs the same
// readings with the guard against it off, to show it would be a false OCCLUSION without it; and
// a real block is still seen as soon as the rise shows.

import { describe, expect, it } from 'vitest';
import type { FairDetectorConfig } from '../host/bench/occlusion-baseline';
import { FAIR_DETECTOR, FairPressureDetector } from '../host/bench/occlusion-baseline';
import { Prng } from '../host/sim/prng';

const AREA_10ML = Math.PI * 7.2135 ** 2; // mm^2
const NL_PER_S = 1_000_000 / 3_600; // 1 mL/h
const HOUR_S = 3_600;

/** Seconds (a reading each) until the baseline alarms, or undefined. */
function firstAlarm(patch: Partial<FairDetectorConfig>, seconds: number, force: (t: number) => number): number | undefined {
  const d = new FairPressureDetector(AREA_10ML, { ...FAIR_DETECTOR, ...patch });
  for (let t = 1; t <= seconds; t++) if (d.sample(force(t), NL_PER_S * t)) return t;
  return undefined;
}

describe('the fair baseline on a drawn drive, nothing blocked', () => {
  it('takes the screw wobble: 5.7 N of working pressure swinging 3.1 % over a 20-minute turn', () => {
    const noise = new Prng(2);
    const force = (t: number): number => 5_000 + 5_700 * (1 + 0.031 * Math.sin((2 * Math.PI * t) / 1_200)) + 100 * noise.gaussian();
    expect(firstAlarm({}, 3 * HOUR_S, force)).toBeUndefined();
    expect(firstAlarm({ levelShare: 0 }, 3 * HOUR_S, force)).toBeDefined();
  });

  it('takes a stuck seal: two readings 2.7 N over the glide force (rig 5 had 1.1 N, then 2.7 N)', () => {
    const noise = new Prng(4);
    const force = (t: number): number => 5_600 + 300 + (t === 2 * HOUR_S || t === 2 * HOUR_S + 1 ? 2_700 : 0) + 100 * noise.gaussian();
    expect(firstAlarm({}, 3 * HOUR_S, force)).toBeUndefined();
    expect(firstAlarm({ clipSigma: Number.POSITIVE_INFINITY }, 3 * HOUR_S, force)).toBe(2 * HOUR_S + 1);
  });

  it('still sees a block at 1 mL/h into 7.5 uL/kPa (6.1 mN a second) within a minute', () => {
    const noise = new Prng(6);
    const blockAt = HOUR_S;
    const force = (t: number): number => 3_000 + 218 + Math.max(0, t - blockAt) * ((NL_PER_S / 7_500) * AREA_10ML) + 100 * noise.gaussian();
    const at = firstAlarm({}, 2 * HOUR_S, force);
    expect(at).toBeGreaterThan(blockAt);
    expect(at! - blockAt).toBeLessThanOrEqual(60);
  });
});
