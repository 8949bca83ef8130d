// The steps that need the balance: calibrate (runCalibration, as `pumpctl calibrate --balance`,
// then CAL stores the factor on the board) and the short gravimetric check (runAccuracy, as
// `pumpctl accuracy --minutes`, judged against the profile's limits; its run folder with the
// start-up and trumpet charts is written into the board's run folder for the certificate).

import { join } from 'node:path';
import { runCalibration } from '../accuracy/calibration';
import { runAccuracy } from '../accuracy/run';
import { writeAccuracyRun } from '../accuracy/run-folder';
import { periods } from '../cli/commands/accuracy';
import { SessionPump } from '../cli/pump-control';
import { retrying } from '../cli/session';
import type { Measurement } from './db';
import { tolerancesOf } from './profile';
import type { StepContext, StepOutcome } from './step-types';
import { info, judged } from './step-types';
import { HostError } from '../errors';

/** What a failed procedure says, with its number when it has one (E9xx balance, E8xx pumpctl). */
function why(e: unknown): string {
  return e instanceof HostError ? e.text : e instanceof Error ? e.message : String(e);
}

export async function calibrate(c: StepContext): Promise<StepOutcome> {
  const p = c.profile.calibration;
  const s = c.session;
  const beforeFl = Number((await retrying(() => s.query('INFO'))).fields['flPerMicrostep']);
  let balance: Awaited<ReturnType<typeof c.balance>>;
  try {
    balance = await c.balance();
  } catch (e) {
    return { result: 'error', detail: `balance: ${why(e)}`, measurements: [] };
  }
  const pump = new SessionPump(s, () => undefined);
  c.phase(`delivering ${p.volumeUl} µL, weighing`);
  try {
    const rec = await runCalibration(
      { pump, balance, scheduler: c.scheduler },
      {
        volumeNl: Math.round(p.volumeUl * 1000),
        rateNlPerH: Math.round(p.rateMlH * 1_000_000),
        nlPerMicrostepInUse: beforeFl / 1e6,
        settleMs: Math.round(p.settleMin * 60_000),
        temperatureC: p.temperatureC,
      },
    );
    const ms: Measurement[] = [
      info('massMg', rec.massMg, 'mg'),
      info('commandedNl', rec.commandedNl, 'nl'),
      info('flPerMicrostepBefore', beforeFl, 'fl'),
      judged('changePct', rec.changePct, '%', -20, 20),
    ];
    // CAL scales the factor by measured / commanded, as `pumpctl calibrate --balance` sends it.
    const r = await s.send('CAL', rec.commandedNl, Math.round(rec.volumeNl));
    if (!r.ok) return { result: 'fail', detail: `the pump refused the calibration: E${r.code} ${r.message}`, measurements: ms };
    const afterFl = Number(r.fields['flPerMicrostep']);
    ms.push(info('flPerMicrostepAfter', afterFl, 'fl'));
    return {
      result: 'pass',
      detail: `weighed ${rec.massMg.toFixed(2)} mg for ${rec.commandedNl} nl; one microstep ${(beforeFl / 1e6).toFixed(6)} -> ${(afterFl / 1e6).toFixed(6)} nl (${rec.changePct >= 0 ? '+' : ''}${rec.changePct.toFixed(2)} %), stored on the board`,
      measurements: ms,
    };
  } catch (e) {
    return { result: 'error', detail: `calibration: ${why(e)}`, measurements: [] };
  } finally {
    await pump.stop().catch(() => undefined);
  }
}

export async function accuracy(c: StepContext): Promise<StepOutcome> {
  const p = c.profile.accuracy;
  let balance: Awaited<ReturnType<typeof c.balance>>;
  try {
    balance = await c.balance();
  } catch (e) {
    return { result: 'error', detail: `balance: ${why(e)}`, measurements: [] };
  }
  const pump = new SessionPump(c.session, () => undefined);
  // The calibration just ran: the line must empty and the pan settle before the zero (an
  // MT-SICS Z waits for a stable pan, and a manual board clock moves only when told).
  c.phase('settling');
  await pump.stop();
  await c.scheduler.sleepUntil(c.scheduler.now() + Math.round(c.profile.calibration.settleMin * 60_000));
  const durationMs = Math.round(p.minutes * 60_000);
  const intervalMs = p.intervalS * 1000;
  const count = Math.floor(durationMs / intervalMs);
  const rec = await runAccuracy(
    { pump, balance, scheduler: c.scheduler },
    {
      rateNlPerH: Math.round(p.rateMlH * 1_000_000),
      durationMs,
      primeMs: Math.round(p.primeMin * 60_000),
      intervalMs,
      temperatureC: p.temperatureC,
      ...periods(durationMs, intervalMs, p.primeMin > 0),
      signal: c.link.signal,
      onProgress: (x) =>
        c.phase(
          x.phase === 'priming'
            ? `priming the line for ${p.primeMin} min`
            : `weighing ${x.samples - 1}/${count}${x.runningErrorPct === null ? '' : `, ${x.runningErrorPct >= 0 ? '+' : ''}${x.runningErrorPct.toFixed(2)} %`}`,
        ),
    },
  );
  const out = writeAccuracyRun(join(c.dir, 'accuracy'), rec, tolerancesOf(c.profile));
  const ms: Measurement[] = out.verdict.checks.map((k) => ({
    name: k.name,
    value: k.value,
    unit: '%',
    low: -k.limitPct,
    high: k.limitPct,
    result: k.result === 'inconclusive' ? 'skipped' : k.result,
  }));
  ms.push(info('samples', rec.samples.length, 'samples'));
  const v = out.verdict.overall;
  const reason = rec.status === 'complete' ? '' : ` (run ${rec.status}: ${rec.reason ?? ''})`;
  // A run the balance cut short (E934, a zero that failed) judged nothing about the board: an
  // error to repeat, never a fail, whatever its few samples said.
  return {
    result: rec.status !== 'complete' ? 'error' : v === 'pass' ? 'pass' : v === 'fail' ? 'fail' : 'error',
    detail: `${rec.status === 'complete' ? v.toUpperCase() : 'NOT JUDGED'} against profile ${c.profile.name}${reason}: ${out.verdict.checks.map((k) => `${k.name} ${k.value === null ? 'n/a' : `${k.value.toFixed(2)} %`} ${k.result}`).join('; ')}`,
    measurements: ms,
  };
}
