// What a clinician programs: the drug, a basal mode (continuous, flexible time-of-day steps,
// or a trial), and optional periodic, patient and priming boluses. All volumes in nl, rates in
// nl/day, times in ms. `readPrescription` checks structure and internal consistency; the
// drug-library and mechanics checks live in library.ts and checks.ts.

import type { Result } from './errors';
import { FieldReader, readRecord, refuse } from './fields';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from './units';

export interface Drug {
  readonly name: string;
  readonly concentrationUgPerMl: number;
}

export interface RateStep {
  /** Time of day the step starts, ms after midnight. */
  readonly startMs: number;
  readonly rateNlPerDay: number;
}

export interface BolusSpec {
  readonly volumeNl: number;
  readonly durationMs: number;
}

export interface PeriodicBolus extends BolusSpec {
  readonly everyMs: number;
  /** First dose this long after the prescription starts (default: one interval). */
  readonly firstAfterMs: number;
}

export interface PatientBolus extends BolusSpec {
  readonly lockoutMs: number;
  readonly maxPer24h: number;
  readonly maxVolumeNlPer24h: number;
}

export interface TrialDose extends BolusSpec {
  /** Start of the dose, ms after the prescription starts. */
  readonly atMs: number;
}

export interface Trial {
  readonly doses: readonly TrialDose[];
  readonly continuous?: { readonly rateNlPerDay: number; readonly durationMs: number };
}

export interface Priming {
  readonly volumeNl: number;
  readonly rateNlPerDay: number;
}

export type Basal =
  | { readonly mode: 'continuous'; readonly rateNlPerDay: number }
  | { readonly mode: 'flexible'; readonly steps: readonly RateStep[] }
  | { readonly mode: 'trial'; readonly trial: Trial };

export interface Prescription {
  readonly name: string;
  readonly drug: Drug;
  readonly basal: Basal;
  readonly periodicBolus?: PeriodicBolus;
  readonly patientBolus?: PatientBolus;
  readonly priming?: Priming;
}

export const MODES = ['continuous', 'flexible', 'trial'] as const;
export const MAX_RATE_NL_PER_DAY = 2_400_000_000; // 100 mL/h: far above any implant rate
export const MAX_VOLUME_NL = 100_000_000; // 100 mL
export const MAX_SCHEDULE_STEPS = 24;
export const MAX_TRIAL_DOSES = 24;
const MIN_BOLUS_MS = 1_000;
const MAX_TRIAL_MS = 30 * MS_PER_DAY;

function readBolus(r: FieldReader): BolusSpec {
  return {
    volumeNl: r.int('volumeNl', 1, MAX_VOLUME_NL),
    durationMs: r.int('durationMs', MIN_BOLUS_MS, MS_PER_DAY),
  };
}

function readSteps(r: FieldReader): RateStep[] {
  const steps = r.list(
    'schedule',
    MAX_SCHEDULE_STEPS,
    (v, p) => {
      const s = new FieldReader(v, p);
      const step = { startMs: s.int('startMs', 0, MS_PER_DAY - 1), rateNlPerDay: s.int('rateNlPerDay', 0, MAX_RATE_NL_PER_DAY) };
      s.finish();
      return step;
    },
    'SCHEDULE_STEPS',
  );
  if (steps.length === 0) refuse('SCHEDULE_STEPS', 'schedule has no steps; give 1 to 24', r.fieldPath('schedule'));
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]!.startMs <= steps[i - 1]!.startMs) {
      refuse('SCHEDULE_ORDER', `schedule[${i}].startMs ${steps[i]!.startMs} is not after schedule[${i - 1}].startMs ${steps[i - 1]!.startMs}`, r.fieldPath(`schedule[${i}].startMs`));
    }
  }
  return steps;
}

function readTrial(r: FieldReader): Trial {
  const t = r.record('trial');
  const doses = t.list(
    'doses',
    MAX_TRIAL_DOSES,
    (v, p) => {
      const d = new FieldReader(v, p);
      const dose = { atMs: d.int('atMs', 0, MAX_TRIAL_MS), ...readBolus(d) };
      d.finish();
      return dose;
    },
    'TRIAL_DOSES',
  );
  for (let i = 1; i < doses.length; i++) {
    const prev = doses[i - 1]!;
    if (doses[i]!.atMs < prev.atMs + prev.durationMs) {
      refuse('TRIAL_DOSES', `trial.doses[${i}] starts at ${doses[i]!.atMs} ms, before trial.doses[${i - 1}] ends at ${prev.atMs + prev.durationMs} ms`, t.fieldPath(`doses[${i}].atMs`));
    }
  }
  const c = t.optRecord('continuous');
  let continuous: Trial['continuous'];
  if (c) {
    continuous = { rateNlPerDay: c.int('rateNlPerDay', 1, MAX_RATE_NL_PER_DAY), durationMs: c.int('durationMs', MS_PER_HOUR, MAX_TRIAL_MS) };
    c.finish();
  }
  t.finish();
  if (doses.length === 0 && !continuous) refuse('TRIAL_DOSES', 'trial has neither doses nor a continuous trial', t.path);
  return continuous ? { doses, continuous } : { doses };
}

