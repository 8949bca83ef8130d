// Real lines and a real flow sensor's zero (issue 15): compliance past the sensor, so a blocked
// tip no longer stops the sensor's flow at once; the exact femtolitre balance with two
// compliances, partial occlusions, leaks, air and a valve; the sensor's zero errors within the
// datasheet bounds; seeded draws; and the default line and sensor, bit for bit as before.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PinBus } from '../host/sim/io-mocks';
import type { FluidLineOptions } from '../host/sim/line';
import { DEFAULT_LINE, FluidLine } from '../host/sim/line';
import { DEFAULT_LINE_SPEC, drawLineSpec, LINE_RANGES, lineFor, lineOptionsFor } from '../host/sim/line-draw';
import { Prng } from '../host/sim/prng';
import { CALIBRATION_TEMPERATURE_C, drawFlowSensorErrors, FLOW_SENSOR_RANGES, flowSensorErrorsFor, liquidTemperatureC, SLF3S_0600F_FULL_SCALE_NL_PER_MIN } from '../host/sim/sensor-flow-errors';
import { FlowSensorModel } from '../host/sim/sensor-models';
import { VirtualValve } from '../host/sim/valve';
import { DAY, HOUR, MIN, S } from './line-fixtures';

/** Both balances, to the femtolitre, and every volume a whole number of them. */
function expectBalanced2(line: FluidLine): void {
  expect(line.pushedFl + line.freeFlowInFl).toBe(line.storedFl + line.throughSensorFl);
  expect(line.throughSensorFl + line.pinchedFl).toBe(line.downstreamStoredFl + line.outletFl + line.leakedFl + line.airFl);
  for (const v of [line.pushedFl, line.storedFl, line.downstreamStoredFl, line.throughSensorFl, line.outletFl, line.leakedFl, line.airFl, line.freeFlowInFl]) expect(Number.isInteger(v)).toBe(true);
}

/** Half the compliance past the sensor, in the middle of the resistance: tau_down = R1 C1 C2 / (C1 + C2). */
const C1 = 3_750;
const C2 = 3_750;
const R = 35_000 / 7_500;
const HALF: FluidLineOptions = { complianceNlPerKpa: C1, downstreamComplianceNlPerKpa: C2, resistanceKpaSPerUl: R, sensorSideResistanceShare: 0.5 };
const TAU_DOWN = ((R / 2) * C1 * C2) / (C1 + C2);

