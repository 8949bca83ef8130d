// A quick gravimetric check judges the pump, not the line it starts from. The station's check is
// 20 minutes at 1 mL/h from a line the settle has drained; a slow line (tau 150 s, the slowest
// normal one) fills with rate x tau before its outlet flows at the rate, and that fill counted
// against the total volume: good boards failed it (docs/station.md). With a prime the pump runs
// at the rate before the first weighing, and the whole run is the analysis period.
import { describe, expect, it } from 'vitest';
import { runAccuracy } from '../host/accuracy/run';
import { judge } from '../host/accuracy/verdict';
import { createVirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import { periods } from '../host/cli/commands/accuracy';
import { lineFor } from '../host/sim/line-draw';

const MIN = 60_000;
const SLOW = lineFor({ totalComplianceNlPerKpa: 7_500, tauMs: 150_000, downstreamShare: 0.25, sensorSideShare: 0.5 });
const durationMs = 20 * MIN;
const intervalMs = 30_000;

async function quickCheck(primeMs: number) {
  const rig = createVirtualAccuracyRig({ pump: { line: SLOW }, balance: { seed: 4 } });
  const rec = await runAccuracy(rig, { rateNlPerH: 1_000_000, durationMs, primeMs, intervalMs, temperatureC: 20, ...periods(durationMs, intervalMs, primeMs > 0) });
  return { rig, rec, verdict: judge(rec.analysis, rec.status, { secondHourErrorPct: 2, totalVolumeErrorPct: 2 }) };
}

describe('a primed quick check on a slow line', () => {
  it('without a prime the line fill counts against the total (the station failed good boards on it)', async () => {
    const { rec, verdict } = await quickCheck(0);
    expect(rec.analysis!.totalVolume.errorPct!).toBeLessThan(-5);
    expect(verdict.checks.find((c) => c.name === 'total volume error')!.result).toBe('fail');
  });

  it('with a 10 min prime the total and A are the pump: within 0.5 %, over the whole run', async () => {
    const { rig, rec, verdict } = await quickCheck(10 * MIN);
    expect(rec.status).toBe('complete');
    // Sample times count from the first weighing, taken ten minutes after the pump started.
    expect(rec.samples).toHaveLength(41);
    expect(rec.samples[0]!.tMs).toBe(0);
    const a = rec.analysis!;
    expect(a.secondHour.fromMs).toBe(0);
    expect(a.secondHour.toMs).toBe(durationMs);
    expect(Math.abs(a.totalVolume.errorPct!)).toBeLessThan(0.5);
    expect(Math.abs(a.secondHour.errorPct!)).toBeLessThan(0.5);
    expect(a.trumpet.map((p) => p.windowMin)).toEqual([2, 5, 11, 19]);
    expect(verdict.overall).toBe('pass');
    // The pump ran through the prime: 30 minutes at 1 mL/h, and it is stopped at the end.
    expect(rig.vp.controller.status().state).toBe('paused');
    expect(rig.vp.controller.status().deliveredNl / 500_000).toBeCloseTo(1, 2);
  });

  it('an alarm in the prime marks the first sample; an abort in it stops the pump', async () => {
    const rig = createVirtualAccuracyRig({ pump: { line: SLOW }, balance: { seed: 4 } });
    const ac = new AbortController();
    const sleep = rig.scheduler.sleepUntil;
    const rec = await runAccuracy(
      {
        ...rig,
        scheduler: {
          now: rig.scheduler.now,
          sleepUntil: async (ms) => {
            await sleep(ms);
            ac.abort('operator');
          },
        },
      },
      { rateNlPerH: 1_000_000, durationMs, primeMs: 5 * MIN, intervalMs, signal: ac.signal },
    );
    expect(rec.status).toBe('aborted');
    expect(rec.samples).toHaveLength(0);
    expect(rig.vp.controller.status().state).toBe('paused');

    const rig2 = createVirtualAccuracyRig({ pump: { line: SLOW }, balance: { seed: 4 } });
    const alarms = [{ code: 11, name: 'OCCLUSION', detail: 'test' }];
    let calls = 0;
    const rec2 = await runAccuracy(
      { ...rig2, pump: { ...rig2.pump, alarms: () => Promise.resolve(calls++ === 0 ? alarms : []) } },
      { rateNlPerH: 1_000_000, durationMs: 2 * MIN, primeMs: MIN, intervalMs },
    );
    expect(rec2.alarms).toEqual([{ atMs: 0, alarm: alarms[0] }]);
    expect(rec2.samples[0]!.flags).toContain('pump-alarm');
    expect(rec2.samples[0]!.note).toMatch(/pump alarm in the prime 11 OCCLUSION/);
  });
});
