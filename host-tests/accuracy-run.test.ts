// The accuracy procedures end to end in process: the virtual pump, a virtual balance behind
// each protocol's emulator, the AccuracyRun orchestrator, and the run folder (CSV, JSON,
// SVG + PNG charts, Markdown report), for complete, aborted and faulty runs; the occlusion
// and bolus tests and the gravimetric calibration. All in virtual time.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBolusTest, errorStats } from '../host/accuracy/bolus-test';
import { computeCalibration, runCalibration } from '../host/accuracy/calibration';
import { runOcclusionTest } from '../host/accuracy/occlusion-test';
import { bolusReport, calibrationReport, occlusionReport } from '../host/accuracy/procedure-reports';
import { runAccuracy } from '../host/accuracy/run';
import { writeAccuracyRun, writeProcedureRun } from '../host/accuracy/run-folder';
import { judge } from '../host/accuracy/verdict';
import { createVirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import { lineFor } from '../host/sim/line-draw';
import { readMechanics } from '../firmware/core/mechanics';
import mechanics from '../firmware/app/examples/mechanics.example.json';
import { PNG_SIGNATURE } from '../host/chart/png';

const MIN = 60_000;
const HOUR = 60 * MIN;
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'accuracy-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('accuracy run on the virtual rig', () => {
  it('1 mL/h for 2 h over MT-SICS: within the bench targets, and a complete run folder', async () => {
    const rig = createVirtualAccuracyRig({ protocol: 'mt-sics', balance: { seed: 3 } });
    const progress: number[] = [];
    const rec = await runAccuracy(rig, { rateNlPerH: 1_000_000, temperatureC: 20, onProgress: (p) => progress.push(p.remainingMs) });
    expect(rec.status).toBe('complete');
    expect(rec.samples).toHaveLength(241);
    expect(rec.balance).toEqual({ protocol: 'mt-sics', serialNumber: 'B912345678' });
    expect(progress).toHaveLength(240);
    expect(progress[progress.length - 1]).toBe(0);
    const a = rec.analysis!;
    expect(a.secondHour.complete).toBe(true);
    expect(Math.abs(a.secondHour.errorPct!)).toBeLessThan(1);
    const p2 = a.trumpet[0]!;
    expect(p2.windowMin).toBe(2);
    expect(p2.windows).toBe(120 - 4 + 1);
    expect(Math.max(Math.abs(p2.maxPct!), Math.abs(p2.minPct!))).toBeLessThan(3);
    // The start-up curve shows the line filling: the first interval is below the set rate.
    expect(a.startup[0]!.flowMlPerH!).toBeLessThan(a.rateMlPerH);
    // The balance weighed what left the outlet (0.1 mg resolution, 0.05 mg noise, lag).
    const weighed = rec.samples[rec.samples.length - 1]!.massMg!;
    const outletMg = (rig.vp.line.outletNl * rig.virtualBalance.densityMgPerMl) / 1e6;
    expect(Math.abs(weighed - outletMg)).toBeLessThan(1);

    const dir = tmp();
    const out = writeAccuracyRun(dir, rec, { secondHourErrorPct: 1, trumpetPct: { 2: 3 } });
    expect(out.verdict.overall).toBe('pass');
    expect([...out.files].sort()).toEqual(['intervals.csv', 'report.md', 'results.json', 'samples.csv', 'startup.png', 'startup.svg', 'trumpet.png', 'trumpet.svg']);
    const csv = readFileSync(join(dir, 'samples.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,t_ms,t_min,mass_mg,flags,note');
    expect(csv).toHaveLength(242);
    const png = readFileSync(join(dir, 'trumpet.png'));
    expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
    expect(png.readUInt32BE(16)).toBe(800);
    expect(readFileSync(join(dir, 'startup.svg'), 'utf8')).toContain('Start-up curve at 1 mL/h');
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report.startsWith('# Accuracy run: PASS')).toBe(true);
    expect(report).toContain('| 31 | 59 |');
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(json.verdict.overall).toBe('pass');
    expect(json.analysis.trumpet.map((p: { windowMin: number }) => p.windowMin)).toEqual([2, 5, 11, 19, 31]);
  });

  it.each(['sbi', 'ohaus'] as const)('a 20-minute run over %s gives the same kind of record', async (protocol) => {
    const rig = createVirtualAccuracyRig({ protocol, balance: { seed: 5 } });
    const rec = await runAccuracy(rig, { rateNlPerH: 1_000_000, durationMs: 20 * MIN, startupEndMs: 10 * MIN, analysisStartMs: 10 * MIN, analysisEndMs: 20 * MIN, windowsMin: [2, 5] });
    expect(rec.status).toBe('complete');
    expect(rec.balance.protocol).toBe(protocol);
    expect(rec.samples.filter((s) => s.flags.length)).toEqual([]);
    expect(Math.abs(rec.analysis!.secondHour.errorPct!)).toBeLessThan(2);
  });

  it('an abort leaves its partial data, analysis and an "aborted" report', async () => {
    const rig = createVirtualAccuracyRig();
    const ctl = new AbortController();
    const rec = await runAccuracy(rig, {
      rateNlPerH: 1_000_000,
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.elapsedMs >= 20 * MIN) ctl.abort('operator pressed Ctrl-C');
      },
    });
    expect(rec.status).toBe('aborted');
    expect(rec.reason).toMatch(/^E931 .*operator pressed Ctrl-C/);
    expect(rec.samples).toHaveLength(41);
    expect(rig.vp.controller.status().state).toBe('paused');
    const dir = tmp();
    const out = writeAccuracyRun(dir, rec);
    // Never a pass: the second hour is missing (inconclusive) and 20 min of start-up lag
    // puts the total volume outside 2 % (a real finding, so the overall verdict is fail).
    expect(out.verdict.checks.find((c) => c.name.startsWith('second-hour'))!.result).toBe('inconclusive');
    expect(out.verdict.overall).not.toBe('pass');
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('**The run is aborted**');
    expect(existsSync(join(dir, 'startup.png'))).toBe(true);
  });

  it('a balance that stops answering marks the samples and stops the run (E934)', async () => {
    const rig = createVirtualAccuracyRig({ balance: { seed: 2 } });
    const rec = await runAccuracy(rig, {
      rateNlPerH: 1_000_000,
      onProgress: (p) => {
        if (p.elapsedMs >= 70 * MIN) rig.virtualBalance.notAnswering = true;
      },
    });
    expect(rec.status).toBe('aborted');
    expect(rec.reason).toMatch(/^E934/);
    const silent = rec.samples.filter((s) => s.flags.includes('not-answering'));
    expect(silent).toHaveLength(5);
    expect(silent.every((s) => s.massMg === null && /E900/.test(s.note ?? ''))).toBe(true);
    const a = rec.analysis!;
    expect(a.secondHour.complete).toBe(false);
    const dir = tmp();
    writeAccuracyRun(dir, rec);
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('not-answering (the balance did not answer)');
    expect(readFileSync(join(dir, 'samples.csv'), 'utf8')).toContain(',not-answering,');
  });

  it('a pump alarm marks the samples it lasts through, and a vibration marks unstable ones', async () => {
    const rig = createVirtualAccuracyRig({ pump: { faults: [`occlusion@${80 * MIN}ms`] }, balance: { seed: 4 }, stableTimeoutMs: 3_000 });
    let shaken = false;
    const rec = await runAccuracy(rig, {
      rateNlPerH: 1_000_000,
      onProgress: (p) => {
        // A draught for one sample at 65 min.
        rig.virtualBalance.shaking = !shaken && p.elapsedMs >= 64.5 * MIN;
        if (rig.virtualBalance.shaking) shaken = true;
      },
    });
    expect(rec.status).toBe('complete');
    const unstable = rec.samples.filter((s) => s.flags.includes('unstable'));
    expect(unstable).toHaveLength(1);
    expect(unstable[0]!.massMg).not.toBeNull(); // kept, with the immediate reading
    expect(rec.alarms.map((a) => a.alarm.name)).toContain('OCCLUSION');
    const alarmed = rec.samples.filter((s) => s.flags.includes('pump-alarm'));
    expect(alarmed.length).toBeGreaterThan(10);
    const a = rec.analysis!;
    expect(a.trumpet[0]!.markedWindows.length).toBeGreaterThan(0);
    const v = judge(a, rec.status);
    expect(v.overall).toBe('fail'); // the occlusion stopped delivery: the good windows fail too
  });
});

