// The physics of the fluid path and the sensor models: exact mass balance, the RC response,
// occlusion, release bolus, leak, air, free flow; seeded randomness; the fault strings and the
// schedule; and that days of simulated time cost a handful of computations, not millions.
import { describe, expect, it } from 'vitest';
import { FAULTS, FaultSchedule, faultHelp, parseDuration, parseFault, parseFaults } from '../host/sim/faults';
import { PinBus } from '../host/sim/io-mocks';
import { connectLine, DEFAULT_TAU_MS, FluidLine } from '../host/sim/line';
import { deriveSeed, expDet, expm1Det, lnDet, Prng } from '../host/sim/prng';
import { VirtualRig } from '../host/sim/rig';
import { BatteryModel, DEFAULT_BATTERY, DriveFaultModel, FlowSensorModel, ForceModel, LI_SOCL2_CURVE, reflectInto } from '../host/sim/sensor-models';
import { VirtualClock } from '../host/sim/virtual-clock';

const S = 1_000;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TAU = DEFAULT_TAU_MS;
const C = 7_500; // nl/kPa

/** The plunger pushes `stepNl` at every multiple of `everyMs` in (fromMs, toMs], then the line moves to toMs. */
function pump(line: FluidLine, stepNl: number, everyMs: number, fromMs: number, toMs: number): void {
  for (let t = (Math.floor(fromMs / everyMs) + 1) * everyMs; t <= toMs; t += everyMs) line.push(t, stepNl);
  line.advanceTo(toMs);
}

/** 500 nl every 1.8 s: 16,667 nl/min = 1 mL/h. */
const STEP_NL = 500;
const EVERY_MS = 1_800;
const RATE = (STEP_NL / EVERY_MS) * MIN;

function expectBalanced(line: FluidLine): void {
  expect(line.pushedFl + line.freeFlowInFl).toBe(line.storedFl + line.throughSensorFl);
  expect(line.throughSensorFl).toBe(line.outletFl + line.leakedFl + line.airFl);
  for (const v of [line.pushedFl, line.storedFl, line.throughSensorFl, line.outletFl, line.leakedFl, line.airFl, line.freeFlowInFl]) {
    expect(Number.isInteger(v)).toBe(true);
  }
}

