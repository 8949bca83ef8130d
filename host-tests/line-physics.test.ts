// The physics of the fluid path: exact mass balance, the RC response, occlusion, release bolus,
// leak, air, free flow; that days of simulated time cost a handful of computations, not
// millions; and connectLine, which drives the line from the virtual rig.
import { describe, expect, it } from 'vitest';
import { FaultSchedule } from '../host/sim/fault-schedule';
import { PinBus } from '../host/sim/io-mocks';
import { FluidLine } from '../host/sim/line';
import { connectLine } from '../host/sim/line-connection';
import { Prng } from '../host/sim/prng';
import { VirtualRig } from '../host/sim/rig';
import { DriveFaultModel } from '../host/sim/sensor-models';
import { VirtualClock } from '../host/sim/virtual-clock';
import { C, DAY, EVERY_MS, expectBalanced, HOUR, MIN, pump, RATE, S, STEP_NL, TAU } from './line-fixtures';

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
    const delivered = line.outletFl - outlet0 + (line.leakedFl - leaked0);
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