describe('a line with compliance past the sensor', () => {
  it('after a tip block the sensor flow decays as e^(-t / tau_down), not at once', () => {
    const line = new FluidLine(HALF);
    for (let t = 1_800; t <= 20 * MIN; t += 1_800) line.push(t, 500);
    const t0 = 20 * MIN;
    line.advanceTo(t0);
    const f0 = line.flowAtSensorNlPerMin;
    expect(f0).toBeGreaterThan(10_000);
    line.occlude(t0);
    expect(line.flowAtSensorNlPerMin).toBeCloseTo(f0, 9);
    for (const dt of [500, 1_000, 2_000, 5_000, 10_000, 20_000]) {
      line.advanceTo(t0 + dt);
      expect(line.flowAtSensorNlPerMin / (f0 * Math.exp(-dt / TAU_DOWN))).toBeCloseTo(1, 9);
    }
    // Nothing leaves a sealed tip, to the femtolitre; the two pressures meet.
    const outlet = line.outletFl;
    line.advanceTo(t0 + HOUR);
    expect(line.outletFl).toBe(outlet);
    expect(line.downstreamPressureKpa).toBeCloseTo(line.pressureKpa, 9);
    expectBalanced2(line);
    // Without the downstream compliance the same block stops the sensor's flow at once.
    const one = new FluidLine();
    one.push(0, 5_000);
    one.occlude(S);
    expect(one.flowAtSensorNlPerMin).toBe(0);
  });

  it('with the plunger pushing on, the sensor goes on seeing the share C2 / (C1 + C2) of it', () => {
    const line = new FluidLine({ ...HALF, complianceNlPerKpa: 6_000, downstreamComplianceNlPerKpa: 1_500 });
    line.occlude(0);
    for (let t = 1_800; t <= 30 * MIN; t += 1_800) line.push(t, 500);
    const mark = line.mark();
    for (let t = 30 * MIN + 1_800; t <= 60 * MIN; t += 1_800) line.push(t, 500);
    line.advanceTo(60 * MIN);
    expect(line.meanFlowSinceNlPerMin(mark) / ((500 / 1_800) * MIN)).toBeCloseTo(1_500 / 7_500, 3);
    expect(line.outletFl).toBe(0);
    expectBalanced2(line);
  });

  it('a partial occlusion at the tip raises both pressures by its factor at steady flow', () => {
    const steady = (factor: number) => {
      const line = new FluidLine(HALF);
      if (factor !== 1) line.partiallyOcclude(0, factor);
      for (let t = 180; t <= 4 * HOUR; t += 180) line.push(t, 50);
      return line;
    };
    const clear = steady(1);
    const partial = steady(10);
    // P2 = Q R2 and P1 = Q (R1 + R2): the tip side's R2 x 10 gives (0.5 + 5) / (0.5 + 0.5).
    expect(partial.downstreamPressureKpa / clear.downstreamPressureKpa).toBeCloseTo(10, 2);
    // (P1 carries each push's ripple, about 1 % here.)
    expect(partial.pressureKpa / clear.pressureKpa).toBeCloseTo(5.5, 1);
    expectBalanced2(partial);
  });

  it('keeps the mass balance exact with both compliances, partial occlusions, leaks, free flow and air', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), nl: fc.double({ min: -2_000, max: 3_000, noNaN: true }) }),
      fc.record({ k: fc.constant('occlude' as const) }),
      fc.record({ k: fc.constant('release' as const) }),
      fc.record({ k: fc.constant('partial' as const), factor: fc.double({ min: 1.01, max: 1_000, noNaN: true }) }),
      fc.record({ k: fc.constant('leak' as const), f: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })) }),
      fc.record({ k: fc.constant('free' as const), nlPerMin: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5_000, noNaN: true })) }),
      fc.record({ k: fc.constant('air' as const), nl: fc.double({ min: 1, max: 5_000, noNaN: true }) }),
    );
    fc.assert(
      fc.property(
        fc.record({
          c1: fc.double({ min: 500, max: 40_000, noNaN: true }),
          c2: fc.double({ min: 1, max: 40_000, noNaN: true }),
          r: fc.double({ min: 0.3, max: 50, noNaN: true }),
          share: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60_000 }), op), { maxLength: 120 }),
        (p, ops) => {
          const line = new FluidLine({ complianceNlPerKpa: p.c1, downstreamComplianceNlPerKpa: p.c2, resistanceKpaSPerUl: p.r, sensorSideResistanceShare: p.share });
          let t = 0;
          for (const [dt, o] of ops) {
            t += dt;
            if (o.k === 'push') line.push(t, o.nl);
            else if (o.k === 'occlude') line.occlude(t);
            else if (o.k === 'release') line.release(t);
            else if (o.k === 'partial') line.partiallyOcclude(t, o.factor);
            else if (o.k === 'leak') line.setLeak(t, o.f);
            else if (o.k === 'free') line.setFreeFlow(t, o.nlPerMin);
            else line.injectAir(t, o.nl);
            expectBalanced2(line);
          }
          line.advanceTo(t + DAY);
          expectBalanced2(line);
        },
      ),
      { numRuns: 200, seed: 15 },
    );
  });

  it('keeps it with a pinch valve past the sensor, its tubing squeezed into the downstream node', () => {
    const bus = new PinBus();
    const line = new FluidLine(HALF);
    new VirtualValve({ bus, pin: 9, line });
    const p = new Prng(3);
    let t = 0;
    for (let i = 0; i < 400; i++) {
      t += Math.floor(p.next() * 10 * S);
      const r = p.next();
      if (r < 0.6) line.push(t, p.next() * 1_000);
      else if (r < 0.8) bus.emit(9, 'digital', p.next() < 0.5 ? 1 : 0, 0, t);
      else if (r < 0.85) line.occlude(t);
      else if (r < 0.9) line.release(t);
      else line.advanceTo(t);
      expectBalanced2(line);
    }
  });
});

