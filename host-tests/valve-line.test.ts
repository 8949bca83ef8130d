// The pinch valve in the fluid line model (host/sim/valve.ts, line.ts): closed it stops the
// outlet, the leak and the free-flow source; a close takes its closing time and squeezes the
// pinched tubing out half each way; the mass balance stays exact with the pinch as its last term.
import { describe, expect, it } from 'vitest';
import { PinBus } from '../host/sim/io-mocks';
import { FluidLine } from '../host/sim/line';
import { DEFAULT_PINCH_VALVE, PinchSection, VirtualValve } from '../host/sim/valve';
import { EVERY_MS, HOUR, MIN, pump, S, STEP_NL, TAU } from './line-fixtures';

const PIN = 33;
const HALF_PINCH_FL = (DEFAULT_PINCH_VALVE.pinchNl * 1_000_000) / 2;

/** pushed + free flow = stored + through; through + pinched = outlet + leaked + air, to the fl. */
function expectBalancedWithValve(line: FluidLine): void {
  expect(line.pushedFl + line.freeFlowInFl).toBe(line.storedFl + line.throughSensorFl);
  expect(line.throughSensorFl + line.pinchedFl).toBe(line.outletFl + line.leakedFl + line.airFl);
}

function lineWithValve(): { line: FluidLine; bus: PinBus; valve: VirtualValve; gate: (level: 0 | 1, atMs: number) => void } {
  const line = new FluidLine();
  const bus = new PinBus();
  const valve = new VirtualValve({ bus, pin: PIN, line });
  return { line, bus, valve, gate: (level, atMs) => bus.emit(PIN, 'digital', level, 0, atMs) };
}

describe('a line with a pinch valve', () => {
  it('starts closed: free flow and the plunger only pressurise the line, nothing leaves', () => {
    const { line, valve } = lineWithValve();
    expect(valve.closed).toBe(true);
    line.setFreeFlow(0, 5_000);
    pump(line, STEP_NL, EVERY_MS, 0, MIN);
    line.advanceTo(HOUR);
    expect(line.outletFl).toBe(0);
    expect(line.throughSensorFl).toBe(0);
    expect(line.freeFlowInFl).toBe(0); // the siphon has no head left to push against a shut valve
    expect(line.storedNl).toBe(STEP_NL * Math.floor(MIN / EVERY_MS));
    expectBalancedWithValve(line);
  });

  it('a close takes its closing time, then pinches half its tubing out of the outlet', () => {
    const { line, gate } = lineWithValve();
    gate(1, 0);
    line.setFreeFlow(0, 5_000);
    line.advanceTo(20 * TAU);
    const outletAtCommand = line.outletFl;
    gate(0, 20 * TAU);
    line.advanceTo(20 * TAU + DEFAULT_PINCH_VALVE.closingMs - 1);
    expect(line.valveClosed).toBe(false);
    line.advanceTo(20 * TAU + DEFAULT_PINCH_VALVE.closingMs);
    expect(line.valveClosed).toBe(true);
    const flowedWhileClosing = line.outletFl - outletAtCommand - HALF_PINCH_FL;
    // 5 uL/min for 50 ms is 4.2 nl.
    expect(flowedWhileClosing / 1e6).toBeCloseTo((5_000 * DEFAULT_PINCH_VALVE.closingMs) / MIN, 2);
    const closedAt = line.outletFl;
    line.advanceTo(20 * TAU + HOUR);
    expect(line.outletFl).toBe(closedAt);
    expectBalancedWithValve(line);
  });

  it('re-energised before it shut, it pinches nothing: only the first opening filled its tubing', () => {
    const { line, gate } = lineWithValve();
    gate(1, 0);
    line.push(S, 1_000);
    gate(0, 2 * S);
    gate(1, 2 * S + 20);
    line.advanceTo(HOUR);
    expect(line.valveClosed).toBe(false);
    expect(line.outletNl).toBeCloseTo(1_000 - DEFAULT_PINCH_VALVE.pinchNl, 3);
    expectBalancedWithValve(line);
  });

  it('holds a disconnection past it; opened, the stored volume leaves at once', () => {
    const { line, gate } = lineWithValve();
    line.setLeak(0, 1);
    line.push(S, 2_000);
    line.advanceTo(HOUR);
    expect(line.leakedFl).toBe(0);
    gate(1, HOUR);
    expect(line.storedFl).toBe(0);
    expect(line.leakedNl).toBeCloseTo(2_000 - DEFAULT_PINCH_VALVE.pinchNl / 2, 6);
    expectBalancedWithValve(line);
  });

  it('follows the 12 V rail too: a power cut closes it whatever the gate says', () => {
    const { line, gate, valve } = lineWithValve();
    gate(1, 0);
    expect(valve.energised).toBe(true);
    valve.powerCut(MIN);
    expect(valve.energised).toBe(false);
    line.advanceTo(MIN + DEFAULT_PINCH_VALVE.closingMs);
    expect(valve.closed).toBe(true);
    gate(1, 2 * MIN);
    expect(valve.closed).toBe(true);
  });

  it('refuses a spec it cannot model', () => {
    expect(() => new PinchSection({ closingMs: -1, pinchNl: 0 })).toThrow(/closingMs -1/);
    expect(() => new PinchSection({ closingMs: 0, pinchNl: Number.NaN })).toThrow(/pinchNl NaN/);
  });
});
