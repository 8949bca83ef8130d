// Everything a prescription must pass before it may run: its structure, the drug library, the
// mechanics' speed limit, and the ten-fold increase check. All or nothing: a prescription is
// either accepted whole, with any soft-limit warnings, or refused with one numbered error.

import { fail, ok, pumpError, type Result } from './errors';
import { checkAgainstLibrary, type DrugLibrary } from './library';
import { type Mechanics } from './mechanics';
import { bolusRateNlPerDay, readPrescription, type Prescription } from './prescription';
import { type EventData } from './events';
import { basalDailyNl, peakBasalNlPerDay, worstCaseDailyNl } from './schedule';
import { doseNg, doseUg, MS_PER_DAY } from './units';

export interface ProgramFlags {
  /** The clinician has seen the soft-limit warnings and wants the prescription anyway. */
  readonly overrideSoftLimits?: boolean;
  /** The clinician confirms a ten-fold (or larger) increase over the running prescription. */
  readonly confirmLargeIncrease?: boolean;
}

export interface Accepted {
  readonly prescription: Prescription;
  readonly warnings: readonly string[];
}

export const LARGE_INCREASE_FACTOR = 10;

/** The fastest the prescription can ever drive the plunger: basal plus every bolus at once. */
export function peakRateNlPerDay(rx: Prescription): number {
  let peak = peakBasalNlPerDay(rx.basal);
  if (rx.periodicBolus) peak += bolusRateNlPerDay(rx.periodicBolus);
  if (rx.patientBolus) peak += bolusRateNlPerDay(rx.patientBolus);
  if (rx.basal.mode === 'trial' && rx.basal.trial.doses.length > 0) {
    peak += Math.max(...rx.basal.trial.doses.map(bolusRateNlPerDay));
  }
  return peak;
}

function checkMechanics(rx: Prescription, mechanics: Mechanics): Result<true> {
  const limit = mechanics.maxRateNlPerDay;
  const peak = peakRateNlPerDay(rx);
  if (peak > limit) {
    return fail(pumpError('RATE_ABOVE_MECHANICS', `basal and boluses together can reach ${peak} nl/day; the mechanics allow at most ${limit} nl/day`, 'basal'));
  }
  if (rx.priming) {
    const priming = rx.priming.rateNlPerDay + peakBasalNlPerDay(rx.basal);
    if (priming > limit) {
      return fail(pumpError('RATE_ABOVE_MECHANICS', `priming at ${rx.priming.rateNlPerDay} nl/day over the basal reaches ${priming} nl/day; the mechanics allow at most ${limit} nl/day`, 'priming.rateNlPerDay'));
    }
  }
  return ok(true);
}

/** Scheduled drug per day (basal and periodic), in ng: what a decimal-point slip multiplies. */
export function scheduledNgPerDay(rx: Prescription): number {
  let nl = basalDailyNl(rx.basal);
  if (rx.periodicBolus) nl += Math.ceil(MS_PER_DAY / rx.periodicBolus.everyMs) * rx.periodicBolus.volumeNl;
  return doseNg(nl, rx.drug.concentrationUgPerMl);
}

function checkIncrease(rx: Prescription, running: Prescription | undefined, flags: ProgramFlags): Result<true> {
  if (!running || flags.confirmLargeIncrease) return ok(true);
  const before = scheduledNgPerDay(running);
  const after = scheduledNgPerDay(rx);
  if (before > 0 && after >= LARGE_INCREASE_FACTOR * before) {
    return fail(pumpError('LARGE_INCREASE', `the new prescription delivers ${(after / 1e6).toFixed(3)} mg/day against ${(before / 1e6).toFixed(3)} mg/day now (${(after / before).toFixed(1)} times)`, 'basal'));
  }
  const cOld = running.drug.concentrationUgPerMl;
  const cNew = rx.drug.concentrationUgPerMl;
  const bolusBefore = running.patientBolus ? doseNg(running.patientBolus.volumeNl, cOld) : 0;
  const bolusAfter = rx.patientBolus ? doseNg(rx.patientBolus.volumeNl, cNew) : 0;
  if (bolusBefore > 0 && bolusAfter >= LARGE_INCREASE_FACTOR * bolusBefore) {
    return fail(pumpError('LARGE_INCREASE', `the new patient bolus is ${(bolusAfter / 1e3).toFixed(1)} ug against ${(bolusBefore / 1e3).toFixed(1)} ug now (${(bolusAfter / bolusBefore).toFixed(1)} times)`, 'patientBolus.volumeNl'));
  }
  return ok(true);
}

/** Reads and checks a prescription; nothing is applied here. */
export function checkPrescription(
  input: unknown,
  context: { library: DrugLibrary; mechanics: Mechanics; running: Prescription | undefined },
  flags: ProgramFlags = {},
): Result<Accepted> {
  const read = readPrescription(input);
  if (!read.ok) return read;
  const rx = read.value;
  const lib = checkAgainstLibrary(rx, context.library, flags.overrideSoftLimits === true);
  if (!lib.ok) return lib;
  const mech = checkMechanics(rx, context.mechanics);
  if (!mech.ok) return mech;
  const inc = checkIncrease(rx, context.running, flags);
  if (!inc.ok) return inc;
  return ok({ prescription: rx, warnings: lib.value });
}

/** What a `program` event says of a prescription, in volume and in drug mass. */
export function programSummary(rx: Prescription, warnings: number): EventData {
  return {
    name: rx.name,
    mode: rx.basal.mode,
    drug: rx.drug.name,
    concentrationUgPerMl: rx.drug.concentrationUgPerMl,
    // The same prescription in drug mass: what is scheduled, and the most any 24 h can hold.
    scheduledUgPerDay: Math.floor(scheduledNgPerDay(rx) / 1_000),
    worstUgPer24h: Math.floor(doseUg(worstCaseDailyNl(rx), rx.drug.concentrationUgPerMl)),
    warnings,
  };
}
