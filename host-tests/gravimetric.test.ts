// The IEC 60601-2-24 style analysis against a small data set computed by hand (below), and
// the marks: unstable, missing, decreasing and negative samples touch their intervals and
// windows but are never dropped.
import { describe, expect, it } from 'vitest';
import type { AnalysisOptions } from '../host/accuracy/gravimetric';
import { analyse } from '../host/accuracy/gravimetric';
import { buoyancyFactor, waterDensityMgPerMl } from '../host/accuracy/density';
import type { Sample } from '../host/accuracy/samples';

// The hand-computed set. S = 30 s, r = 1.2 mL/h, density taken as 1000 mg/mL so that
// 1.2 mL/h x 0.5 min = 0.01 mL = 10 mg per interval exactly.
//   sample  t (s)  mass (mg)  dW (mg)  Q = dW/1000 mL / (0.5/60 h) = 0.12 dW   error = (dW/10 - 1) x 100
//     0       0      0
//     1      30     10        10        1.20                                     0
//     2      60     20.5      10.5      1.26                                     +5
//     3      90     30         9.5      1.14                                     -5
//     4     120     39.5       9.5      1.14                                     -5
//     5     150     50        10.5      1.26                                     +5
//     6     180     61        11        1.32                                     +10
//     7     210     70         9        1.08                                     -10
//     8     240     80        10        1.20                                     0
//     9     270     90        10        1.20                                     0
//    10     300    100        10        1.20                                     0
// Analysis period 0-5 min (10 intervals). A = mean error = (0+5-5-5+5+10-10+0+0+0)/10 = 0 %.
// Trumpet, P = 1 min (m = 2 intervals, 10 - 2 + 1 = 9 windows), window means:
//   (0,5)=2.5 (5,-5)=0 (-5,-5)=-5 (-5,5)=0 (5,10)=7.5 (10,-10)=0 (-10,0)=-5 (0,0)=0 (0,0)=0
//   so Ep(max) = 7.5, Ep(min) = -5.
// P = 2 min (m = 4, 7 windows):
//   (0+5-5-5)/4=-1.25 (5-5-5+5)/4=0 (-5-5+5+10)/4=1.25 (-5+5+10-10)/4=0 (5+10-10+0)/4=1.25
//   (10-10+0+0)/4=0 (-10+0+0+0)/4=-2.5, so Ep(max) = 1.25, Ep(min) = -2.5.
// Total volume: 100 mg / 1000 mg/mL = 0.1 mL against 1.2 mL/h x 5 min = 0.1 mL: 0 %.
const MASSES = [0, 10, 20.5, 30, 39.5, 50, 61, 70, 80, 90, 100];
const samples = (masses: readonly (number | null)[]): Sample[] => masses.map((m, i) => ({ tMs: i * 30_000, massMg: m, flags: [] }));
const OPTIONS: AnalysisOptions = {
  rateMlPerH: 1.2,
  densityMgPerMl: 1000,
  startupEndMs: 150_000,
  analysisStartMs: 0,
  analysisEndMs: 300_000,
  windowsMin: [1, 2],
};

