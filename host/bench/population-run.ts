// One rig of the population, measured: the accuracy run before and after calibration (as
// accuracy.ts's drawnRigAccuracy, with the rig's line, sensor and late timers as well), a full
// occlusion at 1 and 0.1 mL/h (as occlusion-run.ts's firmwareOcclusionRun, with the rig's
// mechanics and late timers as well, which that function takes no option for), and false alarms
// over a stretch of normal delivery. What a worker thread runs per rig (population-worker.ts).

import library from '../../firmware/app/examples/library.example.json';
import type { Analysis } from '../accuracy/gravimetric';
import { runAccuracy } from '../accuracy/run';
import { calibrateVirtualRig } from '../accuracy/virtual-calibration';
import type { VirtualAccuracyRig } from '../accuracy/virtual-rig';
import { createVirtualAccuracyRig } from '../accuracy/virtual-rig';
import type { RigOptions } from '../sim/population';
import type { VirtualPump } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import { HOUR, MIN, NORMAL_DAY_RX, RIG } from './occlusion-run';
import type { LoadCellResult } from './population-load-cell';
import { loadCellRuns } from './population-load-cell';

const BALANCE = { resolutionMg: 0.1, noiseMg: 0.05, evaporationMgPerMin: 0 };
const ACCURACY_RUN = { rateNlPerH: 1_000_000, durationMs: 2 * 3_600_000, intervalMs: 30_000, temperatureC: 20 };
const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };

export interface RigResult {
  readonly name: string;
  readonly uncalibratedPct: number;
  readonly calibratedPct: number;
  /** Worst 2-minute window after calibration, |Ep| %. */
  readonly trumpet2MinPct: number;
  /** Seconds from the block to OCCLUSION (the wait itself if it never came). */
  readonly timeToAlarmS1: number;
  readonly timeToAlarmS01: number;
  /** Volume at the outlet in the hour after the block clears, uL (worst of the two rates). */
  readonly releaseBolusUl: number;
  /** Volume drawn back at the outlet then (minus the least release of the two rates, 0 if none), uL. */
  readonly suctionUl: number;
  /** Alarms of any kind in the normal-delivery stretch (falseAlarmDays long). */
  readonly falseAlarms: number;
  /** Alarms of any kind in a bench session's runs and stops (stopAlarms). */
  readonly stopAlarms: number;
  readonly falseAlarmDays: number;
  /** With the load cell fitted (population-load-cell.ts): alarms in its runs, their hours, a disconnection's time to UNDER_DELIVERY. */
  readonly loadCell: LoadCellResult;
}

const worst2Min = (a: Analysis): number => {
  const p2 = a.trumpet.find((p) => p.windowMin === 2)!;
  return Math.max(Math.abs(p2.maxPct ?? NaN), Math.abs(p2.minPct ?? NaN));
};

async function accuracy(rig: VirtualAccuracyRig): Promise<Analysis> {
  const record = await runAccuracy(rig, ACCURACY_RUN);
  if (!record.analysis || record.status !== 'complete') throw new Error(`population accuracy run ${record.status}: ${record.reason ?? record.analysisError ?? ''}`);
  return record.analysis;
}

/** When the occlusion runs block the line. */
export const OCCLUDE_AT_MS = 2 * HOUR;

/** `rig` on the 10 mL syringe delivering water at `mlPerHour`, its line blocked at OCCLUDE_AT_MS. */
export function blockedLinePump(rig: RigOptions, mlPerHour: number): VirtualPump {
  return createVirtualPump({
    ...rig,
    mechanics: RIG,
    library,
    reservoirNl: 10_000_000,
    keepEvents: true,
    prescription: { name: 'occlusion', drug: WATER, mode: 'continuous', rateNlPerDay: Math.round(mlPerHour * 24_000_000) },
    faults: [`occlusion@${OCCLUDE_AT_MS}ms`],
  });
}

/**
 * Where a release comes from (uL): the line's content in the step before OCCLUSION (what the
 * back-off should take), what the back-off asked for (the flow check's estimate of it) and how
 * far the plunger's true volume came back by the time the line clears. The release is the
 * content less what came back; what the back-off asked less what came back is what the drive's
 * play took.
 */
