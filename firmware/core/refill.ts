// A refill as the clinician records it: the residual volume drawn out, the volume put in and
// its concentration. Drawing out much more or less than the pump expected to be left is an
// event (a leak, a pocket fill, or an accounting error), and a concentration other than the
// running prescription's is refused: the prescription would then deliver the wrong dose.

import { fail, ok, pumpError, type Result } from './errors';
import { readWholeNl } from './fields';
import { type Syringe } from './mechanics';
import { type Prescription } from './prescription';

export interface RefillRecord {
  readonly removedNl: number;
  readonly concentrationUgPerMl: number;
}

/** Discrepancy worth an event: 10% of what was expected, and at least 0.2 mL. */
const DISCREPANCY_PERCENT = 10;
const DISCREPANCY_MIN_NL = 200_000;

export function checkRefill(record: RefillRecord, expectedNl: number, rx: Prescription | undefined): Result<{ discrepancyNl: number; flagged: boolean }> {
  if (rx && record.concentrationUgPerMl !== rx.drug.concentrationUgPerMl) {
    return fail(pumpError('CONCENTRATION_MISMATCH', `the refill is ${record.concentrationUgPerMl} ug/mL but the running prescription is for ${rx.drug.concentrationUgPerMl} ug/mL: stop and program a prescription for the new concentration first`, 'concUgPerMl'));
  }
  const discrepancyNl = record.removedNl - expectedNl;
  const limit = Math.max(DISCREPANCY_MIN_NL, (expectedNl * DISCREPANCY_PERCENT) / 100);
  return ok({ discrepancyNl, flagged: Math.abs(discrepancyNl) > limit });
}

/** The volume now in the reservoir after a refill: whole nanolitres, at most what the syringe holds. */
export function readRefillVolume(volumeNl: unknown, syringe: Syringe): Result<number> {
  const read = readWholeNl(volumeNl, 'volumeNl');
  if (!read.ok) return read;
  if (read.value > syringe.capacityNl) return fail(pumpError('REFILL_OVER_CAPACITY', `${read.value} nl is more than the ${syringe.capacityNl} nl the ${syringe.name} syringe holds`, 'volumeNl'));
  return read;
}