describe('gravimetric analysis on the hand-computed set', () => {
  const a = analyse(samples(MASSES), OPTIONS);

  it('computes the flow of each interval', () => {
    const flows = a.intervals.map((iv) => iv.flowMlPerH);
    for (const [i, q] of [1.2, 1.26, 1.14, 1.14, 1.26, 1.32, 1.08, 1.2, 1.2, 1.2].entries()) expect(flows[i]).toBeCloseTo(q, 10);
    const errors = a.intervals.map((iv) => iv.errorPct);
    for (const [i, e] of [0, 5, -5, -5, 5, 10, -10, 0, 0, 0].entries()) expect(errors[i]).toBeCloseTo(e, 9);
  });

  it('gives the start-up curve up to its end (2.5 min here: 5 intervals)', () => {
    expect(a.startup.map((iv) => iv.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives A = 0 % over the analysis period, complete', () => {
    expect(a.secondHour.intervalsExpected).toBe(10);
    expect(a.secondHour.intervalsUsed).toBe(10);
    expect(a.secondHour.errorPct).toBeCloseTo(0, 9);
    expect(a.secondHour.meanFlowMlPerH).toBeCloseTo(1.2, 10);
    expect(a.secondHour.complete).toBe(true);
  });

  it('gives the trumpet extremes computed by hand', () => {
    const [p1, p2] = a.trumpet;
    expect(p1).toMatchObject({ windowMin: 1, intervalsPerWindow: 2, windows: 9, markedWindows: [] });
    expect(p1!.maxPct).toBeCloseTo(7.5, 9);
    expect(p1!.minPct).toBeCloseTo(-5, 9);
    expect(p2).toMatchObject({ windowMin: 2, intervalsPerWindow: 4, windows: 7 });
    expect(p2!.maxPct).toBeCloseTo(1.25, 9);
    expect(p2!.minPct).toBeCloseTo(-2.5, 9);
  });

  it('gives the total volume error', () => {
    expect(a.totalVolume.measuredMl).toBeCloseTo(0.1, 12);
    expect(a.totalVolume.expectedMl).toBeCloseTo(0.1, 12);
    expect(a.totalVolume.errorPct).toBeCloseTo(0, 9);
  });
});

describe('marked samples', () => {
  it('an unstable sample 6 marks intervals 6 and 7 and every window holding them', () => {
    const s = samples(MASSES);
    s[6] = { ...s[6]!, flags: ['unstable'] };
    const a = analyse(s, OPTIONS);
    expect(a.intervals.filter((iv) => iv.flags.length).map((iv) => iv.index)).toEqual([6, 7]);
    // Its value is still used: A is unchanged, but the period is not complete.
    expect(a.secondHour.errorPct).toBeCloseTo(0, 9);
    expect(a.secondHour.complete).toBe(false);
    expect(a.secondHour.markedIntervals).toEqual([6, 7]);
    // P = 1 min: windows starting at intervals 5 (5,6), 6 (6,7) and 7 (7,8) hold a mark.
    const p1 = a.trumpet[0]!;
    expect(p1.markedWindows).toEqual([5, 6, 7]);
    // Without them the window means are 2.5, 0, -5, 0, 0, 0: max 2.5, min -5.
    expect(p1.maxPct).toBeCloseTo(2.5, 9);
    expect(p1.minPct).toBeCloseTo(-5, 9);
    // With them, the hand-computed 7.5 and -5 again.
    expect(p1.maxPctAll).toBeCloseTo(7.5, 9);
    expect(p1.minPctAll).toBeCloseTo(-5, 9);
    expect(a.markedSamples).toEqual([{ index: 6, tMs: 180_000, flags: ['unstable'] }]);
  });

  it('a missing sample leaves its intervals without a value and says so', () => {
    const masses: (number | null)[] = [...MASSES];
    masses[3] = null;
    const a = analyse(samples(masses), OPTIONS);
    expect(a.intervals[2]!.flowMlPerH).toBeNull();
    expect(a.intervals[3]!.flowMlPerH).toBeNull();
    expect(a.intervals[2]!.flags).toEqual(['missing']);
    expect(a.secondHour.intervalsUsed).toBe(8);
    expect(a.secondHour.complete).toBe(false);
    // The mean of the other 8 errors: (0+5+5+10-10+0+0+0)/8 = 1.25 %.
    expect(a.secondHour.errorPct).toBeCloseTo(1.25, 9);
    // Total volume needs only the first and last masses.
    expect(a.totalVolume.errorPct).toBeCloseTo(0, 9);
  });

  it('a mass going down beyond the noise is marked decreasing, a negative one negative', () => {
    const masses = [0, -2, 10, 20, 18, 40];
    const a = analyse(samples(masses), { ...OPTIONS, analysisEndMs: 150_000, windowsMin: [1], noiseMg: 1 });
    expect(a.markedSamples.map((m) => [m.index, m.flags])).toEqual([
      [1, ['negative', 'decreasing']],
      [4, ['decreasing']],
    ]);
    // Interval 4 (20 -> 18 mg) keeps its negative flow: nothing is averaged away.
    expect(a.intervals[3]!.flowMlPerH).toBeCloseTo(-0.24, 10);
  });

  it('evaporation from a blank run is added back to every interval', () => {
    // 0.2 mg/min over 0.5 min = 0.1 mg per interval: 9.9 mg weighed counts as 10 mg.
    const a = analyse(samples([0, 9.9, 19.8, 29.7]), { ...OPTIONS, evaporationMgPerMin: 0.2, analysisEndMs: 90_000, windowsMin: [1] });
    for (const iv of a.intervals) expect(iv.errorPct).toBeCloseTo(0, 9);
    expect(a.totalVolume.errorPct).toBeCloseTo(0, 9);
  });

  it('refuses a window that is not a whole number of intervals, and a bad rate', () => {
    expect(() => analyse(samples(MASSES), { ...OPTIONS, intervalMs: 40_000, windowsMin: [1] })).toThrow(expect.objectContaining({ code: 922 }));
    expect(() => analyse(samples(MASSES), { ...OPTIONS, rateMlPerH: 0 })).toThrow(expect.objectContaining({ code: 921, text: expect.stringMatching(/^E921 BAD_RATE: the set rate/) }));
  });

  it('takes the rate in nl/h too', () => {
    const a = analyse(samples(MASSES), { ...OPTIONS, rateMlPerH: undefined, rateNlPerH: 1_200_000 });
    expect(a.rateMlPerH).toBe(1.2);
  });
});

describe('water density (Tanaka et al. 2001)', () => {
  it('matches the published table', () => {
    // Tanaka 2001 table 3 (air-free SMOW): 20 C 998.2067, 4 C 999.9750, 25 C 997.0470 kg/m^3.
    expect(waterDensityMgPerMl(20, false)).toBeCloseTo(998.2067, 3);
    expect(waterDensityMgPerMl(4, false)).toBeCloseTo(999.975, 3);
    expect(waterDensityMgPerMl(25, false)).toBeCloseTo(997.047, 3);
    // Air-saturated: -4.612e-3 + 0.106e-3 x 20 = -2.492e-3 kg/m^3 at 20 C.
    expect(waterDensityMgPerMl(20) - waterDensityMgPerMl(20, false)).toBeCloseTo(-0.002492, 6);
    expect(() => waterDensityMgPerMl(60)).toThrow(RangeError);
  });

  it('the buoyancy factor is about 1.00105 for water at 20 C', () => {
    expect(buoyancyFactor(998.2)).toBeCloseTo(1.00105, 5);
  });
});