/** Checks the structure of a prescription; nothing here depends on the library or mechanics. */
export function readPrescription(input: unknown): Result<Prescription> {
  return readRecord(() => {
    const r = new FieldReader(input, '');
    const name = r.optStr('name', 32) ?? 'unnamed';
    const d = r.record('drug');
    const drug = { name: d.str('name', 32), concentrationUgPerMl: d.int('concentrationUgPerMl', 1, 1_000_000) };
    d.finish();

    const mode = r.choice('mode', MODES);
    const misplaced = (field: string, belongs: string): void => {
      if (r.has(field)) refuse('MODE_CONTENT', `${field} belongs to ${belongs} mode, not ${mode}`, field);
    };
    let basal: Basal;
    if (mode === 'continuous') {
      misplaced('schedule', 'flexible');
      misplaced('trial', 'trial');
      basal = { mode, rateNlPerDay: r.int('rateNlPerDay', 0, MAX_RATE_NL_PER_DAY) };
    } else if (mode === 'flexible') {
      misplaced('rateNlPerDay', 'continuous');
      misplaced('trial', 'trial');
      basal = { mode, steps: readSteps(r) };
    } else {
      misplaced('rateNlPerDay', 'continuous');
      misplaced('schedule', 'flexible');
      misplaced('periodicBolus', 'continuous or flexible');
      basal = { mode, trial: readTrial(r) };
    }

    let periodicBolus: PeriodicBolus | undefined;
    const pb = r.optRecord('periodicBolus');
    if (pb) {
      const b = readBolus(pb);
      const everyMs = pb.int('everyMs', MS_PER_HOUR, 7 * MS_PER_DAY);
      const firstAfterMs = pb.optInt('firstAfterMs', 0, 7 * MS_PER_DAY) ?? everyMs;
      pb.finish();
      if (b.durationMs > everyMs) refuse('FIELD_RANGE', `periodicBolus.durationMs ${b.durationMs} is longer than everyMs ${everyMs}`, 'periodicBolus.durationMs');
      periodicBolus = { ...b, everyMs, firstAfterMs };
    }

    let patientBolus: PatientBolus | undefined;
    const pt = r.optRecord('patientBolus');
    if (pt) {
      const b = readBolus(pt);
      const lockoutMs = pt.int('lockoutMs', 5 * MS_PER_MINUTE, MS_PER_DAY);
      const maxPer24h = pt.int('maxPer24h', 1, 96);
      const maxVolumeNlPer24h = pt.int('maxVolumeNlPer24h', 1, MAX_VOLUME_NL);
      pt.finish();
      if (lockoutMs < b.durationMs) {
        refuse('LOCKOUT_SHORTER_THAN_BOLUS', `patientBolus.lockoutMs ${lockoutMs} is shorter than durationMs ${b.durationMs}`, 'patientBolus.lockoutMs');
      }
      if (b.volumeNl > maxVolumeNlPer24h) {
        refuse('PATIENT_LIMITS_INCONSISTENT', `patientBolus.volumeNl ${b.volumeNl} is more than patientBolus.maxVolumeNlPer24h ${maxVolumeNlPer24h}`, 'patientBolus.maxVolumeNlPer24h');
      }
      patientBolus = { ...b, lockoutMs, maxPer24h, maxVolumeNlPer24h };
    }

    let priming: Priming | undefined;
    const pr = r.optRecord('priming');
    if (pr) {
      priming = { volumeNl: pr.int('volumeNl', 1, MAX_VOLUME_NL), rateNlPerDay: pr.int('rateNlPerDay', 1, MAX_RATE_NL_PER_DAY) };
      pr.finish();
    }
    r.finish();
    return { name, drug, basal, ...(periodicBolus && { periodicBolus }), ...(patientBolus && { patientBolus }), ...(priming && { priming }) };
  });
}

/** A bolus's rate in nl/day (rounded up: used for limit checks, so it errs high). */
export function bolusRateNlPerDay(b: BolusSpec): number {
  return Math.ceil((b.volumeNl * MS_PER_DAY) / b.durationMs);
}