export interface ReleaseBreakdown {
  readonly contentUl: number;
  readonly askedUl: number;
  readonly returnedUl: number;
}

export interface OcclusionResult {
  readonly timeToAlarmS: number;
  /** NaN when no OCCLUSION came within the wait. */
  readonly releaseBolusUl: number;
  readonly breakdown?: ReleaseBreakdown;
}

/**
 * The block at 2 h, the wait for OCCLUSION, the line cleared 10 min after, the outlet weighed for
 * an hour. The wait goes in steps of `stepMs` (the clock is virtual: the step changes nothing
 * but how close before the alarm the breakdown's content is read).
 */
export function occlusionRun(rig: RigOptions, mlPerHour: number, waitMs: number, stepMs = MIN): OcclusionResult {
  const vp = blockedLinePump(rig, mlPerHour);
  vp.runFor(OCCLUDE_AT_MS);
  if (vp.events.some((e) => e.type === 'alarm')) vp.controller.acknowledge();
  const line = vp.line;
  const contentNl = (): number => line.complianceNlPerKpa * line.pressureKpa + (line.downstream?.complianceNlPerKpa ?? 0) * line.downstreamPressureKpa;
  let seen = vp.events.length;
  let stopAt: number | undefined;
  let before = { contentNl: 0, pushedNl: 0 };
  for (let t = 0; t < waitMs && stopAt === undefined; t += stepMs) {
    before = { contentNl: contentNl(), pushedNl: vp.rig.pushedNl };
    vp.runFor(stepMs);
    for (; seen < vp.events.length && stopAt === undefined; seen++) {
      const e = vp.events[seen]!;
      if (e.type === 'alarm' && e.data['alarm'] === 'OCCLUSION') stopAt = e.at;
    }
  }
  if (stopAt === undefined) return { timeToAlarmS: waitMs / 1000, releaseBolusUl: NaN };
  vp.runFor(stopAt + 10 * MIN - vp.nowMs);
  const backoff = vp.events.find((e) => e.type === 'backoff' && e.at >= stopAt);
  const breakdown = {
    contentUl: before.contentNl / 1000,
    askedUl: Number(backoff?.data['volumeNl'] ?? 0) / 1000,
    returnedUl: (before.pushedNl - vp.rig.pushedNl) / 1000,
  };
  line.release(vp.nowMs);
  const cleared = line.outletNl;
  vp.runFor(HOUR);
  return { timeToAlarmS: Math.round((stopAt - OCCLUDE_AT_MS) / 1000), releaseBolusUl: Math.round(line.outletNl - cleared) / 1000, breakdown };
}

/**
 * A bench session's runs and stops on this rig, as the lab runs it: the test station's motor
 * test and calibration (6 mL/h for a minute, a rest, 500 uL at 6 mL/h, stopped 20 min), an
 * hour and a half at 1 mL/h with a 200 uL clinician bolus, stopped 2 h, and a drop from 6 mL/h
 * to 0.1 mL/h. Every alarm counts: nothing here is a fault. The 30-day run never stops the
 * pump, and a stopped pump is where the flow check's zero and a slow line's drain had raised
 * false OCCLUSIONs (with a back-off on the standing line) and OVER_DELIVERYs (flow-zero.ts
 * restDoubtNlPerMin, flow-check.ts #excessPeakRate).
 */
