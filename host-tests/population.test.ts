// The population of rigs (host/sim/population.ts): a drawn rig is a pure function of its seed and
// lies within the ranges of the mechanics, line and flow-sensor draws; the corners sit at those
// ranges' ends; parseRig takes a seed or a corner and names the choices when it cannot; one rig
// runs through the virtual pump for ten minutes of virtual time; the population bench's
// percentile picks a value some rig had; the holdout draws other seeds and is judged by the same
// targets. Virtual time only.
import { describe, expect, it } from 'vitest';
import library from '../firmware/app/examples/library.example.json';
import { HOLDOUT, HOLDOUT_SIZE, sampleFigures, holdoutSeeds, isHoldout, parseSample, SAMPLE_MAX, worstRigs } from '../host/bench/holdout';
import { drawnPlans, populationFigures, quantile } from '../host/bench/population';
import type { RigResult } from '../host/bench/population-run';
import { BoardCore } from '../host/board/core';
import { EXIT, HostError } from '../host/errors';
import { readBoardOptions } from '../host/board/options';
import { LINE_RANGES } from '../host/sim/line-draw';
import { CORNER_RIGS, drawnRig, MIDDLE_MECHANICS, parseRig, POPULATION_SEEDS, rigFor, WORST_MECHANICS } from '../host/sim/population';
import { MECHANICS_RANGES } from '../host/sim/rig-mechanics-draw';
import { FLOW_SENSOR_RANGES, SLF3S_0600F_FULL_SCALE_NL_PER_MIN } from '../host/sim/sensor-flow-errors';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { EXAMPLE_CORE } from '../host/board/example-core';

const within = (x: number, [lo, hi]: readonly [number, number]): boolean => x >= lo && x <= hi;
const PCT = SLF3S_0600F_FULL_SCALE_NL_PER_MIN / 100;

describe('drawn rigs', () => {
  it('are a pure function of the seed, and differ between seeds', () => {
    expect(rigFor(17)).toEqual(rigFor(17));
    expect(rigFor(17)).not.toEqual(rigFor(18));
    expect(POPULATION_SEEDS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(POPULATION_SEEDS).size).toBe(POPULATION_SEEDS.length);
  });

  it('lie within the ranges, with late timers on and the seed as noise seed', () => {
    for (const seed of POPULATION_SEEDS) {
      const r = drawnRig(seed);
      expect(r.options.seed).toBe(seed);
      expect(r.options.lateTimers).toBe(true);
      for (const [field, range] of Object.entries(MECHANICS_RANGES)) {
        const v = Math.abs(r.options.mechanicsErrors[field as keyof typeof MECHANICS_RANGES]);
        expect(v, `seed ${seed} ${field}`).toBeGreaterThanOrEqual(range.min);
        expect(v, `seed ${seed} ${field}`).toBeLessThanOrEqual(range.max);
      }
      expect(within(r.lineSpec.totalComplianceNlPerKpa, LINE_RANGES.totalComplianceNlPerKpa)).toBe(true);
      expect(within(r.lineSpec.tauMs, LINE_RANGES.tauMs)).toBe(true);
      expect(within(r.lineSpec.downstreamShare, LINE_RANGES.downstreamShare)).toBe(true);
      expect(within(r.lineSpec.sensorSideShare, LINE_RANGES.sensorSideShare)).toBe(true);
      const z = r.options.flowZeroErrors;
      expect(Math.abs(z.zeroOffsetNlPerMin)).toBeLessThanOrEqual(FLOW_SENSOR_RANGES.zeroOffsetPctFs * PCT);
      expect(Math.abs(z.tempcoNlPerMinPerC)).toBeLessThanOrEqual(FLOW_SENSOR_RANGES.tempcoPctFsPerC * PCT);
      expect(within(z.meanTemperatureC, FLOW_SENSOR_RANGES.meanTemperatureC)).toBe(true);
    }
  });
});