describe('occlusion and bolus tests, calibration', () => {
  it('occlusion test at 1 mL/h: time to alarm and the released bolus, weighed', async () => {
    // A slow line with a quarter of its compliance past the sensor (the nine-line spread's
    // tau 150 s line), so that there is a bolus to weigh: on the default line the back-off now
    // takes what the line holds to a fraction of a microliter (issue 15), too little to test the
    // weighing against.
    const line = lineFor({ totalComplianceNlPerKpa: 7_500, tauMs: 150_000, downstreamShare: 0.25, sensorSideShare: 0.5 });
    const rig = createVirtualAccuracyRig({ pump: { line }, balance: { seed: 6 } });
    const outletBefore = { nl: 0 };
    const rec = await runOcclusionTest(
      {
        ...rig,
        stopcock: {
          close: rig.stopcock.close,
          open: async () => {
            outletBefore.nl = rig.vp.line.outletNl;
            await rig.stopcock.open();
          },
        },
      },
      { rateNlPerH: 1_000_000 },
    );
    expect(rec.status).toBe('complete');
    expect(rec.timeToAlarmMs).toBeGreaterThan(0);
    expect(rec.timeToAlarmMs!).toBeLessThan(10 * MIN);
    expect(rec.alarms[0]!.alarm.name).toBe('OCCLUSION');
    const releasedUl = (rig.vp.line.outletNl - outletBefore.nl) / 1000;
    expect(releasedUl).toBeGreaterThan(1);
    expect(rec.bolusUl!).toBeCloseTo(releasedUl, 0);
    const report = occlusionReport(rec);
    expect(report).toMatch(/^# Occlusion test: PASS/);
    const dir = tmp();
    expect(writeProcedureRun(dir, rec, report)).toEqual(['samples.csv', 'results.json', 'report.md']);
  });

  it('occlusion test without an alarm fails with E933', async () => {
    const rig = createVirtualAccuracyRig();
    const rec = await runOcclusionTest({ ...rig, stopcock: { close: async () => undefined, open: async () => undefined } }, { rateNlPerH: 1_000_000, maxWaitMs: 20 * MIN });
    expect(rec.status).toBe('failed');
    expect(rec.reason).toMatch(/^E933/);
    expect(occlusionReport(rec)).toMatch(/^# Occlusion test: FAIL/);
  });

  it('bolus test: five 20 uL boluses, mean and spread of the error', async () => {
    const rig = createVirtualAccuracyRig({ balance: { seed: 7, resolutionMg: 0.01, noiseMg: 0.01 } });
    const rec = await runBolusTest(rig, { volumeNl: 20_000, count: 5, durationMs: 60_000, basalRateNlPerH: 100_000 });
    expect(rec.status).toBe('complete');
    expect(rec.boluses).toHaveLength(5);
    expect(Math.abs(rec.meanErrorPct!)).toBeLessThan(3);
    expect(rec.sdErrorPct!).toBeLessThan(3);
    expect(bolusReport(rec)).toMatch(/^# Bolus test: PASS/);
  });

  it('error statistics: mean and sample standard deviation', () => {
    // errors 1, 2, 3, 6: mean 3, squares 4+1+0+9 = 14, / (4 - 1) = 4.667, sd 2.160.
    const s = errorStats([1, 2, 3, 6]);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect([s.min, s.max]).toEqual([1, 6]);
    expect(errorStats([])).toEqual({ mean: null, sd: null, min: null, max: null });
  });

  it('calibration arithmetic: nl per microstep from weighed mass', () => {
    // 998.2042 mg at 20 C (air-saturated) is 1 000 000 nl; over 9 700 microsteps: 103.0928 nl each.
    const c = computeCalibration({ massMg: 998.2042, microsteps: 9_700, temperatureC: 20 });
    expect(c.volumeNl).toBeCloseTo(1_000_000, -1);
    expect(c.nlPerMicrostepText).toBe('103.0928');
    // 0.1 mg/min of evaporation over 60 min adds 6 mg back.
    expect(computeCalibration({ massMg: 992.2042, microsteps: 9_700, temperatureC: 20, evaporationMgPerMin: 0.1, durationMs: HOUR }).nlPerMicrostepText).toBe('103.0928');
    expect(() => computeCalibration({ massMg: 10, microsteps: 0 })).toThrow(RangeError);
  });

  it('calibration run finds a syringe 2 % wider than its nominal bore', async () => {
    const m = readMechanics(mechanics);
    if (!m.ok) throw new Error('mechanics');
    const nominal = m.value.flPerMicrostep;
    const rig = createVirtualAccuracyRig({ pump: { trueFlPerMicrostep: nominal * 1.02 }, balance: { seed: 8 } });
    const rec = await runCalibration(rig, { volumeNl: 500_000, rateNlPerH: 2_000_000, nlPerMicrostepInUse: nominal / 1e6 });
    expect(rec.changePct).toBeGreaterThan(1.5);
    expect(rec.changePct).toBeLessThan(2.5);
    expect(calibrationReport(rec)).toContain(`calibrationNlPerMicrostep = **${rec.nlPerMicrostepText}**`);
  });
});
