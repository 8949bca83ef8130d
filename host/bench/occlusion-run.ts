// The firmware's side of the occlusion bench: a full occlusion at the catheter tip on the
// virtual rig (firmware, rig, line physics, sensors), timed to the alarm, then the bolus that
// leaves when it clears; and 30 days of normal delivery counting every alarm. occlusion.ts and
// occlusion-lines.ts run these on the default line and on a spread of real ones.

import library from '../../firmware/app/examples/library.example.json';
import type { FluidLineOptions } from '../sim/line';
import type { FlowZeroErrors } from '../sim/sensor-flow-errors';
import type { VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };
export const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

export interface FirmwareRun {
  /** Seconds from the block to the first alarm naming the line (OCCLUSION or UNDER_DELIVERY). */
  readonly timeToAlarmS: number;
  readonly firstAlarm: 'OCCLUSION' | 'UNDER_DELIVERY' | 'none';
  /** Seconds to OCCLUSION, the alarm that stops the plunger (Infinity: it did not come). */
  readonly timeToStopS: number;
  /** Volume at the outlet in the hour after the line clears, uL (negative: drawn back). */
  readonly releaseBolusUl: number;
  /** Alarms before the block: false alarms of the start-up on this line. */
  readonly earlyAlarms: number;
}

export interface OcclusionRunOptions {
  readonly mlPerHour: number;
  readonly occludeAtMs: number;
  /** Longest wait for an alarm after the block. */
  readonly waitMs: number;
  readonly line?: FluidLineOptions;
  readonly flowZeroErrors?: FlowZeroErrors;
  readonly seed?: number;
  /** A partial occlusion (the tip's resistance times this) instead of a full one. */
  readonly partialFactor?: number;
}

/**
 * Blocks the tip at `occludeAtMs`. The line clears 10 min after OCCLUSION stops the plunger, or,
 * where the pump only says UNDER_DELIVERY and goes on pushing, 10 min after that (a person
 * alerted checks the line); then the outlet is weighed for an hour.
 */
export function firmwareOcclusionRun(o: OcclusionRunOptions): FirmwareRun {
  const fault = o.partialFactor === undefined ? `occlusion@${o.occludeAtMs}ms` : `partial-occlusion:${o.partialFactor}@${o.occludeAtMs}ms`;
  const options: VirtualPumpOptions = {
    mechanics: RIG,
    library,
    reservoirNl: 10_000_000,
    keepEvents: true,
    prescription: { name: 'occlusion', drug: WATER, mode: 'continuous', rateNlPerDay: Math.round(o.mlPerHour * 24_000_000) },
    faults: [fault],
    ...(o.seed !== undefined && { seed: o.seed }),
    ...(o.line && { line: o.line }),
    ...(o.flowZeroErrors && { flowZeroErrors: o.flowZeroErrors }),
  };
  const vp = createVirtualPump(options);
  vp.runFor(o.occludeAtMs);
  const early = vp.events.filter((e) => e.type === 'alarm').length;
  // Alarms of the start-up are counted, then acknowledged so the block's own alarm can show.
  if (early > 0) vp.controller.acknowledge();
  const from = vp.events.length;
  const lineAlarm = (name?: string) =>
    vp.events.slice(from).find((e) => e.type === 'alarm' && (name ? e.data['alarm'] === name : e.data['alarm'] === 'OCCLUSION' || e.data['alarm'] === 'UNDER_DELIVERY'));
  let first: ReturnType<typeof lineAlarm>;
  let stop: ReturnType<typeof lineAlarm>;
  for (let t = 0; t < o.waitMs && !stop; t += MIN) {
    vp.runFor(MIN);
    first ??= lineAlarm();
    stop = lineAlarm('OCCLUSION');
    if (first && !stop && vp.nowMs >= first.at + 10 * MIN) break;
  }
  const s = (at: number | undefined) => (at === undefined ? Infinity : Math.round((at - o.occludeAtMs) / 1000));
  if (!first) return { timeToAlarmS: Infinity, firstAlarm: 'none', timeToStopS: Infinity, releaseBolusUl: NaN, earlyAlarms: early };
  const clearAt = (stop ?? first).at + 10 * MIN;
  if (clearAt > vp.nowMs) vp.runFor(clearAt - vp.nowMs);
  vp.line.release(vp.nowMs);
  const before = vp.line.outletNl;
  vp.runFor(HOUR);
  return {
    timeToAlarmS: s(first.at),
    firstAlarm: first.data['alarm'] as FirmwareRun['firstAlarm'],
    timeToStopS: s(stop?.at),
    releaseBolusUl: Math.round(vp.line.outletNl - before) / 1000,
    earlyAlarms: early,
  };
}

/**
 * The normal day the false-alarm runs deliver (a flexible schedule with periodic and patient
 * boluses on the 60 mL syringe); the population bench runs the same day on each rig.
 */
export const NORMAL_DAY_RX = {
  name: 'normal-30d',
  drug: WATER,
  mode: 'flexible',
  schedule: [
    { startMs: 0, rateNlPerDay: 600_000 },
    { startMs: 7 * HOUR, rateNlPerDay: 1_200_000 },
    { startMs: 22 * HOUR, rateNlPerDay: 900_000 },
  ],
  periodicBolus: { volumeNl: 30_000, durationMs: 5 * MIN, everyMs: 8 * HOUR },
  patientBolus: { volumeNl: 25_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 150_000 },
};

/**
 * 30 days of a flexible schedule with periodic and patient boluses: every alarm counts, by name.
 * Alarms are acknowledged every 3 h (a pump held by one would hide the next).
 */
export function falseAlarms30d(
  seed: number,
  extra: { readonly line?: FluidLineOptions; readonly flowZeroErrors?: FlowZeroErrors } = {},
): { readonly total: number; readonly byName: Readonly<Record<string, number>> } {
  const vp = createVirtualPump({
    seed,
    mechanics: { ...RIG, syringe: 'bd-60ml' },
    library,
    reservoirNl: 60_000_000,
    lowReservoirNl: 0,
    keepEvents: false,
    ...(extra.line && { line: extra.line }),
    ...(extra.flowZeroErrors && { flowZeroErrors: extra.flowZeroErrors }),
    prescription: NORMAL_DAY_RX,
  });
  let total = 0;
  const byName: Record<string, number> = {};
  vp.controller.subscribe((e) => {
    if (e.type !== 'alarm') return;
    total++;
    const name = String(e.data['alarm']);
    byName[name] = (byName[name] ?? 0) + 1;
  });
  let seen = 0;
  for (let h = 0; h < 30 * 24; h += 3) {
    if (total > seen) vp.controller.acknowledge();
    seen = total;
    vp.controller.patientBolus();
    vp.runFor(3 * HOUR);
  }
  return { total, byName };
}
