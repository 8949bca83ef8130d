// What the pump must remember of the doses it gave, across every reset (issue 13, hole 1: a
// power cycle between requests used to reset the patient lockout and the 24-hour maxima). It
// is small and written ahead of the motor, like the delivery counters:
// - `nowMs`: pump time when it was written. The pump's clock carries on from here after a
//   reset (there is no real-time clock): time the board was off does not count, so lockouts
//   and 24-hour windows only ever get longer, never shorter;
// - `nextBolusId`: bolus numbers never repeat, so a ledger entry is never another bolus;
// - `patient`: the ledger (start, end, counted volume of each patient bolus still counting);
// - `program`: when the running prescription started and when its next periodic dose is due,
//   so a reset neither restarts a trial nor gives a periodic dose twice (storage keeps it
//   only for the prescription it was written with: firmware/storage/persistence.ts);
// - `reservoir` and `references`: the drug and concentration in the reservoir, and the last
//   non-zero doses of each drug that ran (reservoir.ts, issue 14), so a reset neither forgets
//   a refill with a new drug nor turns a start from zero into an unchecked first start.
// Reading a stored copy checks every field: a bad one is a storage fault, never a default.

import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { GivenRecord } from './bolus-desk';
import type { PatientRecord } from './patient';
import type { DoseReference, ReservoirContents } from './reservoir';
import { MAX_REFERENCES } from './reservoir';

export interface ProgramMemory {
  readonly startMs: number;
  /** Undefined when the prescription has no periodic bolus. */
  readonly nextPeriodicMs: number | undefined;
}

export interface DoseMemory {
  readonly nowMs: number;
  readonly nextBolusId: number;
  readonly patient: readonly PatientRecord[];
  /** Clinician boluses and priming fills of the last 24 h (the library counts them). */
  readonly given: readonly GivenRecord[];
  readonly program: ProgramMemory | undefined;
  /** What the reservoir holds; absent when never recorded (and in records older than it). */
  readonly reservoir?: ReservoirContents | undefined;
  readonly references?: readonly DoseReference[];
}

/** The ledger and schedule were lost on a board that had run before (see Pump's config). */
export const DOSES_LOST = 'lost';

const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isDrug = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 32;

/** Checks a stored copy (JSON as written by `doseMemoryJson`). */
export function readDoseMemory(input: unknown): Result<DoseMemory> {
  const bad = (what: string): Result<DoseMemory> => fail(pumpError('STORAGE_CORRUPT', `the dose memory record is unreadable: ${what}`));
  if (typeof input !== 'object' || input === null) return bad('not an object');
  const r = input as Record<string, unknown>;
  if (!isMs(r['nowMs']) || !isMs(r['nextBolusId']) || r['nextBolusId'] < 1) return bad('nowMs or nextBolusId');
  if (!Array.isArray(r['patient'])) return bad('patient');
  const patient: PatientRecord[] = [];
  for (const e of r['patient'] as unknown[]) {
    if (!Array.isArray(e) || e.length !== 4 || !e.every(isMs)) return bad('a patient entry');
    const [bolusId, startMs, endMs, countedNl] = e as number[];
    if (endMs! < startMs!) return bad('a patient entry ends before it starts');
    patient.push({ bolusId: bolusId!, startMs: startMs!, endMs: endMs!, countedNl: countedNl! });
  }
  // Older records have no `given`: nothing counted (the dose memory came with this field).
  const given: GivenRecord[] = [];
  const g = r['given'] ?? [];
  if (!Array.isArray(g)) return bad('given');
  for (const e of g as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || (e[0] !== 'clinician' && e[0] !== 'prime') || !isMs(e[1])) return bad('a given entry');
    given.push({ kind: e[0], startMs: e[1] });
  }
  let program: ProgramMemory | undefined;
  const p = r['program'];
  if (p !== undefined && p !== null) {
    const q = p as Record<string, unknown>;
    const next = q['nextPeriodicMs'];
    if (!isMs(q['startMs']) || (next !== null && !isMs(next))) return bad('program');
    program = { startMs: q['startMs'], nextPeriodicMs: next === null ? undefined : (next as number) };
  }
  // Older records have neither: the contents are unknown, and no dose of any drug ran.
  let reservoir: ReservoirContents | undefined;
  const c = r['reservoir'];
  if (c !== undefined && c !== null) {
    if (!Array.isArray(c) || c.length !== 2 || !isDrug(c[0]) || !isMs(c[1]) || c[1] < 1) return bad('reservoir');
    reservoir = { drug: c[0], concentrationUgPerMl: c[1] };
  }
  const references: DoseReference[] = [];
  const refs = r['references'] ?? [];
  if (!Array.isArray(refs) || refs.length > MAX_REFERENCES) return bad('references');
  for (const e of refs as unknown[]) {
    if (!Array.isArray(e) || e.length !== 3 || !isDrug(e[0]) || !isMs(e[1]) || !isMs(e[2])) return bad('a reference entry');
    references.push({ drug: e[0], scheduledNgPerDay: e[1], patientBolusNg: e[2] });
  }
  return ok({ nowMs: r['nowMs'], nextBolusId: r['nextBolusId'], patient, given, program, reservoir, references });
}

/** The JSON to store (numbers only: small, and Infinity never appears). */
export function doseMemoryJson(m: DoseMemory): unknown {
  const program = m.program && { startMs: m.program.startMs, nextPeriodicMs: m.program.nextPeriodicMs ?? null };
  const reservoir = m.reservoir ? [m.reservoir.drug, m.reservoir.concentrationUgPerMl] : null;
  const references = (m.references ?? []).map((e) => [e.drug, e.scheduledNgPerDay, e.patientBolusNg]);
  return {
    nowMs: m.nowMs,
    nextBolusId: m.nextBolusId,
    patient: m.patient.map((e) => [e.bolusId, e.startMs, e.endMs, e.countedNl]),
    given: m.given.map((g) => [g.kind, g.startMs]),
    program: program ?? null,
    reservoir,
    references,
  };
}