describe('corner rigs', () => {
  it('sit at the ends of the ranges they are named for', () => {
    const line = (name: string) => CORNER_RIGS[name]!.lineSpec;
    expect(line('stiffest').totalComplianceNlPerKpa).toBe(LINE_RANGES.totalComplianceNlPerKpa[0]);
    expect(line('stiffest').tauMs).toBe(LINE_RANGES.tauMs[0]);
    expect(line('stiffest').downstreamShare).toBe(0);
    expect(line('softest').totalComplianceNlPerKpa).toBe(LINE_RANGES.totalComplianceNlPerKpa[1]);
    expect(line('softest').downstreamShare).toBe(LINE_RANGES.downstreamShare[1]);
    expect(line('slowest').tauMs).toBe(LINE_RANGES.tauMs[1]);
    const worst = CORNER_RIGS['worst-syringe']!.options.mechanicsErrors;
    expect(worst.boreAreaError).toBe(MECHANICS_RANGES.boreAreaError.max);
    expect(worst.backlashUm).toBe(MECHANICS_RANGES.backlashUm.max);
    expect(worst.stickSlipUm).toBe(MECHANICS_RANGES.stickSlipUm.max);
    expect(worst.pullOutForceN).toBe(MECHANICS_RANGES.pullOutForceN.min);
    expect({ ...worst, seed: 0 }).toEqual({ ...WORST_MECHANICS, seed: 0 });
    const sensor = CORNER_RIGS['worst-sensor']!.options.flowZeroErrors;
    expect(sensor.zeroOffsetNlPerMin).toBe(FLOW_SENSOR_RANGES.zeroOffsetPctFs * PCT);
    expect(sensor.tempcoNlPerMinPerC).toBe(FLOW_SENSOR_RANGES.tempcoPctFsPerC * PCT);
    // Corners change only what they are about: the others keep the middle rig's mechanics.
    expect({ ...CORNER_RIGS['softest']!.options.mechanicsErrors, seed: 0 }).toEqual(MIDDLE_MECHANICS);
    // Each corner has its own noise seed, away from the drawn ones.
    const seeds = Object.values(CORNER_RIGS).map((r) => r.options.seed);
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(seeds.some((s) => POPULATION_SEEDS.includes(s))).toBe(false);
  });
});

describe('parseRig', () => {
  it('takes a seed or a corner name', () => {
    const seed = parseRig('123');
    expect(seed.ok && seed.rig.options).toEqual(rigFor(123));
    const corner = parseRig('softest');
    expect(corner.ok && corner.rig.name).toBe('softest');
  });

  it('names the choices for anything else', () => {
    for (const bad of ['softer', '', '-3', '1.5', 'constructor', 'toString']) {
      const r = parseRig(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.message).toContain('stiffest, softest, slowest, worst-syringe');
    }
  });

  it("is the board's --rig: a bad one is the usage error E850", () => {
    const o = readBoardOptions(['--rig', 'worst-syringe']);
    expect(o !== 'help' && o.rig).toBe('worst-syringe');
    expect(() => readBoardOptions(['--rig', 'stiff'])).toThrow(/--rig: "stiff" is neither/);
    try {
      readBoardOptions(['--rig', 'stiff']);
    } catch (e) {
      expect((e as { code: number }).code).toBe(850);
    }
  });
});

describe('the board as one rig (npm start -- --rig)', () => {
  const start = (rig?: string) => BoardCore.start({ ...EXAMPLE_CORE, timeOfDayMs: 8 * 3_600_000, ...(rig !== undefined && { rig }) });
  const pushedIn10Min = (rig?: string): number => {
    const s = start(rig);
    if (!s.ok) throw new Error(s.error.message);
    s.core.pump.runFor(10 * 60_000);
    return s.core.pump.rig.pushedNl;
  };

  it('builds its pump from the rig: the worst syringe pushes another volume than the ideal one', () => {
    const ideal = pushedIn10Min();
    expect(ideal).toBeGreaterThan(0);
    expect(pushedIn10Min('worst-syringe')).not.toBe(ideal);
    expect(pushedIn10Min('42')).not.toBe(ideal);
  });

  it('refuses a rig it does not know', () => {
    expect(() => start('stiff')).toThrow(/--rig: "stiff" is neither/);
  });
});

