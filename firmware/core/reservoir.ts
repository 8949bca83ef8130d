// What the reservoir holds, and the doses that ran on this pump: facts of the pump, not of a
// prescription (issue 14). A prescription only says what the clinician believes is in the
// syringe; if it says 500 ug/mL while the syringe holds 2000 ug/mL, the pump books a quarter
// of the drug that flows. So the drug and concentration in the reservoir are kept here, set only
// by a refill (or, on a pump that never recorded them, by the first prescription it starts: the
// syringe was loaded for it), and a prescription must match them (checks.ts, E125). The
// reference doses are the last non-zero scheduled daily dose and patient bolus that ran, per
// drug: the ten-fold check measures a start from zero against them (checks.ts, E124). Both live
// in the dose memory, so they survive every reset (dose-memory.ts).

import type { PumpError } from './errors';
import { pumpError } from './errors';
import type { Drug, Prescription } from './prescription';
import { doseNg } from './units';

export interface ReservoirContents {
  readonly drug: string;
  readonly concentrationUgPerMl: number;
}

/** The last non-zero doses of one drug that ran here (0: none of that kind ran). */
export interface DoseReference {
  readonly drug: string;
  readonly scheduledNgPerDay: number;
  readonly patientBolusNg: number;
}

/** References kept, the most recently changed first: bounded, so the dose memory stays small. */
export const MAX_REFERENCES = 8;

export function contentsText(c: ReservoirContents): string {
  return `${c.drug} at ${c.concentrationUgPerMl} ug/mL`;
}

export function sameContents(c: ReservoirContents, drug: Drug): boolean {
  return c.drug === drug.name && c.concentrationUgPerMl === drug.concentrationUgPerMl;
}

/** The prescription may be committed only for what the reservoir holds (unknown: anything). */
export function contentsMismatch(rx: Prescription, held: ReservoirContents | undefined): PumpError | undefined {
  if (!held || sameContents(held, rx.drug)) return undefined;
  const field = held.drug === rx.drug.name ? 'drug.concentrationUgPerMl' : 'drug.name';
  return pumpError(
    'RESERVOIR_CONTENTS_MISMATCH',
    `the reservoir holds ${contentsText(held)}, the prescription is for ${rx.drug.name} at ${rx.drug.concentrationUgPerMl} ug/mL: program for what it holds, or pause, refill with the new drug and concentration first, then program`,
    field,
  );
}

export class ReservoirRecord {
  #held: ReservoirContents | undefined;
  readonly #references: DoseReference[];
  /** Changes to what the dose memory keeps of this record: storage saves when it moves. */
  revision = 0;

  constructor(held: ReservoirContents | undefined, references: readonly DoseReference[] = []) {
    this.#held = held && { ...held };
    this.#references = references.slice(0, MAX_REFERENCES).map((r) => ({ ...r }));
  }

  /** Undefined until a refill names the contents or a first prescription starts. */
  // prettier-ignore
  get held(): ReservoirContents | undefined {
    return this.#held;
  }
  // prettier-ignore
  get references(): readonly DoseReference[] {
    return this.#references;
  }

  reference(drug: string): DoseReference | undefined {
    return this.#references.find((r) => r.drug === drug);
  }

  /**
   * A prescription started. Contents never recorded are taken to be its drug; where it matches
   * them, its non-zero doses become the drug's references.
   */
  started(rx: Prescription, scheduledNgPerDay: number): void {
    if (!this.#held) {
      this.#held = { drug: rx.drug.name, concentrationUgPerMl: rx.drug.concentrationUgPerMl };
      this.revision++;
    }
    if (!sameContents(this.#held, rx.drug)) return;
    const bolusNg = rx.patientBolus ? doseNg(rx.patientBolus.volumeNl, rx.drug.concentrationUgPerMl) : 0;
    if (scheduledNgPerDay === 0 && bolusNg === 0) return;
    const before = this.reference(rx.drug.name);
    const next = {
      drug: rx.drug.name,
      scheduledNgPerDay: scheduledNgPerDay > 0 ? scheduledNgPerDay : (before?.scheduledNgPerDay ?? 0),
      patientBolusNg: bolusNg > 0 ? bolusNg : (before?.patientBolusNg ?? 0),
    };
    if (before && before.scheduledNgPerDay === next.scheduledNgPerDay && before.patientBolusNg === next.patientBolusNg) return;
    if (before) this.#references.splice(this.#references.indexOf(before), 1);
    this.#references.unshift(next);
    if (this.#references.length > MAX_REFERENCES) this.#references.pop();
    this.revision++;
  }

  /** A refill recorded with its drug and concentration. */
  refilled(contents: ReservoirContents): void {
    const held = this.#held;
    if (held && held.drug === contents.drug && held.concentrationUgPerMl === contents.concentrationUgPerMl) return;
    this.#held = { drug: contents.drug, concentrationUgPerMl: contents.concentrationUgPerMl };
    this.revision++;
  }

  /** Why `rx` may not be delivered from this reservoir (E426), or undefined. */
  undeliverable(rx: Prescription): PumpError | undefined {
    const held = this.#held;
    if (!held || sameContents(held, rx.drug)) return undefined;
    return pumpError(
      'RESERVOIR_CHANGED',
      `the reservoir now holds ${contentsText(held)}, the prescription is for ${rx.drug.name} at ${rx.drug.concentrationUgPerMl} ug/mL: program one for what the reservoir holds`,
    );
  }
}
