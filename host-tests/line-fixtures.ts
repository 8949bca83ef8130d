// Shared helpers for the line, sensor-model and fault tests: time units, the default line's
// constants, a plunger pushing at a fixed rate, and the exact mass-balance check.
import { expect } from 'vitest';
import type { FluidLine } from '../host/sim/line';
import { DEFAULT_TAU_MS } from '../host/sim/line';

export const S = 1_000;
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const TAU = DEFAULT_TAU_MS;
export const C = 7_500; // nl/kPa

/** The plunger pushes `stepNl` at every multiple of `everyMs` in (fromMs, toMs], then the line moves to toMs. */
export function pump(line: FluidLine, stepNl: number, everyMs: number, fromMs: number, toMs: number): void {
  for (let t = (Math.floor(fromMs / everyMs) + 1) * everyMs; t <= toMs; t += everyMs) line.push(t, stepNl);
  line.advanceTo(toMs);
}

/** 500 nl every 1.8 s: 16,667 nl/min = 1 mL/h. */
export const STEP_NL = 500;
export const EVERY_MS = 1_800;
export const RATE = (STEP_NL / EVERY_MS) * MIN;

export function expectBalanced(line: FluidLine): void {
  expect(line.pushedFl + line.freeFlowInFl).toBe(line.storedFl + line.throughSensorFl);
  expect(line.throughSensorFl).toBe(line.outletFl + line.leakedFl + line.airFl);
  for (const v of [line.pushedFl, line.storedFl, line.throughSensorFl, line.outletFl, line.leakedFl, line.airFl, line.freeFlowInFl]) {
    expect(Number.isInteger(v)).toBe(true);
  }
}
