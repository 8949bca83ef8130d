// Shared inputs for the tests: the example library and mechanics, and prescription builders.
import libraryJson from '../firmware/app/examples/library.example.json';
import type { DrugLibrary } from '../firmware/core/library';
import { readLibrary } from '../firmware/core/library';
import type { Mechanics, MechanicsInput } from '../firmware/core/mechanics';
import { readMechanics } from '../firmware/core/mechanics';

export const LIBRARY_JSON = libraryJson;

export function library(): DrugLibrary {
  const l = readLibrary(libraryJson);
  if (!l.ok) throw new Error(l.error.message);
  return l.value;
}

export function mechanics(input: Partial<MechanicsInput> = {}): Mechanics {
  const m = readMechanics({ syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16, ...input });
  if (!m.ok) throw new Error(m.error.message);
  return m.value;
}

export const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };

export function continuous(rateNlPerDay: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'test', drug: WATER, mode: 'continuous', rateNlPerDay, ...extra };
}

export const PATIENT = { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 150_000 };