describe('prng', () => {
  it('gives the same sequence for the same seed, a different one for another seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 1_000 }, () => a.next());
    const seqB = Array.from({ length: 1_000 }, () => b.next());
    const seqC = Array.from({ length: 1_000 }, () => c.next());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const g1 = new Prng(7);
    const g2 = new Prng(7);
    expect(Array.from({ length: 501 }, () => g1.gaussian())).toEqual(Array.from({ length: 501 }, () => g2.gaussian()));
    // Pinned: the reference mulberry32 gives these; a change would silently alter every scenario.
    expect([new Prng(1).nextUint32(), new Prng(0).nextUint32(), deriveSeed(1, 1), deriveSeed(1, 2)]).toEqual([2_693_262_067, 1_144_304_738, 1_348_811_757, 3_428_229_867]);
    const far = new Prng(1);
    let last = 0;
    for (let i = 0; i < 1_000_000; i++) last = far.nextUint32();
    expect(last).toBe(491_392_503);
  });

  it('restores a snapshot of its state, spare deviate included', () => {
    const p = new Prng(9);
    p.gaussian();
    const saved = p.state;
    const ahead = [p.gaussian(), p.gaussian(), p.next()];
    p.restore(saved);
    expect([p.gaussian(), p.gaussian(), p.next()]).toEqual(ahead);
  });

  it('draws normal deviates with mean 0 and sigma 1', () => {
    const p = new Prng(2024);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    let within1 = 0;
    for (let i = 0; i < n; i++) {
      const x = p.gaussian();
      sum += x;
      sq += x * x;
      if (Math.abs(x) < 1) within1++;
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(1, 1);
    expect(within1 / n).toBeCloseTo(0.6827, 2);
  });

  it('computes ln, exp and expm1 from exact operations to within a few ulp of the engine', () => {
    const p = new Prng(5);
    for (let i = 0; i < 5_000; i++) {
      const x = expDet(60 * p.next() - 30) * p.next();
      if (x > 0) expect(Math.abs(lnDet(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
      const y = 200 * p.next() - 150;
      expect(Math.abs(expDet(y) / Math.exp(y) - 1)).toBeLessThan(1e-14);
      const z = (p.next() - 0.5) * 1e-3;
      expect(Math.abs(expm1Det(z) / Math.expm1(z) - 1)).toBeLessThan(1e-15);
    }
    expect([lnDet(0), lnDet(-1), expDet(-800), expDet(0), lnDet(1)]).toEqual([-Infinity, NaN, 0, 1, 0]);
  });
});

describe('FluidLine: conservation', () => {
  it('balances to the femtolitre over random pushes, back-offs and faults', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const p = new Prng(seed);
      const line = new FluidLine();
      let t = 0;
      for (let i = 0; i < 400; i++) {
        t += Math.floor(p.next() * 20 * S);
        const r = p.next();
        if (r < 0.7) line.push(t, (p.next() - 0.15) * 2_000 + p.next() * 0.001);
        else if (r < 0.75) line.occlude(t);
        else if (r < 0.8) line.release(t);
        else if (r < 0.84) line.partiallyOcclude(t, 1 + p.next() * 20);
        else if (r < 0.88) line.setLeak(t, p.next() < 0.2 ? 1 : p.next() < 0.5 ? 0 : p.next());
        else if (r < 0.92) line.setFreeFlow(t, p.next() < 0.5 ? 0 : p.next() * 5_000);
        else if (r < 0.96) line.injectAir(t, 1 + p.next() * 5_000);
        else line.advanceTo(t);
        expectBalanced(line);
      }
      // And in nanolitres, as a bench would write it.
      expect(Math.abs(line.pushedNl + line.freeFlowInNl - line.storedNl - line.throughSensorNl)).toBeLessThan(1e-6);
      expect(Math.abs(line.throughSensorNl - line.outletNl - line.leakedNl - line.airNl)).toBeLessThan(1e-6);
    }
  });

  it('carries fractions of a femtolitre instead of losing them', () => {
    const line = new FluidLine();
    for (let i = 1; i <= 1_000_000; i++) line.pushFl(i, 0.3);
    expect(line.pushedFl).toBe(300_000);
    line.advanceTo(1_000_000 + 20 * TAU);
    expect(line.storedFl).toBe(0);
    expect(line.outletFl).toBe(300_000);
  });
});

describe('FluidLine: RC response', () => {
  it('defaults to 7.5 uL/kPa and a 35 s time constant', () => {
    const line = new FluidLine();
    expect(line.complianceNlPerKpa).toBe(C);
    expect(line.baseTauMs).toBeCloseTo(TAU, 6);
    expect(line.tauMs).toBeCloseTo(TAU, 6);
    expect(new FluidLine({ complianceNlPerKpa: 1_000, resistanceKpaSPerUl: 10 }).baseTauMs).toBeCloseTo(10_000, 9);
  });

  it('drains a single push with time constant tau', () => {
    const line = new FluidLine();
    line.push(0, 1_000);
    expect(line.pressureKpa).toBeCloseTo(1_000 / C, 12);
    expect(line.flowAtSensorNlPerMin).toBeCloseTo((1_000 / TAU) * MIN, 6);
    line.advanceTo(TAU);
    expect(line.storedNl).toBeCloseTo(1_000 * Math.exp(-1), 5);
    expect(line.outletNl).toBeCloseTo(1_000 * (1 - Math.exp(-1)), 5);
    line.advanceTo(3 * TAU);
    expect(line.storedNl).toBeCloseTo(1_000 * Math.exp(-3), 5);
  });

  it('rises as 1 - e^(-t/tau) after the plunger starts, then flows at the plunger rate', () => {
    // Fine pushes (10 nl every 36 ms, the same rate) so the ripple does not blur the curve.
    const line = new FluidLine();
    const mark = line.mark();
    pump(line, 10, 36, 0, TAU);
    // Delivered over [0, tau] for a first-order lag: Q (tau - tau (1 - e^-1)) = Q tau / e.
    expect(line.meanFlowSinceNlPerMin(mark) / RATE).toBeCloseTo(Math.exp(-1), 2);
    expect(line.flowAtSensorNlPerMin / RATE).toBeCloseTo(1 - Math.exp(-1), 2);
    pump(line, 10, 36, TAU, 10 * TAU);
    const steady = line.mark();
    pump(line, 10, 36, 10 * TAU, 10 * TAU + 36 * 1_000);
    expect(line.meanFlowSinceNlPerMin(steady) / RATE).toBeCloseTo(1, 4);
    expect(line.pressureKpa).toBeCloseTo(((RATE / MIN) * TAU) / C, 2);
  });

  it('steady flow at the sensor equals the plunger rate after a few tau, at real push sizes', () => {
    const line = new FluidLine();
    pump(line, STEP_NL, EVERY_MS, 0, 10 * TAU);
    const mark = line.mark();
    pump(line, STEP_NL, EVERY_MS, 10 * TAU, 10 * TAU + 60 * EVERY_MS);
    // Over whole push periods the mean is the plunger rate; the ripple stays within one push.
    expect(line.meanFlowSinceNlPerMin(mark) / RATE).toBeCloseTo(1, 3);
    expect(Math.abs(line.flowAtSensorNlPerMin - RATE)).toBeLessThan(((STEP_NL / TAU) * MIN) / 2 + 1);
    expectBalanced(line);
  });
});

describe('FluidLine: occlusion and release', () => {
  it('a full occlusion stops the flow at the sensor; pressure rises linearly with the volume pushed', () => {
    const line = new FluidLine();
    line.occlude(0);
    // 0.5 mL/h (domain.md): 250 nl every 1.8 s.
    for (let i = 1; i <= 2_000; i++) {
      line.push(i * EVERY_MS, 250);
      if (i % 250 === 0) {
        expect(line.flowAtSensorNlPerMin).toBe(0);
        expect(line.throughSensorFl).toBe(0);
        expect(line.pressureKpa).toBeCloseTo(line.pushedNl / C, 9);
      }
    }
    // One hour at 0.5 mL/h stores 500 uL: 67 kPa (500 mmHg), a typical occlusion alarm level.
    expect(line.pushedNl).toBe(500_000);
    expect(line.pressureKpa * 7.500_6).toBeCloseTo(500, 0);

    line.release(HOUR);
    expect(line.occluded).toBe(false);
    const stored = line.storedNl;
    line.advanceTo(HOUR + 30 * TAU);
    // The release bolus at the outlet is what the compliance held: 0.5 mL, ECRI's limit.
    expect(line.outletNl).toBeCloseTo(stored, 3);
    expect(line.outletNl).toBeCloseTo(500_000, 3);
    expect(line.pressureKpa).toBeCloseTo(0, 6);
    expectBalanced(line);
  });

  it('a partial occlusion raises the steady pressure by its factor and slows the line', () => {
    const clear = new FluidLine();
    pump(clear, STEP_NL, EVERY_MS, 0, 10 * TAU);
    const partial = new FluidLine();
    partial.partiallyOcclude(0, 10);
    expect(partial.tauMs).toBeCloseTo(10 * TAU, 6);
    pump(partial, STEP_NL, EVERY_MS, 0, 100 * TAU);
    expect(partial.pressureKpa / clear.pressureKpa).toBeCloseTo(10, 1);
    const mark = partial.mark();
    pump(partial, STEP_NL, EVERY_MS, 100 * TAU, 100 * TAU + 100 * EVERY_MS);
    expect(partial.meanFlowSinceNlPerMin(mark) / RATE).toBeCloseTo(1, 3);
  });

  it('backing off after an occlusion removes stored volume, so the release bolus is small', () => {
    const bolusAfter = (backOffNl: number): number => {
      const line = new FluidLine();
      line.occlude(0);
      pump(line, 250, EVERY_MS, 0, HOUR);
      if (backOffNl) line.push(HOUR + S, -backOffNl);
      line.release(HOUR + 2 * S);
      line.advanceTo(HOUR + 2 * S + 20 * TAU);
      expectBalanced(line);
      return line.outletNl;
    };
    expect(bolusAfter(0)).toBeCloseTo(500_000, 2);
    expect(bolusAfter(450_000)).toBeCloseTo(50_000, 2);
    // Backing off further than what was stored pulls fluid back from the outlet.
    expect(bolusAfter(520_000)).toBeCloseTo(-20_000, 2);
  });

  it('pressure goes negative while the plunger backs off on an open line, and flow reverses', () => {
    const line = new FluidLine();
    line.push(0, -1_000);
    expect(line.pressureKpa).toBeLessThan(0);
    expect(line.flowAtSensorNlPerMin).toBeLessThan(0);
    line.advanceTo(30 * TAU);
    expect(line.outletNl).toBeCloseTo(-1_000, 3);
  });
});

describe('FluidLine: leak, disconnection, free flow', () => {
  it('a leak diverts part of the flow to leakedNl; the sensor still sees the plunger rate', () => {
    const line = new FluidLine();
    pump(line, STEP_NL, EVERY_MS, 0, 10 * TAU);
    const pressureBefore = line.pressureKpa;
    line.setLeak(10 * TAU, 0.3);
    pump(line, STEP_NL, EVERY_MS, 10 * TAU, 20 * TAU);
    const mark = line.mark();
    const outlet0 = line.outletFl;
    const leaked0 = line.leakedFl;
    pump(line, STEP_NL, EVERY_MS, 20 * TAU, 20 * TAU + 100 * EVERY_MS);
    const delivered = (line.outletFl - outlet0) + (line.leakedFl - leaked0);
    expect((line.leakedFl - leaked0) / delivered).toBeCloseTo(0.3, 6);
    // A positive-displacement pump pushes through the leak too: only the pressure shows it.
    expect(line.meanFlowSinceNlPerMin(mark) / RATE).toBeCloseTo(1, 3);
    expect(line.pressureKpa / pressureBefore).toBeCloseTo(0.7, 1);
    expectBalanced(line);
  });

  it('a disconnection sends everything to the leak, at no pressure', () => {
    const line = new FluidLine();
    line.push(0, 5_000);
    line.setLeak(S, 1);
    expect(line.storedFl).toBe(0);
    expect(line.tauMs).toBe(0);
    const outlet = line.outletFl;
    pump(line, STEP_NL, EVERY_MS, S, HOUR);
    expect(line.outletFl).toBe(outlet);
    expect(line.pressureKpa).toBe(0);
    expect(line.leakedNl).toBeGreaterThan(HOUR / EVERY_MS - 1);
    line.setLeak(HOUR, 0);
    expectBalanced(line);
  });

  it('with an occlusion and a leak, the flow finds the leak', () => {
    const line = new FluidLine();
    line.occlude(0);
    line.setLeak(0, 0.5);
    pump(line, STEP_NL, EVERY_MS, 0, 20 * TAU);
    expect(line.outletFl).toBe(0);
    expect(line.leakedNl).toBeGreaterThan(0);
    expectBalanced(line);
  });

  it('free flow runs through the sensor to the outlet without the plunger', () => {
    const line = new FluidLine();
    line.setFreeFlow(0, 5_000);
    line.advanceTo(20 * TAU);
    expect(line.flowAtSensorNlPerMin).toBeCloseTo(5_000, 0);
    expect(line.freeFlowInNl).toBeCloseTo((5_000 * 20 * TAU) / MIN, 3);
    expect(line.pushedFl).toBe(0);
    line.setFreeFlow(20 * TAU, 0);
    line.advanceTo(40 * TAU);
    expect(line.outletNl).toBeCloseTo(line.freeFlowInNl, 2);
    expectBalanced(line);
  });

  it('free flow into a sealed line only raises the pressure', () => {
    const line = new FluidLine();
    line.occlude(0);
    line.setFreeFlow(0, 1_000);
    line.advanceTo(MIN);
    expect(line.throughSensorFl).toBe(0);
    expect(line.storedNl).toBeCloseTo(1_000, 6);
    expectBalanced(line);
  });
});

describe('FluidLine: air', () => {
  it('flags air while the bubble passes the sensor, and the bubble is not drug', () => {
    const line = new FluidLine();
    pump(line, STEP_NL, EVERY_MS, 0, 10 * TAU);
    const t0 = 10 * TAU;
    const outlet0 = line.outletNl;
    const through0 = line.throughSensorNl;
    expect(line.airInLine).toBe(false);
    line.injectAir(t0, 20_000); // 20 uL at 16.7 uL/min: 72 s
    expect(line.airInLine).toBe(true);
    pump(line, STEP_NL, EVERY_MS, t0, t0 + 70 * S);
    expect(line.airInLine).toBe(true);
    pump(line, STEP_NL, EVERY_MS, t0 + 70 * S, t0 + 74 * S);
    expect(line.airInLine).toBe(false);
    expect(line.airNl).toBe(20_000);
    pump(line, STEP_NL, EVERY_MS, t0 + 74 * S, t0 + 10 * MIN);
    expect(line.outletNl - outlet0).toBeCloseTo(line.throughSensorNl - through0 - 20_000, 6);
    expectBalanced(line);
  });

  it('a second bubble queues behind the first; no flow, no passage', () => {
    const line = new FluidLine();
    line.injectAir(0, 100);
    line.injectAir(0, 100);
    line.advanceTo(HOUR);
    expect(line.airInLine).toBe(true);
    expect(line.airFl).toBe(0);
    line.push(HOUR, 150);
    line.advanceTo(HOUR + 20 * TAU);
    expect(line.airNl).toBeCloseTo(150, 6);
    expect(line.airInLine).toBe(true);
    line.push(HOUR + 20 * TAU, 100);
    line.advanceTo(HOUR + 40 * TAU);
    expect(line.airNl).toBeCloseTo(200, 6);
    expect(line.airInLine).toBe(false);
    expect(line.outletNl).toBeCloseTo(50, 6);
    expectBalanced(line);
  });
});

describe('FluidLine: cost', () => {
  it('days with few events cost a few computations, whatever the span', () => {
    const line = new FluidLine();
    line.setFreeFlow(0, 100);
    line.advanceTo(30 * DAY);
    expect(line.segments).toBe(1);
    for (let h = 1; h <= 24 * 30; h++) line.push(30 * DAY + h * HOUR, 1_000);
    line.advanceTo(61 * DAY);
    expect(line.segments).toBe(1 + 24 * 30 + 1);
    expect(line.freeFlowInNl).toBeCloseTo(100 * 61 * 24 * 60, 0);
    expectBalanced(line);
  });

  it('the same with a fault schedule on the virtual clock: callbacks only at fault times', () => {
    const clock = new VirtualClock();
    const line = new FluidLine();
    const parsed = FaultSchedule.parse('occlusion@1d release@2d air:1ul@3d free-flow:10@4d clear-free-flow@5d partial-occlusion:3@30d', { line });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    parsed.schedule.attach(clock);
    clock.repeat(() => line.push(clock.nowMs, 500), HOUR);
    const fired = clock.runFor(30 * DAY);
    // 720 hourly pushes, 6 fault times, and one re-arm for the 25-day wait (over 2^31 ms).
    expect(fired).toBe(720 + 6 + 1);
    expect(line.segments).toBeLessThanOrEqual(720 + 6);
    expect(line.resistanceFactor).toBe(3);
    expectBalanced(line);
  });
});

describe('connectLine: the rig drives the line', () => {
  function setup() {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const pins = { step: 1, dir: 2, enable: 3 };
    const rig = new VirtualRig({ bus, clock, pins, flPerMicrostep: 409_000.5, reservoirNl: 1_000_000 });
    const line = new FluidLine();
    const drive = new DriveFaultModel();
    const connection = connectLine(line, rig, { stalled: () => drive.motionBlocked });
    bus.emit(pins.enable, 'digital', 0, 0, 0);
    bus.emit(pins.dir, 'digital', 1, 0, 0);
    const step = (n: number) => {
      for (let i = 0; i < n; i++) {
        bus.emit(pins.step, 'digital', 1, 0, clock.nowMs);
        bus.emit(pins.step, 'digital', 0, 0, clock.nowMs);
        clock.runFor(10);
      }
    };
    return { clock, bus, pins, rig, line, drive, connection, step };
  }

  it('pushes what the plunger moved, drops it while stalled, and collects PWM up to each read', () => {
    const { clock, bus, pins, rig, line, drive, connection, step } = setup();
    step(10);
    expect(line.pushedFl).toBe(Math.round(10 * 409_000.5));
    drive.setStall(true);
    step(4);
    expect(line.pushedFl).toBe(Math.round(10 * 409_000.5));
    expect(connection.droppedFl).toBeCloseTo(4 * 409_000.5, 3);
    drive.setStall(false);
    // A PWM run: the line collects its periods whenever it advances.
    bus.emit(pins.step, 'pwm', 0.5, 100, clock.nowMs);
    const start = clock.nowMs;
    clock.runFor(1_000);
    line.advanceTo(clock.nowMs);
    expect(line.pushedFl).toBe(Math.round(110 * 409_000.5));
    clock.runFor(500);
    bus.emit(pins.step, 'pwm', 0, 100, clock.nowMs);
    line.advanceTo(clock.nowMs);
    expect(line.pushedFl).toBe(Math.round(160 * 409_000.5));
    expect(clock.nowMs - start).toBe(1_500);
    expect(rig.pushedFl - line.pushedFl).toBeCloseTo(4 * 409_000.5, 0);
    connection.dispose();
    step(1);
    expect(line.pushedFl).toBe(Math.round(160 * 409_000.5));
  });
});

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

describe('fault strings', () => {
  it('parses every fault of the table, with units', () => {
    const ok = (s: string) => {
      const r = parseFault(s);
      if (!r.ok) throw new Error(r.error);
      return r.fault;
    };
    expect(ok('occlusion@2h')).toMatchObject({ name: 'occlusion', clear: false, atMs: 2 * HOUR, value: undefined, part: 'line' });
    expect(ok('partial-occlusion:10@30m')).toMatchObject({ value: 10, atMs: 30 * MIN, description: 'partial occlusion x10' });
    expect(ok('partial-occlusion:2.5x@1h30m')).toMatchObject({ value: 2.5, atMs: 90 * MIN });
    expect(ok('release@3h').atMs).toBe(3 * HOUR);
    expect(ok('leak@1h').value).toBe(0.5);
    expect(ok('leak:30%@1h').value).toBeCloseTo(0.3, 12);
    expect(ok('free-flow:5ul/min@4h')).toMatchObject({ value: 5_000, atMs: 4 * HOUR });
    expect(ok('free-flow:1ml/h@0').value).toBeCloseTo(16_666.667, 2);
    expect(ok('air:20ul@90m')).toMatchObject({ value: 20_000, atMs: 90 * MIN });
    expect(ok('AIR:20µL@90M').value).toBe(20_000);
    expect(ok('sensor-noise:300@0')).toMatchObject({ value: 300, atMs: 0, part: 'flowSensor' });
    expect(ok('sensor-offset:-200@0').value).toBe(-200);
    expect(ok('battery-sag:300@1d')).toMatchObject({ value: 300, atMs: DAY, part: 'battery' });
    expect(ok('battery-sag:0.3v@1d').value).toBe(300);
    expect(ok('brown-out@2d').atMs).toBe(2 * DAY);
    expect(ok('stall@5h').part).toBe('drive');
    expect(ok('clear-stall@6h')).toMatchObject({ name: 'stall', clear: true, description: 'clear motor stall' });
    expect(ok('sensor-crc@250ms').atMs).toBe(250);
    for (const [name, spec] of Object.entries(FAULTS)) expect(ok(spec.example).name).toBe(name);
    expect(faultHelp().split('\n')).toHaveLength(Object.keys(FAULTS).length);
    expect(parseDuration('1.5h')).toEqual({ ok: true, ms: 1.5 * HOUR });
  });

  it('refuses bad strings with a message that names the bad part', () => {
    const cases: [string, RegExp][] = [
      ['occlusion', /"occlusion": no "@time"/],
      ['occlusoin@2h', /unknown fault "occlusoin"/],
      ['partial-occlusion@30m', /partial-occlusion needs a value \(e\.g\. partial-occlusion:10@30m\)/],
      ['occlusion:5@2h', /occlusion takes no value/],
      ['free-flow:5ul/s@4h', /unknown rate unit "ul\/s"/],
      ['free-flow:fast@4h', /rate "fast" does not start with a number/],
      ['air:20ul@2x', /bad time "2x"/],
      ['air:20ul@90', /"90" has no unit/],
      ['air:20ul@', /no time after "@"/],
      ['air:-5ul@1h', /volume -5ul must be above 0/],
      ['leak:150%@1h', /fraction 150% must be above 0/],
      ['partial-occlusion:0.5@1h', /factor 0\.5 must be 1 or more/],
      ['battery-sag:-3@1h', /must not be negative/],
      ['clear-release@1h', /release is an action and cannot be cleared/],
      ['clear-stall:1@1h', /clear-stall takes no value/],
      ['@1h', /no fault name/],
      ['occlusion@20000d', /more than 10 years/],
    ];
    for (const [text, why] of cases) {
      const r = parseFault(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(why);
        expect(r.error).toContain(`"${text}"`);
      }
    }
    const list = parseFaults('occlusion@2h, bogus@1h release@3h air:1ul@1q');
    expect(list.ok).toBe(false);
    if (!list.ok) {
      expect(list.errors).toHaveLength(2);
      expect(list.message).toMatch(/bogus/);
      expect(list.message).toMatch(/1q/);
    }
  });

  it('never throws, whatever it is given', () => {
    const p = new Prng(99);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz-:@%/.0123456789 ,µ';
    for (let i = 0; i < 5_000; i++) {
      const n = Math.floor(p.next() * 30);
      let s = '';
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(p.next() * alphabet.length)];
      expect(() => parseFaults(s)).not.toThrow();
      expect(() => parseFault(s)).not.toThrow();
    }
  });

  it('sorts a list by time and keeps the order of faults at the same time', () => {
    const r = parseFaults(['release@3h', 'occlusion@2h', 'sensor-noise:300@0 sensor-offset:200@0']);
    expect(r.ok && r.faults.map((f) => f.text)).toEqual(['sensor-noise:300@0', 'sensor-offset:200@0', 'occlusion@2h', 'release@3h']);
  });
});

