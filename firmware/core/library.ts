// The drug library: per drug, the allowed concentrations and hard and soft limits on rate,
// dose per 24 hours, bolus size and lockout (the smart-pump guard against decimal-point
// errors). A hard limit cannot be overridden; a soft one needs an explicit override flag.
// Optionally, per drug, a usual starting dose (`startingDoseUgPer24h`, `startingBolusUg`): the
// ten-fold check measures a start from zero against it when none of the drug has run on this
// pump yet (checks.ts); without it such a start needs the large-increase confirmation.

import type { PumpError, Result } from './errors';
import { fail, ok, pumpError } from './errors';
import { FieldReader, readRecord, refuse } from './fields';
import type { Prescription } from './prescription';
import { peakBasalNlPerDay, worstCaseDailyNl } from './schedule';
import { doseUg, MS_PER_DAY } from './units';

export interface Limits {
  readonly maxRateNlPerDay: number;
  readonly maxDoseUgPer24h: number;
  readonly maxBolusUg: number;
  readonly minLockoutMs: number;
  readonly maxLockoutMs: number;
  /** Clinician boluses that may start in any 24 hours (and priming fills, below). */
  readonly maxClinicianBolusesPer24h: number;
  readonly maxPrimingsPer24h: number;
}

export interface LibraryEntry {
  readonly name: string;
  readonly concentrationsUgPerMl: readonly number[];
  readonly hard: Limits;
  readonly soft: Limits;
  /** The usual starting scheduled dose, ug per 24 h: the ten-fold reference from zero. */
  readonly startingDoseUgPer24h?: number;
  /** The usual starting patient bolus, ug: the same for the patient bolus. */
  readonly startingBolusUg?: number;
}

export interface DrugLibrary {
  readonly exampleValuesOnly: boolean;
  readonly drugs: readonly LibraryEntry[];
}

const LIMIT_FIELDS: readonly (keyof Limits)[] = ['maxRateNlPerDay', 'maxDoseUgPer24h', 'maxBolusUg', 'minLockoutMs', 'maxLockoutMs', 'maxClinicianBolusesPer24h', 'maxPrimingsPer24h'];

function readLimits(r: FieldReader): Limits {
  const limits = {
    maxRateNlPerDay: r.int('maxRateNlPerDay', 0, 2_400_000_000),
    maxDoseUgPer24h: r.int('maxDoseUgPer24h', 0, 1_000_000_000_000),
    maxBolusUg: r.int('maxBolusUg', 0, 1_000_000_000_000),
    minLockoutMs: r.int('minLockoutMs', 0, MS_PER_DAY),
    maxLockoutMs: r.int('maxLockoutMs', 0, MS_PER_DAY),
    maxClinicianBolusesPer24h: r.int('maxClinicianBolusesPer24h', 0, 100),
    maxPrimingsPer24h: r.int('maxPrimingsPer24h', 0, 100),
  };
  r.finish();
  if (limits.minLockoutMs > limits.maxLockoutMs) refuse('LIBRARY_LIMITS', `${r.path}.minLockoutMs is above maxLockoutMs`, r.fieldPath('minLockoutMs'));
  return limits;
}

export function readLibrary(input: unknown): Result<DrugLibrary> {
  return readRecord(() => {
    const r = new FieldReader(input, '');
    const exampleValuesOnly = r.optBool('exampleValuesOnly') ?? false;
    r.optStr('note', 400);
    const drugs = r.list('drugs', 64, (v, p) => {
      const d = new FieldReader(v, p);
      const name = d.str('name', 32);
      const concentrationsUgPerMl = d.list('concentrationsUgPerMl', 16, (c, cp) => {
        if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 1_000_000) refuse('FIELD_RANGE', `${cp} must be a whole number of ug/mL from 1 to 1000000`, cp);
        return c;
      });
      const hard = readLimits(d.record('hard'));
      const soft = readLimits(d.record('soft'));
      const startingDoseUgPer24h = d.optInt('startingDoseUgPer24h', 1, 1_000_000_000_000);
      const startingBolusUg = d.optInt('startingBolusUg', 1, 1_000_000_000_000);
      d.finish();
      for (const f of LIMIT_FIELDS) {
        const inside = f === 'minLockoutMs' ? soft[f] >= hard[f] : soft[f] <= hard[f];
        if (!inside) refuse('LIBRARY_LIMITS', `${p}.soft.${f} ${soft[f]} lies outside hard.${f} ${hard[f]}`, `${p}.soft.${f}`);
      }
      // A starting dose above the hard limit could never be given: a slip in the library.
      if (startingDoseUgPer24h !== undefined && startingDoseUgPer24h > hard.maxDoseUgPer24h)
        refuse('LIBRARY_LIMITS', `${p}.startingDoseUgPer24h ${startingDoseUgPer24h} is above hard.maxDoseUgPer24h ${hard.maxDoseUgPer24h}`, `${p}.startingDoseUgPer24h`);
      if (startingBolusUg !== undefined && startingBolusUg > hard.maxBolusUg)
        refuse('LIBRARY_LIMITS', `${p}.startingBolusUg ${startingBolusUg} is above hard.maxBolusUg ${hard.maxBolusUg}`, `${p}.startingBolusUg`);
      return { name, concentrationsUgPerMl, hard, soft, ...(startingDoseUgPer24h !== undefined && { startingDoseUgPer24h }), ...(startingBolusUg !== undefined && { startingBolusUg }) };
    });
    r.finish();
    const seen = new Set<string>();
    drugs.forEach((d, i) => {
      if (seen.has(d.name)) refuse('LIBRARY_DUPLICATE', `drugs[${i}] repeats "${d.name}"`, `drugs[${i}].name`);
      seen.add(d.name);
    });
    return { exampleValuesOnly, drugs };
  });
}

