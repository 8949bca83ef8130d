// The sensor models on the fluid line (host/sim/sensor-models.ts): the flow sensor's noise,
// drift, offset and flags, the force on the plunger, and the battery's discharge curve.
import { describe, expect, it } from 'vitest';
import { FluidLine } from '../host/sim/line';
import { BatteryModel, DEFAULT_BATTERY, FlowSensorModel, ForceModel, LI_SOCL2_CURVE, reflectInto } from '../host/sim/sensor-models';
import { C, EVERY_MS, HOUR, pump, RATE, S, STEP_NL, TAU } from './line-fixtures';

describe('sensor models', () => {
  it('the flow sensor reports the mean over its window with noise, drift and offset', () => {
    const line = new FluidLine();
    pump(line, STEP_NL, EVERY_MS, 0, 10 * TAU);
    const sensor = new FlowSensorModel({ line, seed: 3 });
    const errors: number[] = [];
    let t = 10 * TAU;
    for (let i = 0; i < 3_600; i++) {
      const mark = line.mark();
      pump(line, STEP_NL, EVERY_MS, t, t + S);
      t += S;
      const truth = line.meanFlowSinceNlPerMin(mark);
      const r = sensor.sample(t);
      expect(r.airInLine).toBe(false);
      expect(r.highFlow).toBe(false);
      expect(r.temperatureC).toBe(23);
      errors.push(r.flowNlPerMin - truth - sensor.driftNlPerMin);
      expect(Math.abs(sensor.driftNlPerMin)).toBeLessThanOrEqual(50);
    }
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const sd = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / errors.length);
    expect(Math.abs(mean)).toBeLessThan(3);
    expect(sd).toBeGreaterThan(36);
    expect(sd).toBeLessThan(44);

    sensor.setNoise(0);
    sensor.setOffset(200);
    const mark = line.mark();
    pump(line, STEP_NL, EVERY_MS, t, t + 10 * S);
    const r = sensor.sample(t + 10 * S);
    expect(r.flowNlPerMin - line.meanFlowSinceNlPerMin(mark) - sensor.driftNlPerMin).toBeCloseTo(200, 6);
    sensor.setNoise(undefined);
    expect(sensor.noiseSigmaNlPerMin).toBe(40);
  });

  it('is deterministic: the same seed reads the same numbers', () => {
    const readings = (seed: number) => {
      const line = new FluidLine();
      const sensor = new FlowSensorModel({ line, seed });
      const out: number[] = [];
      for (let i = 1; i <= 200; i++) {
        line.push(i * 700, 300);
        out.push(sensor.sample(i * 1_000).flowNlPerMin);
      }
      return out;
    };
    expect(readings(11)).toEqual(readings(11));
    expect(readings(11)).not.toEqual(readings(12));
  });

  it('keeps the zero drift within its band over a month', () => {
    const line = new FluidLine();
    const sensor = new FlowSensorModel({ line, noiseSigmaNlPerMin: 0 });
    let min = Infinity;
    let max = -Infinity;
    for (let h = 1; h <= 24 * 30; h++) {
      sensor.sample(h * HOUR);
      min = Math.min(min, sensor.driftNlPerMin);
      max = Math.max(max, sensor.driftNlPerMin);
    }
    expect(min).toBeGreaterThanOrEqual(-50);
    expect(max).toBeLessThanOrEqual(50);
    expect(max - min).toBeGreaterThan(20);
    expect([reflectInto(60, 50), reflectInto(-170, 50), reflectInto(10, 0)]).toEqual([40, 30, 0]);
  });

  it('sets the air flag for every read that saw the bubble, and reads near zero meanwhile', () => {
    const line = new FluidLine();
    pump(line, STEP_NL, EVERY_MS, 0, 10 * TAU);
    const sensor = new FlowSensorModel({ line, noiseSigmaNlPerMin: 0, driftLimitNlPerMin: 0 });
    let t = 10 * TAU;
    sensor.sample(t);
    line.injectAir(t + 500, 1_000); // 1 uL at 16.7 uL/min: 3.6 s, from 0.5 s to 4.1 s
    const flags: boolean[] = [];
    const flows: number[] = [];
    for (let i = 0; i < 8; i++) {
      pump(line, STEP_NL, EVERY_MS, t, t + S);
      t += S;
      const r = sensor.sample(t);
      flags.push(r.airInLine);
      flows.push(r.flowNlPerMin);
    }
    expect(flags).toEqual([true, true, true, true, true, false, false, false]);
    expect(flows.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(flows[6]! / RATE).toBeCloseTo(1, 1);
  });

  it('flags high flow when a release bolus exceeds the range', () => {
    const line = new FluidLine();
    line.occlude(0);
    line.push(0, 3_000_000);
    const sensor = new FlowSensorModel({ line });
    line.release(S);
    expect(sensor.sample(2 * S).highFlow).toBe(true);
    expect(sensor.sample(20 * TAU).highFlow).toBe(false);
  });

  it('the force is pressure times bore area plus seal friction', () => {
    const line = new FluidLine();
    const force = new ForceModel({ line, boreDiameterUm: 14_427, noiseMn: 0, frictionNoiseMn: 0 });
    expect(force.sample(0)).toBe(0);
    line.occlude(0);
    pump(line, 250, EVERY_MS, 0, HOUR);
    const fluid = (500_000 / C) * Math.PI * 7_213.5 ** 2 * 1e-6;
    expect(force.pressureForceMn()).toBeCloseTo(fluid, 3);
    expect(fluid).toBeGreaterThan(10_000); // 67 kPa on a 10 mL barrel: about 11 N
    expect(force.sample(HOUR)).toBeCloseTo(fluid + 3_000, 3);
    line.push(HOUR, -1_000);
    expect(force.sample(HOUR)).toBeCloseTo(force.pressureForceMn() - 3_000, 3);
    const noisy = new ForceModel({ line, boreDiameterUm: 14_427, seed: 4 });
    const again = new ForceModel({ line, boreDiameterUm: 14_427, seed: 4 });
    expect([noisy.sample(HOUR), noisy.sample(HOUR)]).toEqual([again.sample(HOUR), again.sample(HOUR)]);
  });

  it('the battery follows a flat Li-SOCl2 curve by counted charge, with sag and brown-out', () => {
    const battery = new BatteryModel();
    expect(battery.millivolts(0)).toBe(LI_SOCL2_CURVE[0]![1]);
    // Half the 2600 mAh at 1 mA idle: 1300 h.
    expect(battery.millivolts(1_300 * HOUR)).toBe(3_580);
    expect(battery.remainingFraction).toBeCloseTo(0.5, 9);
    battery.addMicrosteps(-1_000);
    expect(battery.usedNc).toBe(1_300 * HOUR * DEFAULT_BATTERY.idleMicroamps + 1_000 * 500_000);
    battery.setSag(300);
    expect(battery.millivolts(1_300 * HOUR)).toBe(3_280);
    battery.setBrownOut(true);
    expect(battery.millivolts(1_300 * HOUR)).toBe(2_300);
    battery.setBrownOut(false);
    battery.setSag(0);
    expect(battery.millivolts(2_600 * HOUR)).toBe(2_000);
    expect(battery.remainingFraction).toBe(0);
  });
});