describe('real lines: ranges and the seeded draw', () => {
  it('builds the line a spec names: total compliance, share and the slowest time constant', () => {
    for (const spec of [
      DEFAULT_LINE_SPEC,
      { totalComplianceNlPerKpa: 750, tauMs: 10_000, downstreamShare: 0.5, sensorSideShare: 0.2 },
      { totalComplianceNlPerKpa: 30_000, tauMs: 150_000, downstreamShare: 0.25, sensorSideShare: 0.8 },
    ]) {
      const o = lineFor(spec);
      const line = new FluidLine(o);
      expect(line.tauMs / spec.tauMs).toBeCloseTo(1, 9);
      expect((o.complianceNlPerKpa ?? 0) + (o.downstreamComplianceNlPerKpa ?? 0)).toBeCloseTo(spec.totalComplianceNlPerKpa, 6);
      expect((o.downstreamComplianceNlPerKpa ?? 0) / spec.totalComplianceNlPerKpa).toBeCloseTo(spec.downstreamShare, 9);
    }
    expect(lineFor(DEFAULT_LINE_SPEC)).toEqual(DEFAULT_LINE);
  });

  it('draws within the ranges, the same line for the same seed', () => {
    const within = (x: number, [lo, hi]: readonly [number, number]) => x >= lo && x <= hi;
    const p = new Prng(1);
    for (let i = 0; i < 500; i++) {
      const s = drawLineSpec(p);
      expect(within(s.totalComplianceNlPerKpa, LINE_RANGES.totalComplianceNlPerKpa)).toBe(true);
      expect(within(s.tauMs, LINE_RANGES.tauMs)).toBe(true);
      expect(within(s.downstreamShare, LINE_RANGES.downstreamShare)).toBe(true);
      expect(within(s.sensorSideShare, LINE_RANGES.sensorSideShare)).toBe(true);
    }
    expect(lineOptionsFor(42)).toEqual(lineOptionsFor(42));
    expect(lineOptionsFor(42)).not.toEqual(lineOptionsFor(43));
    expect(drawLineSpec(new Prng(9))).toEqual(drawLineSpec(new Prng(9)));
  });
});

describe('the flow sensor zero, within its datasheet', () => {
  const FS = SLF3S_0600F_FULL_SCALE_NL_PER_MIN;

  it('draws zero errors within the stated bounds, the same for the same seed', () => {
    const r = FLOW_SENSOR_RANGES;
    const p = new Prng(2);
    for (let i = 0; i < 1_000; i++) {
      const z = drawFlowSensorErrors(p);
      expect(Math.abs(z.zeroOffsetNlPerMin)).toBeLessThanOrEqual((r.zeroOffsetPctFs * FS) / 100);
      expect(z.driftLimitNlPerMin).toBeCloseTo((r.repeatabilityPctFs * FS) / 100, 9);
      expect(Math.abs(z.tempcoNlPerMinPerC)).toBeLessThanOrEqual((r.tempcoPctFsPerC * FS) / 100);
      expect(z.meanTemperatureC).toBeGreaterThanOrEqual(r.meanTemperatureC[0]);
      expect(z.meanTemperatureC).toBeLessThanOrEqual(r.meanTemperatureC[1]);
      expect(z.temperatureSwingC).toBeGreaterThanOrEqual(r.temperatureSwingC[0]);
      expect(z.temperatureSwingC).toBeLessThanOrEqual(r.temperatureSwingC[1]);
      expect(Math.abs(z.spanErrorFraction)).toBeLessThanOrEqual(r.spanPctMv / 100);
    }
    expect(flowSensorErrorsFor(7)).toEqual(flowSensorErrorsFor(7));
    expect(flowSensorErrorsFor(7)).not.toEqual(flowSensorErrorsFor(8));
  });

  it('reads offset, wander and the thermal zero within their bounds over a month at no flow', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const z = flowSensorErrorsFor(seed);
      const line = new FluidLine();
      const sensor = new FlowSensorModel({ line, seed, noiseSigmaNlPerMin: 0, zeroErrors: z });
      const thermalBound = Math.abs(z.tempcoNlPerMinPerC) * (Math.abs(z.meanTemperatureC - CALIBRATION_TEMPERATURE_C) + z.temperatureSwingC);
      let lo = Infinity;
      let hi = -Infinity;
      for (let t = 2 * MIN; t <= 30 * DAY; t += 2 * MIN) {
        const r = sensor.sample(t);
        expect(r.temperatureC).toBeCloseTo(liquidTemperatureC(z, t), 12);
        expect(Math.abs(r.temperatureC - z.meanTemperatureC)).toBeLessThanOrEqual(z.temperatureSwingC + 1e-9);
        expect(Math.abs(sensor.driftNlPerMin)).toBeLessThanOrEqual(z.driftLimitNlPerMin);
        const error = r.flowNlPerMin - z.zeroOffsetNlPerMin;
        expect(Math.abs(error)).toBeLessThanOrEqual(z.driftLimitNlPerMin + thermalBound + 1e-9);
        lo = Math.min(lo, error);
        hi = Math.max(hi, error);
      }
      // It does wander: over a month it covers a good part of its band.
      expect(hi - lo).toBeGreaterThan(z.driftLimitNlPerMin / 2);
    }
  });
});