describe('a rig on the virtual pump', () => {
  it('delivers with its mechanics, line, sensor and late timers for ten virtual minutes', () => {
    const vp = createVirtualPump({
      ...rigFor(7),
      mechanics: { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
      library,
      reservoirNl: 10_000_000,
      prescription: { name: 'population', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 24_000_000 },
    });
    vp.runFor(10 * 60_000);
    // 1 mL/h for 10 min is 166.7 uL at the plunger; the rig's errors move it by a few percent.
    const pushedUl = vp.rig.pushedNl / 1000;
    expect(pushedUl).toBeGreaterThan(150);
    expect(pushedUl).toBeLessThan(185);
  });
});

describe("the bench's percentile", () => {
  it('is a value some rig had (nearest rank)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.95)).toBe(95);
    expect(quantile([3, 1, 2], 0.95)).toBe(3);
  });
});

/** One rig's result, every figure fine unless `over` says otherwise. */
const result = (name: string, over: Partial<RigResult> = {}): RigResult => ({
  name,
  uncalibratedPct: 1,
  calibratedPct: 0.05,
  trumpet2MinPct: 2,
  timeToAlarmS1: 100,
  timeToAlarmS01: 600,
  releaseBolusUl: 8,
  suctionUl: 0,
  falseAlarms: 0,
  stopAlarms: 0,
  falseAlarmDays: 1,
  loadCell: { alarms: 0, hours: 10, disconnectS: 40, baselineAlarms: 0 },
  ...over,
});

describe('the load-cell figures (population-load-cell.ts)', () => {
  it('sum the alarms and hours, and time a disconnection over the rigs that saw it', () => {
    const f = populationFigures([
      result('seed 1', { loadCell: { alarms: 0, hours: 10, disconnectS: 40, baselineAlarms: 1 } }),
      result('seed 2', { loadCell: { alarms: 2, hours: 10, disconnectS: Infinity, baselineAlarms: 0 } }),
      result('seed 3', { loadCell: { alarms: 0, hours: 10, disconnectS: 100, baselineAlarms: 2 } }),
    ]);
    expect(f['force.falseAlarms.population']).toBe(2);
    expect(f['force.falseAlarms.populationRigHours']).toBe(30);
    expect(f['force.falseAlarms.population.rigsWithAny']).toBe(1);
    expect(f['force.disconnect.seenRigs.1mlh']).toBe(2);
    expect(f['force.disconnectS.p50.seen.1mlh']).toBe(40);
    expect(f['force.disconnectS.worst.seen.1mlh']).toBe(100);
    expect(f['occlusion.baselineFalseAlarms.population']).toBe(3);
    const unseen = populationFigures([result('seed 4', { loadCell: { alarms: 0, hours: 10, disconnectS: Infinity, baselineAlarms: 0 } })]);
    expect(unseen['force.disconnect.seenRigs.1mlh']).toBe(0);
    expect(unseen['force.disconnectS.p50.seen.1mlh']).toBeNaN();
  });
});

describe('the holdout (npm run bench:holdout)', () => {
  it("draws rigs the bench never runs, from the same ranges, each run as the bench's drawn rigs are", () => {
    const seeds = holdoutSeeds();
    expect(seeds).toHaveLength(HOLDOUT_SIZE);
    expect(seeds.filter((s) => POPULATION_SEEDS.includes(s))).toEqual([]);
    const [plan] = drawnPlans([seeds[0]!]);
    const [benchPlan] = drawnPlans([POPULATION_SEEDS[0]!]);
    expect(plan!.name).toBe(`seed ${seeds[0]}`);
    expect(plan!.rig).toEqual(rigFor(seeds[0]!));
    expect({ ...plan, name: '', rig: {} }).toEqual({ ...benchPlan, name: '', rig: {} });
  });

  it("reports the population's figures under holdout.*, each against the population's target", () => {
    const { figures, rows } = sampleFigures([result('seed 1001'), result('seed 1002', { stopAlarms: 1, suctionUl: 8.2 })]);
    expect(figures['holdout.occlusion.falseAlarmsAtStops.population']).toBe(1);
    expect(figures['holdout.firstSeed']).toBe(1001);
    const verdict = (name: string) => rows.find((r) => r.figure === name)!;
    expect(verdict('holdout.occlusion.falseAlarmsAtStops.population')).toMatchObject({ target: '<= 0', verdict: 'MISSED' });
    expect(verdict('holdout.occlusion.suctionUl.population.worst')).toMatchObject({ value: 8.2, target: '<= 5', verdict: 'MISSED' });
    expect(verdict('holdout.occlusion.timeToAlarmS.p95.1mlh')).toMatchObject({ value: 100, target: '<= 180', verdict: 'ok' });
    expect(verdict('holdout.population.rigs')).toMatchObject({ value: 2, verdict: '' });
  });
});

