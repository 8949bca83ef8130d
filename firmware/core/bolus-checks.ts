// Checks on a clinician bolus request: its fields, the drug library's bolus limits and the
// mechanics' speed with everything else the prescription can run at the same time.

import { peakRateNlPerDay } from './checks';
import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import { FieldReader, readRecord } from './fields';
import type { DrugLibrary } from './library';
import type { Mechanics } from './mechanics';
import type { BolusSpec, Prescription } from './prescription';
import { bolusRateNlPerDay, MAX_VOLUME_NL } from './prescription';
import { doseUg, MS_PER_DAY } from './units';

export interface ClinicianBolusRequest extends BolusSpec {
  readonly delayMs: number;
  readonly overrideSoftLimits: boolean;
}

export function checkClinicianBolus(input: unknown, rx: Prescription, library: DrugLibrary, mechanics: Mechanics): Result<ClinicianBolusRequest> {
  const read = readRecord((): ClinicianBolusRequest => {
    const r = new FieldReader(input, '');
    const req = {
      volumeNl: r.int('volumeNl', 1, MAX_VOLUME_NL),
      durationMs: r.int('durationMs', 1_000, MS_PER_DAY),
      delayMs: r.optInt('delayMs', 0, MS_PER_DAY) ?? 0,
      overrideSoftLimits: r.optBool('overrideSoftLimits') ?? false,
    };
    r.finish();
    return req;
  });
  if (!read.ok) return read;
  const req = read.value;
  const entry = library.drugs.find((d) => d.name === rx.drug.name);
  const ug = doseUg(req.volumeNl, rx.drug.concentrationUgPerMl);
  if (entry && ug > entry.hard.maxBolusUg) {
    return fail(pumpError('HARD_LIMIT', `a bolus of ${ug} ug is above the hard limit ${entry.hard.maxBolusUg} ug for ${entry.name} (library hard.maxBolusUg)`, 'volumeNl'));
  }
  if (entry && ug > entry.soft.maxBolusUg && !req.overrideSoftLimits) {
    return fail(pumpError('SOFT_LIMIT', `a bolus of ${ug} ug is above the soft limit ${entry.soft.maxBolusUg} ug for ${entry.name} (library soft.maxBolusUg)`, 'volumeNl'));
  }
  const peak = peakRateNlPerDay(rx) + bolusRateNlPerDay(req);
  if (peak > mechanics.maxRateNlPerDay) {
    return fail(
      pumpError(
        'RATE_ABOVE_MECHANICS',
        `the bolus with everything else the prescription can run reaches ${peak} nl/day; the mechanics allow at most ${mechanics.maxRateNlPerDay} nl/day`,
        'durationMs',
      ),
    );
  }
  return ok(req);
}
