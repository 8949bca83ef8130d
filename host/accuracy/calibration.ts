// Gravimetric calibration (`pumpctl calibrate --balance`): the nanolitres one microstep really
// moves = weighed volume / commanded microsteps. The firmware takes it as the mechanics'
// calibrationNlPerMicrostep (a decimal, within 20% of the geometry: firmware/core/mechanics.ts).

import { waterDensityMgPerMl } from './density';
import type { RunDeps } from './run';
import type { Weighing } from './sampling';
import { weigh } from './sampling';
import { HostError } from '../errors';

export interface CalibrationInput {
  /** Mass weighed, mg. */
  readonly massMg: number;
  /** Microsteps the pump made for it. */
  readonly microsteps: number;
  readonly temperatureC?: number;
  readonly densityMgPerMl?: number;
  /** Evaporation from a blank run, mg/min, over `durationMs`. */
  readonly evaporationMgPerMin?: number;
  readonly durationMs?: number;
}

export interface Calibration {
  readonly volumeNl: number;
  readonly nlPerMicrostep: number;
  /** To 4 decimals, as the firmware's decimal field takes it. */
  readonly nlPerMicrostepText: string;
  readonly densityMgPerMl: number;
}

export function computeCalibration(c: CalibrationInput): Calibration {
  if (!(c.microsteps > 0)) throw new RangeError(`microsteps ${c.microsteps}: the pump must have moved`);
  const rho = c.densityMgPerMl ?? waterDensityMgPerMl(c.temperatureC ?? 20);
  const mg = c.massMg + ((c.evaporationMgPerMin ?? 0) * (c.durationMs ?? 0)) / 60_000;
  if (!(mg > 0)) throw new RangeError(`weighed ${c.massMg} mg: nothing was delivered`);
  const volumeNl = (mg / rho) * 1_000_000;
  const nlPerMicrostep = volumeNl / c.microsteps;
  return { volumeNl, nlPerMicrostep, nlPerMicrostepText: nlPerMicrostep.toFixed(4), densityMgPerMl: rho };
}

export interface CalibrationRunOptions {
  /** Volume to deliver, nl (default 1 mL). */
  readonly volumeNl?: number;
  readonly rateNlPerH: number;
  /** The factor the pump uses now: commanded microsteps = counted volume / this. */
  readonly nlPerMicrostepInUse: number;
  /**
   * Wait for the line to empty into the beaker (default 5 min): after delivery, and before the
   * start weight too, since a pump that was running leaves the line under pressure.
   */
  readonly settleMs?: number;
  /**
   * After settleMs the balance is read every minute until a minute adds no more than `drainedMg`
   * (default 0.2 mg: two digits of a 0.1 mg balance), for at most maxSettleMs in all (default
   * 30 min). A slow line (tau 150 s) still held 13 % of what it took up after 5 min: 34 uL after
   * 6 mL/h, 3.4 % of a 1 mL calibration, and calibration made such rigs worse (1 % to 3.4 %).
   */
  readonly drainedMg?: number;
  readonly maxSettleMs?: number;
  readonly temperatureC?: number;
  readonly evaporationMgPerMin?: number;
}

export interface CalibrationRecord extends Calibration {
  readonly kind: 'calibration';
  readonly massMg: number;
  readonly commandedNl: number;
  readonly microsteps: number;
  /** New factor / factor in use - 1, %. */
  readonly changePct: number;
}

/** How often the balance is read while the line empties. */
const DRAIN_STEP_MS = 60_000;

/** Waits settleMs, then until a minute adds no more than drainedMg, at most maxSettleMs in all. */
async function waitDrained(deps: RunDeps, o: CalibrationRunOptions): Promise<void> {
  const { balance, scheduler } = deps;
  const settleMs = o.settleMs ?? 300_000;
  const maxMs = Math.max(settleMs, o.maxSettleMs ?? 1_800_000);
  const drainedMg = o.drainedMg ?? 0.2;
  const t0 = scheduler.now();
  await scheduler.sleepUntil(t0 + settleMs);
  let last = (await weigh(balance, 'stable')).massMg;
  while (scheduler.now() + DRAIN_STEP_MS <= t0 + maxMs) {
    await scheduler.sleepUntil(scheduler.now() + DRAIN_STEP_MS);
    const m = (await weigh(balance, 'stable')).massMg;
    if (m !== null && last !== null && Math.abs(m - last) <= drainedMg) return;
    last = m;
  }
}

/** A weighing without a mass as the balance's own error (E9xx), saying which weight is missing. */
function noWeight(which: string, w: Weighing): Error {
  return w.error ? new HostError(w.error.spec, `no ${which} weight: ${w.error.message}`) : new Error(`the balance gave no ${which} weight: ${w.note ?? ''}`);
}

export async function runCalibration(deps: RunDeps, o: CalibrationRunOptions): Promise<CalibrationRecord> {
  const { pump, balance, scheduler } = deps;
  const volume = o.volumeNl ?? 1_000_000;
  // Nothing may still flow while the start is weighed: what a running pump left stored in the
  // line's compliance (tau x rate: 10 uL after 1 mL/h on the virtual line) would otherwise be
  // weighed as if this delivery had made it, 1 % of a 1 mL calibration.
  await pump.stop();
  await waitDrained(deps, o);
  await balance.zero();
  const start = await weigh(balance, 'stable');
  if (start.massMg === null) throw noWeight('start', start);
  const t0 = scheduler.now();
  const before = (await pump.status()).deliveredNl;
  await pump.program({ rateNlPerH: o.rateNlPerH, name: 'calibration' });
  await scheduler.sleepUntil(t0 + Math.ceil((volume / o.rateNlPerH) * 3_600_000));
  await pump.stop();
  const commandedNl = (await pump.status()).deliveredNl - before;
  await waitDrained(deps, o);
  const end = await weigh(balance, 'stable');
  if (end.massMg === null) throw noWeight('end', end);
  const microsteps = commandedNl / o.nlPerMicrostepInUse;
  const c = computeCalibration({
    massMg: end.massMg - start.massMg,
    microsteps,
    ...(o.temperatureC !== undefined && { temperatureC: o.temperatureC }),
    ...(o.evaporationMgPerMin !== undefined && { evaporationMgPerMin: o.evaporationMgPerMin }),
    durationMs: scheduler.now() - t0,
  });
  return { kind: 'calibration', ...c, massMg: end.massMg - start.massMg, commandedNl, microsteps, changePct: 100 * (c.nlPerMicrostep / o.nlPerMicrostepInUse - 1) };
}