export function stopAlarms(rig: RigOptions): number {
  const vp = createVirtualPump({
    ...rig,
    mechanics: RIG,
    library,
    reservoirNl: 10_000_000,
    keepEvents: false,
    prescription: { name: 'session', drug: WATER, mode: 'continuous', rateNlPerDay: 144_000_000 },
  });
  const c = vp.controller;
  let total = 0;
  c.subscribe((e) => {
    if (e.type === 'alarm') total++;
  });
  // As at the bench: an alarm (counted when raised) is acknowledged before the next command.
  const acknowledge = (): void => {
    if (c.pump.alarms.list().length) c.acknowledge();
  };
  const run = (mlPerHour: number, ms: number): void => {
    acknowledge();
    const r = c.program({ name: 'session', drug: WATER, mode: 'continuous', rateNlPerDay: Math.round(mlPerHour * 24_000_000) }, { overrideSoftLimits: true, confirmLargeIncrease: true });
    if (r.ok && c.status().state === 'paused') c.resume();
    vp.runFor(ms);
  };
  const stop = (ms: number): void => {
    c.pause();
    vp.runFor(ms);
  };
  run(6, MIN);
  stop(13 * MIN + 30_000);
  run(6, 5 * MIN);
  stop(20 * MIN);
  run(1, 40 * MIN);
  acknowledge();
  // A refusal here is the session's own mistake, not an alarm: it must not pass as a count.
  const bolus = c.clinicianBolus({ volumeNl: 200_000, durationMs: 2 * MIN, overrideSoftLimits: true });
  if (!bolus.ok) throw new Error(`stop session: the clinician bolus was refused: ${bolus.error.message}`);
  vp.runFor(50 * MIN);
  stop(2 * HOUR);
  run(6, 20 * MIN);
  run(0.1, 30 * MIN);
  return total;
}

/** occlusion-run.ts's falseAlarms30d schedule on this rig, for `days` (alarms acknowledged every 3 h). */
export function falseAlarms(rig: RigOptions, days: number): number {
  const vp = createVirtualPump({
    ...rig,
    mechanics: { ...RIG, syringe: 'bd-60ml' },
    library,
    reservoirNl: 60_000_000,
    lowReservoirNl: 0,
    keepEvents: false,
    prescription: NORMAL_DAY_RX,
  });
  let total = 0;
  vp.controller.subscribe((e) => {
    if (e.type === 'alarm') total++;
  });
  let seen = 0;
  for (let h = 0; h < days * 24; h += 3) {
    if (total > seen) vp.controller.acknowledge();
    seen = total;
    vp.controller.patientBolus();
    vp.runFor(3 * HOUR);
  }
  return total;
}

export interface RigPlan {
  readonly name: string;
  readonly rig: RigOptions;
  /** Longest wait for OCCLUSION after the block at 1 and 0.1 mL/h. */
  readonly waitMs1: number;
  readonly waitMs01: number;
  /** Days of normal delivery counted for false alarms (0: skipped for this rig). */
  readonly falseAlarmDays: number;
}

export async function measureRig(p: RigPlan): Promise<RigResult> {
  const acc = createVirtualAccuracyRig({ protocol: 'mt-sics', pump: p.rig, balance: { ...BALANCE, seed: p.rig.seed } });
  const before = await accuracy(acc);
  // A false alarm (OCCLUSION on a soft line) can hold the pump and refuse the calibration: the
  // rig then counts as failed (NaN, the worst) rather than stopping the bench.
  acc.vp.controller.acknowledge();
  const after = await calibrateVirtualRig(acc).then(
    () => {
      acc.vp.controller.acknowledge();
      return accuracy(acc);
    },
    () => null,
  );
  const o1 = occlusionRun(p.rig, 1, p.waitMs1);
  const o01 = occlusionRun(p.rig, 0.1, p.waitMs01);
  const releases = [o1.releaseBolusUl, o01.releaseBolusUl].filter((x) => Number.isFinite(x));
  return {
    name: p.name,
    uncalibratedPct: Math.abs(before.secondHour.errorPct ?? NaN),
    calibratedPct: after ? Math.abs(after.secondHour.errorPct ?? NaN) : NaN,
    trumpet2MinPct: after ? worst2Min(after) : NaN,
    timeToAlarmS1: o1.timeToAlarmS,
    timeToAlarmS01: o01.timeToAlarmS,
    releaseBolusUl: releases.length ? Math.max(...releases) : NaN,
    suctionUl: releases.length ? Math.max(0, -Math.min(...releases)) : NaN,
    falseAlarms: p.falseAlarmDays > 0 ? falseAlarms(p.rig, p.falseAlarmDays) : 0,
    stopAlarms: stopAlarms(p.rig),
    falseAlarmDays: p.falseAlarmDays,
    loadCell: loadCellRuns(p.rig),
  };
}