/** The values of a prescription that the library limits apply to, in the limits' units. */
export interface LimitedValues {
  readonly peakRateNlPerDay: number;
  readonly doseUgPer24h: number;
  readonly largestBolusUg: number;
  /** Undefined when the prescription has no patient bolus. */
  readonly lockoutMs: number | undefined;
}

export function limitedValues(rx: Prescription): LimitedValues {
  const c = rx.drug.concentrationUgPerMl;
  const boluses = [rx.periodicBolus?.volumeNl ?? 0, rx.patientBolus?.volumeNl ?? 0];
  if (rx.basal.mode === 'trial') for (const d of rx.basal.trial.doses) boluses.push(d.volumeNl);
  return {
    peakRateNlPerDay: peakBasalNlPerDay(rx.basal),
    doseUgPer24h: doseUg(worstCaseDailyNl(rx), c),
    largestBolusUg: doseUg(Math.max(...boluses), c),
    lockoutMs: rx.patientBolus?.lockoutMs,
  };
}

/** The first limit the values break, as an error of the given kind, or undefined. */
function breach(values: LimitedValues, limits: Limits, kind: 'hard' | 'soft', drug: string): PumpError | undefined {
  const name = kind === 'hard' ? 'HARD_LIMIT' : 'SOFT_LIMIT';
  const say = (field: string, what: string): PumpError => pumpError(name, `${what} for ${drug} (library ${kind}.${field})`, field);
  if (values.peakRateNlPerDay > limits.maxRateNlPerDay) {
    return say('maxRateNlPerDay', `basal rate ${values.peakRateNlPerDay} nl/day is above the ${kind} limit ${limits.maxRateNlPerDay} nl/day`);
  }
  if (values.doseUgPer24h > limits.maxDoseUgPer24h) {
    return say('maxDoseUgPer24h', `up to ${values.doseUgPer24h} ug in 24 h (basal, periodic and every allowed patient bolus) is above the ${kind} limit ${limits.maxDoseUgPer24h} ug`);
  }
  if (values.largestBolusUg > limits.maxBolusUg) {
    return say('maxBolusUg', `a bolus of ${values.largestBolusUg} ug is above the ${kind} limit ${limits.maxBolusUg} ug`);
  }
  if (values.lockoutMs !== undefined && (values.lockoutMs < limits.minLockoutMs || values.lockoutMs > limits.maxLockoutMs)) {
    return say('minLockoutMs', `patient lockout ${values.lockoutMs} ms is outside the ${kind} range ${limits.minLockoutMs} to ${limits.maxLockoutMs} ms`);
  }
  return undefined;
}

/**
 * Checks a prescription against the library. Hard limits always refuse; soft limits refuse
 * unless `overrideSoftLimits`, and are then returned as warnings the programmer shows.
 */
export function checkAgainstLibrary(rx: Prescription, library: DrugLibrary, overrideSoftLimits: boolean): Result<string[]> {
  const entry = library.drugs.find((d) => d.name === rx.drug.name);
  if (!entry) {
    return fail(pumpError('DRUG_UNKNOWN', `drug "${rx.drug.name}" is not in the library (${library.drugs.map((d) => d.name).join(', ')})`, 'drug.name'));
  }
  if (!entry.concentrationsUgPerMl.includes(rx.drug.concentrationUgPerMl)) {
    return fail(
      pumpError('CONCENTRATION_UNKNOWN', `${rx.drug.concentrationUgPerMl} ug/mL is not allowed for ${entry.name} (${entry.concentrationsUgPerMl.join(', ')} ug/mL)`, 'drug.concentrationUgPerMl'),
    );
  }
  const values = limitedValues(rx);
  const hard = breach(values, entry.hard, 'hard', entry.name);
  if (hard) return fail(hard);
  const soft = breach(values, entry.soft, 'soft', entry.name);
  if (soft && !overrideSoftLimits) return fail(soft);
  return ok(soft ? [soft.message] : []);
}