describe('the flow sensor span, within its datasheet', () => {
  it('reads the flow through it (1 + span) times, the zero errors on top', () => {
    const z = { ...flowSensorErrorsFor(3), spanErrorFraction: 0.05, zeroOffsetNlPerMin: 0, tempcoNlPerMinPerC: 0, driftLimitNlPerMin: 0, driftNlPerMinPerSqrtHour: 0 };
    const line = new FluidLine();
    const sensor = new FlowSensorModel({ line, seed: 3, noiseSigmaNlPerMin: 0, zeroErrors: z });
    line.push(0, 10_000); // 10 uL pushed at once
    sensor.sample(0);
    const r = sensor.sample(10 * MIN);
    const through = (line.outletNl * MIN) / (10 * MIN);
    expect(r.flowNlPerMin).toBeCloseTo(1.05 * through, 6);
  });

  it('draws a spread of spans over the population, both signs', () => {
    const spans = Array.from({ length: 100 }, (_, i) => flowSensorErrorsFor(i + 1).spanErrorFraction);
    expect(Math.min(...spans)).toBeLessThan(-0.04);
    expect(Math.max(...spans)).toBeGreaterThan(0.04);
  });
});

describe('the defaults, unchanged', () => {
  /** A fixed sequence of pushes, faults and reads; golden values from the line and sensor before issue 15. */
  function sequence(options?: FluidLineOptions) {
    const p = new Prng(7);
    const line = new FluidLine(options);
    const sensor = new FlowSensorModel({ line, seed: 5 });
    let t = 0;
    const reads: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      t += Math.floor(p.next() * 5_000);
      const r = p.next();
      if (r < 0.75) line.push(t, (p.next() - 0.1) * 800);
      else if (r < 0.78) line.occlude(t);
      else if (r < 0.82) line.release(t);
      else if (r < 0.85) line.partiallyOcclude(t, 1 + p.next() * 30);
      else if (r < 0.87) line.setLeak(t, p.next() < 0.3 ? 0 : p.next());
      else if (r < 0.89) line.setFreeFlow(t, p.next() < 0.5 ? 0 : p.next() * 3_000);
      else if (r < 0.9) line.injectAir(t, 1 + p.next() * 2_000);
      else reads.push(sensor.sample(t).flowNlPerMin);
    }
    let hash = 0;
    for (const x of reads) hash = (hash * 31 + Math.round(x * 1e6)) % 1_000_000_007;
    return {
      outletFl: line.outletFl,
      storedFl: line.storedFl,
      throughFl: line.throughSensorFl,
      leakedFl: line.leakedFl,
      airFl: line.airFl,
      flow: line.flowAtSensorNlPerMin,
      reads: reads.length,
      hash,
      downstream: line.downstream,
    };
  }

  it('the default line and sensor give the same numbers as before, to the bit', () => {
    const golden = {
      outletFl: 292_084_072_631,
      storedFl: 5_353_244_132,
      throughFl: 811_867_105_401,
      leakedFl: 494_650_187_235,
      airFl: 25_132_845_535,
      flow: 7_348.007_882_700_514_5,
      reads: 290,
      hash: 264_035_045,
      downstream: undefined,
    };
    expect(sequence()).toEqual(golden);
    expect(sequence({ downstreamComplianceNlPerKpa: 0 })).toEqual(golden);
    expect(sequence(lineFor(DEFAULT_LINE_SPEC))).toEqual(golden);
  });
});
