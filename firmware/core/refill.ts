// A refill as the clinician records it: the residual volume drawn out, the volume put in, its
// concentration and (optionally) its drug. Drawing out much more or less than the pump expected
// to be left is an event (a leak, a pocket fill, or an accounting error). The drug and
// concentration become what the reservoir holds (reservoir.ts): they must be in the library,
// and where they differ from the running prescription's, delivery must be stopped first, since
// that prescription would otherwise go on booking one dose while another flows.

import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { EventData, Reason } from './events';
import { reason } from './events';
import { readWholeNl } from './fields';
import type { DrugLibrary } from './library';
import type { Syringe } from './mechanics';
import type { Prescription } from './prescription';
import type { ReservoirContents } from './reservoir';
import { contentsText, sameContents } from './reservoir';

export interface RefillRecord {
  readonly removedNl: number;
  readonly concentrationUgPerMl: number;
  /** The drug put in; without it the drug stays what the reservoir held. */
  readonly drug?: string;
}

export interface RefillContext {
  readonly library: DrugLibrary;
  /** What the reservoir held before (undefined: never recorded). */
  readonly held: ReservoirContents | undefined;
  readonly running: Prescription | undefined;
  /** Delivery is stopped and will not start by itself (paused, stopped, idle). */
  readonly stopped: boolean;
  /** What the pump expected to be left. */
  readonly expectedNl: number;
}

export interface RefillChecked {
  readonly contents: ReservoirContents;
  readonly discrepancyNl: number;
  readonly flagged: boolean;
}

/** Discrepancy worth an event: 10% of what was expected, and at least 0.2 mL. */
const DISCREPANCY_PERCENT = 10;
const DISCREPANCY_MIN_NL = 200_000;

export function checkRefill(record: RefillRecord, c: RefillContext): Result<RefillChecked> {
  const drug = record.drug ?? c.held?.drug ?? c.running?.drug.name;
  if (drug === undefined) return fail(pumpError('FIELD_MISSING', 'the pump has no record of the drug in the reservoir: name the drug put in', 'drug'));
  const entry = c.library.drugs.find((d) => d.name === drug);
  if (!entry) return fail(pumpError('DRUG_UNKNOWN', `drug "${drug}" is not in the library (${c.library.drugs.map((d) => d.name).join(', ')})`, 'drug'));
  const conc = record.concentrationUgPerMl;
  if (!entry.concentrationsUgPerMl.includes(conc))
    return fail(pumpError('CONCENTRATION_UNKNOWN', `${conc} ug/mL is not allowed for ${drug} (${entry.concentrationsUgPerMl.join(', ')} ug/mL)`, 'concUgPerMl'));
  const contents = { drug, concentrationUgPerMl: conc };
  const rx = c.running;
  if (rx && !sameContents(contents, rx.drug) && !c.stopped) {
    return fail(
      pumpError(
        'REFILL_WHILE_DELIVERING',
        `the refill is ${contentsText(contents)}, the running prescription is for ${rx.drug.name} at ${rx.drug.concentrationUgPerMl} ug/mL: pause delivery first, then refill and program a prescription for the new contents`,
        'concUgPerMl',
      ),
    );
  }
  const discrepancyNl = record.removedNl - c.expectedNl;
  const limit = Math.max(DISCREPANCY_MIN_NL, (c.expectedNl * DISCREPANCY_PERCENT) / 100);
  return ok({ contents, discrepancyNl, flagged: Math.abs(discrepancyNl) > limit });
}

/** The refill event's reason and data: what the reservoir now holds, and what it means. */
export function refillEvent(record: RefillRecord | undefined, c: RefillChecked | undefined, prescriptionHeld: boolean): { why: Reason; data: EventData } {
  if (!record || !c) return { why: reason('REFILLED'), data: {} };
  const detail = `now ${contentsText(c.contents)}${prescriptionHeld ? '; the prescription for the old contents is not delivered until one for these is programmed' : ''}`;
  const data = { removedNl: record.removedNl, discrepancyNl: c.discrepancyNl, drug: c.contents.drug, concentrationUgPerMl: c.contents.concentrationUgPerMl };
  return { why: reason(c.flagged ? 'REFILL_DISCREPANCY' : 'REFILLED', detail), data };
}

/** The volume now in the reservoir after a refill: whole nanolitres, at most what the syringe holds. */
export function readRefillVolume(volumeNl: unknown, syringe: Syringe): Result<number> {
  const read = readWholeNl(volumeNl, 'volumeNl');
  if (!read.ok) return read;
  if (read.value > syringe.capacityNl) return fail(pumpError('REFILL_OVER_CAPACITY', `${read.value} nl is more than the ${syringe.capacityNl} nl the ${syringe.name} syringe holds`, 'volumeNl'));
  return read;
}