describe('FaultSchedule', () => {
  it('applies each fault to its part at its time on the virtual clock', () => {
    const clock = new VirtualClock();
    const line = new FluidLine();
    const flowSensor = new FlowSensorModel({ line });
    const drive = new DriveFaultModel();
    const battery = new BatteryModel();
    const text =
      'sensor-offset:200@0 occlusion@2h release@3h air:20ul@90m leak:20%@4h clear-leak@5h stall@5h clear-stall@6h ' +
      'driver-fault@7h sensor-unplugged@1h clear-sensor-unplugged@2h sensor-crc@1h sensor-stuck@2h battery-sag:300@1d brown-out@2d clear-brown-out@3d';
    const parsed = FaultSchedule.parse(text, { line, flowSensor, drive, battery });
    if (!parsed.ok) throw new Error(parsed.message);
    const schedule = parsed.schedule;
    const heard: string[] = [];
    schedule.onApply = (a) => heard.push(`${a.atMs} ${a.fault.text}`);
    schedule.attach(clock);
    expect(flowSensor.offsetNlPerMin).toBe(200); // due at once
    clock.runUntil(HOUR);
    expect([flowSensor.unplugged, flowSensor.crcError]).toEqual([true, true]);
    clock.runUntil(90 * MIN);
    expect(line.airInLine).toBe(true);
    clock.runUntil(2 * HOUR);
    expect([line.occluded, flowSensor.unplugged, flowSensor.stuck]).toEqual([true, false, true]);
    clock.runUntil(3 * HOUR);
    expect(line.occluded).toBe(false);
    clock.runUntil(4 * HOUR);
    expect(line.leakFraction).toBeCloseTo(0.2, 12);
    clock.runUntil(5 * HOUR);
    expect([line.leakFraction, drive.stalled]).toEqual([0, true]);
    clock.runUntil(6 * HOUR);
    expect(drive.stalled).toBe(false);
    clock.runUntil(7 * HOUR);
    expect(drive.driverFault).toBe(true);
    clock.runUntil(DAY);
    expect(battery.millivolts(DAY)).toBe(battery.curveMillivolts() - 300);
    clock.runUntil(2 * DAY);
    expect(battery.millivolts(2 * DAY)).toBe(2_300);
    clock.runUntil(3 * DAY);
    expect(battery.brownOut).toBe(false);
    expect(schedule.pending).toHaveLength(0);
    expect(schedule.applied).toHaveLength(schedule.faults.length);
    expect(heard[0]).toBe('0 sensor-offset:200@0');
    expect(heard[heard.length - 1]).toBe(`${3 * DAY} clear-brown-out@3d`);
  });

  it('names the missing part instead of failing later', () => {
    const r = FaultSchedule.parse('stall@1h battery-sag:100@2h', { line: new FluidLine() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/no drive, battery in the target for stall@1h, battery-sag:100@2h/);
  });

  it('applies faults already due when attached late, and detaches cleanly', () => {
    const clock = new VirtualClock();
    const drive = new DriveFaultModel();
    const parsed = FaultSchedule.parse('stall@1h clear-stall@3h', { drive });
    if (!parsed.ok) throw new Error(parsed.message);
    clock.runUntil(2 * HOUR);
    parsed.schedule.attach(clock);
    expect(drive.stalled).toBe(true);
    expect(parsed.schedule.applied[0]!.atMs).toBe(2 * HOUR);
    parsed.schedule.detach();
    clock.runUntil(4 * HOUR);
    expect(drive.stalled).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});
