// Everything a prescription must pass before it may run: its structure, the drug library, what
// the reservoir holds, the mechanics' speed limit, and the ten-fold increase check. All or
// nothing: a prescription is either accepted whole, with any soft-limit warnings, or refused
// with one numbered error.

import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { DrugLibrary, LibraryEntry } from './library';
import { checkAgainstLibrary } from './library';
import type { Mechanics } from './mechanics';
import type { Prescription } from './prescription';
import { bolusRateNlPerDay, readPrescription } from './prescription';
import type { DoseReference, ReservoirContents } from './reservoir';
import { contentsMismatch } from './reservoir';
import type { EventData } from './events';
import { basalDailyNl, peakBasalNlPerDay, worstCaseDailyNl } from './schedule';
import { doseNg, doseUg, MS_PER_DAY } from './units';

export interface ProgramFlags {
  /** The clinician has seen the soft-limit warnings and wants the prescription anyway. */
  readonly overrideSoftLimits?: boolean;
  /** The clinician confirms a ten-fold (or larger) increase over the reference dose (below). */
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
      return fail(
        pumpError('RATE_ABOVE_MECHANICS', `priming at ${rx.priming.rateNlPerDay} nl/day over the basal reaches ${priming} nl/day; the mechanics allow at most ${limit} nl/day`, 'priming.rateNlPerDay'),
      );
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

/** What the ten-fold check compares a new prescription with (checkPrescription's context). */
export interface CheckContext {
  readonly library: DrugLibrary;
  readonly mechanics: Mechanics;
  readonly running: Prescription | undefined;
  /** What the reservoir holds; undefined when never recorded (the prescription then defines it). */
  readonly reservoir?: ReservoirContents | undefined;
  /** The last non-zero doses that ran on this pump, per drug (reservoir.ts). */
  readonly references?: readonly DoseReference[];
}

interface Reference {
  readonly ng: number;
  readonly what: string;
}

/**
 * The dose a new one is measured against, of the same drug (a mass of another drug says
 * nothing of this one): the running dose where it is not zero; from zero, the last non-zero
 * dose of the drug that ran on this pump, else the library's starting dose; else none.
 */
function reference(kind: 'daily' | 'bolus', rx: Prescription, context: CheckContext, entry: LibraryEntry | undefined): Reference | undefined {
  const drug = rx.drug.name;
  const running = context.running;
  if (running && running.drug.name === drug) {
    const ng = kind === 'daily' ? scheduledNgPerDay(running) : running.patientBolus ? doseNg(running.patientBolus.volumeNl, running.drug.concentrationUgPerMl) : 0;
    if (ng > 0) return { ng, what: 'now' };
  }
  const ran = context.references?.find((r) => r.drug === drug);
  const ranNg = ran ? (kind === 'daily' ? ran.scheduledNgPerDay : ran.patientBolusNg) : 0;
  if (ranNg > 0) return { ng: ranNg, what: `the last that ran of ${drug} on this pump` };
  const startUg = kind === 'daily' ? entry?.startingDoseUgPer24h : entry?.startingBolusUg;
  if (startUg !== undefined) return { ng: startUg * 1_000, what: `the library's starting ${kind === 'daily' ? 'dose' : 'bolus'} for ${drug}` };
  return undefined;
}

function checkIncrease(rx: Prescription, context: CheckContext, flags: ProgramFlags): Result<true> {
  if (flags.confirmLargeIncrease) return ok(true);
  const entry = context.library.drugs.find((d) => d.name === rx.drug.name);
  const after = scheduledNgPerDay(rx);
  const daily = after > 0 ? reference('daily', rx, context, entry) : undefined;
  const mg = (ng: number): string => `${(ng / 1e6).toFixed(3)} mg/day`;
  if (after > 0 && !daily) {
    return fail(
      pumpError(
        'LARGE_INCREASE',
        `the new prescription starts ${rx.drug.name} at ${mg(after)} from zero, and there is nothing to measure it against (none ran on this pump, the library gives no starting dose): confirm it`,
        'basal',
      ),
    );
  }
  if (daily && after >= LARGE_INCREASE_FACTOR * daily.ng) {
    return fail(pumpError('LARGE_INCREASE', `the new prescription delivers ${mg(after)} against ${mg(daily.ng)} ${daily.what} (${(after / daily.ng).toFixed(1)} times)`, 'basal'));
  }
  const bolusAfter = rx.patientBolus ? doseNg(rx.patientBolus.volumeNl, rx.drug.concentrationUgPerMl) : 0;
  const bolus = bolusAfter > 0 ? reference('bolus', rx, context, entry) : undefined;
  const ug = (ng: number): string => `${(ng / 1e3).toFixed(1)} ug`;
  if (bolusAfter > 0 && !bolus) {
    return fail(
      pumpError(
        'LARGE_INCREASE',
        `the new patient bolus of ${ug(bolusAfter)} of ${rx.drug.name} starts from none, and there is nothing to measure it against (none ran on this pump, the library gives no starting bolus): confirm it`,
        'patientBolus.volumeNl',
      ),
    );
  }
  if (bolus && bolusAfter >= LARGE_INCREASE_FACTOR * bolus.ng) {
    return fail(pumpError('LARGE_INCREASE', `the new patient bolus is ${ug(bolusAfter)} against ${ug(bolus.ng)} ${bolus.what} (${(bolusAfter / bolus.ng).toFixed(1)} times)`, 'patientBolus.volumeNl'));
  }
  return ok(true);
}

/** Reads and checks a prescription; nothing is applied here. */
export function checkPrescription(input: unknown, context: CheckContext, flags: ProgramFlags = {}): Result<Accepted> {
  const read = readPrescription(input);
  if (!read.ok) return read;
  const rx = read.value;
  const lib = checkAgainstLibrary(rx, context.library, flags.overrideSoftLimits === true);
  if (!lib.ok) return lib;
  // What the reservoir holds is a fact no flag overrides: refill first (reservoir.ts).
  const contents = contentsMismatch(rx, context.reservoir);
  if (contents) return fail(contents);
  const mech = checkMechanics(rx, context.mechanics);
  if (!mech.ok) return mech;
  const inc = checkIncrease(rx, context, flags);
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