describe('another sample (npm run bench:holdout -- --first-seed N --count M)', () => {
  const failure = (args: string[]): HostError => {
    try {
      parseSample(args);
    } catch (e) {
      if (e instanceof HostError) return e;
      throw e;
    }
    throw new Error(`${args.join(' ')} was taken`);
  };

  it('is the holdout without options, and any seeds past the bench’s own with them', () => {
    expect(parseSample([])).toEqual(HOLDOUT);
    expect(isHoldout(parseSample([]))).toBe(true);
    const s = parseSample(['--first-seed', '3001', '--count', '20']);
    expect(s).toEqual({ firstSeed: 3001, count: 20 });
    expect(isHoldout(s)).toBe(false);
    expect(holdoutSeeds(s)).toEqual(Array.from({ length: 20 }, (_, i) => 3001 + i));
    const other = sampleFigures([result('seed 3001', { suctionUl: 6 })], s);
    expect(other.figures['sample.firstSeed']).toBe(3001);
    expect(other.rows.find((r) => r.figure === 'sample.occlusion.suctionUl.population.worst')).toMatchObject({ value: 6, target: '<= 5', verdict: 'MISSED' });
    expect(Object.keys(other.figures).filter((k) => !k.startsWith('sample.'))).toEqual([]);
  });

  it('refuses the bench’s seeds, a bad count and unknown options with E790 and the usage exit', () => {
    const cases: [string[], RegExp][] = [
      [['--first-seed', '100'], /from 101 .*bench's own sample.*"100"/],
      [['--first-seed', '2.5'], /"2\.5"/],
      [['--first-seed'], /--first-seed needs a value/],
      [['--count', '0'], /from 1 to 5000, not "0"/],
      [['--count', `${SAMPLE_MAX + 1}`], /from 1 to 5000/],
      [['--count', '-3'], /"-3"/],
      [['--seeds', '3'], /unknown option "--seeds"/],
      [['--first-seed', `${Number.MAX_SAFE_INTEGER}`, '--count', '2'], /runs past the largest seed/],
    ];
    for (const [args, text] of cases) {
      const e = failure(args);
      expect(e.text, args.join(' ')).toMatch(/^E790 OPTION: /);
      expect(e.text, args.join(' ')).toMatch(text);
      expect(e.exitCode).toBe(EXIT.usage);
    }
  });

  it('names the rigs worst on each figure, and only rigs with any suction or alarm', () => {
    const rigs = [
      result('seed 1', { releaseBolusUl: 3 }),
      result('seed 2', { releaseBolusUl: 14.5, suctionUl: 1.25, timeToAlarmS01: 1300 }),
      result('seed 3', { releaseBolusUl: 9, calibratedPct: Number.NaN, stopAlarms: 2 }),
    ];
    const rows = Object.fromEntries(worstRigs(rigs, 2).map((r) => [r.figure, r.rigs]));
    expect(rows['release uL']).toBe('seed 2 14.5, seed 3 9');
    expect(rows['suction uL']).toBe('seed 2 1.25');
    expect(rows['OCCLUSION s, 0.1 mL/h']).toBe('seed 2 1300, seed 1 600');
    expect(rows['error % calibrated']).toBe('seed 3 Infinity, seed 1 0.05');
    expect(rows['alarms at stops']).toBe('seed 3 2');
    expect(rows['alarms in normal days']).toBe('(none)');
  });
});
