import { describe, expect, it } from 'vitest';
import { ERRORS } from '../firmware/core/errors';
import { Pump } from '../firmware/core/pump';
import { readPrescription } from '../firmware/core/prescription';
import { continuous, library, mechanics, PATIENT, WATER } from './fixtures';

const HOUR = 3_600_000;

function pump(): Pump {
  return new Pump({ mechanics: mechanics(), library: library(), reservoirNl: 30_000_000 }, 0);
}

describe('prescription structure', () => {
  it('reads every mode', () => {
    expect(readPrescription(continuous(1_000_000)).ok).toBe(true);
    expect(
      readPrescription({
        drug: WATER,
        mode: 'flexible',
        schedule: [
          { startMs: 0, rateNlPerDay: 1 },
          { startMs: HOUR, rateNlPerDay: 2 },
        ],
      }).ok,
    ).toBe(true);
    expect(readPrescription({ drug: WATER, mode: 'trial', trial: { doses: [{ atMs: 0, volumeNl: 100, durationMs: 60_000 }], continuous: { rateNlPerDay: 1000, durationMs: HOUR } } }).ok).toBe(true);
  });

  it.each([
    ['a missing rate', { drug: WATER, mode: 'continuous' }, ERRORS.FIELD_MISSING.code, 'rateNlPerDay'],
    ['a fractional rate', continuous(1.5), ERRORS.FIELD_NOT_INTEGER.code, 'rateNlPerDay'],
    ['a negative rate', continuous(-1), ERRORS.FIELD_RANGE.code, 'rateNlPerDay'],
    ['a rate given as text', continuous('1000' as unknown as number), ERRORS.FIELD_TYPE.code, 'rateNlPerDay'],
    ['a misspelt field', continuous(1, { rateNlPerHour: 5 }), ERRORS.FIELD_UNKNOWN.code, 'rateNlPerHour'],
    ['an unknown mode', { drug: WATER, mode: 'basal' }, ERRORS.FIELD_CHOICE.code, 'mode'],
    ['an empty schedule', { drug: WATER, mode: 'flexible', schedule: [] }, ERRORS.SCHEDULE_STEPS.code, 'schedule'],
    // docs/errors.md: E110 is "no steps, or more than 24" (issue 14, item 7: this was E103).
    ['25 schedule steps', { drug: WATER, mode: 'flexible', schedule: Array.from({ length: 25 }, (_, i) => ({ startMs: i * 1000, rateNlPerDay: 1 })) }, ERRORS.SCHEDULE_STEPS.code, 'schedule'],
    [
      '25 trial doses',
      { drug: WATER, mode: 'trial', trial: { doses: Array.from({ length: 25 }, (_, i) => ({ atMs: i * 100_000, volumeNl: 1, durationMs: 60_000 })) } },
      ERRORS.TRIAL_DOSES.code,
      'trial.doses',
    ],
    [
      'unsorted steps',
      {
        drug: WATER,
        mode: 'flexible',
        schedule: [
          { startMs: HOUR, rateNlPerDay: 1 },
          { startMs: 0, rateNlPerDay: 2 },
        ],
      },
      ERRORS.SCHEDULE_ORDER.code,
      'schedule[1].startMs',
    ],
    ['a step after midnight', { drug: WATER, mode: 'flexible', schedule: [{ startMs: 86_400_000, rateNlPerDay: 1 }] }, ERRORS.FIELD_RANGE.code, 'schedule[0].startMs'],
    ['lockout shorter than the bolus', continuous(1, { patientBolus: { ...PATIENT, lockoutMs: 300_000 } }), ERRORS.LOCKOUT_SHORTER_THAN_BOLUS.code, 'patientBolus.lockoutMs'],
    ['a dose above the daily maximum', continuous(1, { patientBolus: { ...PATIENT, maxVolumeNlPer24h: 10 } }), ERRORS.PATIENT_LIMITS_INCONSISTENT.code, 'patientBolus.maxVolumeNlPer24h'],
    [
      'overlapping trial doses',
      {
        drug: WATER,
        mode: 'trial',
        trial: {
          doses: [
            { atMs: 0, volumeNl: 1, durationMs: 60_000 },
            { atMs: 30_000, volumeNl: 1, durationMs: 60_000 },
          ],
        },
      },
      ERRORS.TRIAL_DOSES.code,
      'trial.doses[1].atMs',
    ],
    ['a schedule in continuous mode', continuous(1, { schedule: [] }), ERRORS.MODE_CONTENT.code, 'schedule'],
  ])('refuses %s with a numbered error naming the field', (_what, input, code, field) => {
    const r = readPrescription(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.field).toBe(field);
    expect(r.error.message).toContain(field.replace(/\[\d+\].*$/, ''));
  });
});

describe('drug library and mechanics checks', () => {
  it('refuses a drug or concentration the library does not list', () => {
    const p = pump();
    const a = p.program(0, continuous(1000, { drug: { name: 'heroin', concentrationUgPerMl: 1 } }));
    expect(!a.ok && a.error.code).toBe(ERRORS.DRUG_UNKNOWN.code);
    const b = p.program(0, continuous(1000, { drug: { name: 'morphine', concentrationUgPerMl: 5000 } }));
    expect(!b.ok && b.error.code).toBe(ERRORS.CONCENTRATION_UNKNOWN.code);
    expect(!b.ok && b.error.message).toContain('1000, 10000, 25000');
  });

  it('refuses a hard-limit breach even with the override, naming the limit', () => {
    // morphine 25 mg/mL at 1.2 mL/day = 30 mg/day, above the 25 mg hard limit
    const r = pump().program(0, continuous(1_200_000, { drug: { name: 'morphine', concentrationUgPerMl: 25_000 } }), { overrideSoftLimits: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(ERRORS.HARD_LIMIT.code);
    expect(r.error.message).toContain('hard.');
  });

  it('needs the override for a soft-limit breach and then reports it as a warning', () => {
    const rx = continuous(800_000, { drug: { name: 'morphine', concentrationUgPerMl: 25_000 } }); // 20 mg/day
    const p = pump();
    const refused = p.program(0, rx);
    expect(!refused.ok && refused.error.code).toBe(ERRORS.SOFT_LIMIT.code);
    // 20 mg/day from nothing is twenty times the library's starting dose: confirmed as well.
    const accepted = p.program(0, rx, { overrideSoftLimits: true, confirmLargeIncrease: true });
    expect(accepted.ok && accepted.value.warnings.length).toBe(1);
  });

  it('counts every allowed patient bolus in the daily dose limit', () => {
    const rx = continuous(300_000, { drug: { name: 'morphine', concentrationUgPerMl: 25_000 }, patientBolus: { ...PATIENT, volumeNl: 40_000, maxVolumeNlPer24h: 400_000, lockoutMs: 7_200_000 } });
    // 7.5 mg basal + 10 mg of patient boluses = 17.5 mg/day: above the 15 mg soft limit
    const r = pump().program(0, rx);
    expect(!r.ok && r.error.code).toBe(ERRORS.SOFT_LIMIT.code);
    expect(!r.ok && r.error.message).toContain('maxDoseUgPer24h');
  });

  it('refuses rates the mechanics cannot drive', () => {
    const slow = new Pump({ mechanics: mechanics({ maxStepHz: 1 }), library: library(), reservoirNl: 1 }, 0);
    const r = slow.program(0, continuous(100_000_000));
    expect(!r.ok && r.error.code).toBe(ERRORS.RATE_ABOVE_MECHANICS.code);
  });
});

describe('doses in drug mass', () => {
  it('reports the scheduled and worst-case daily dose in ug when a prescription starts', () => {
    const p = pump();
    // baclofen 2 mg/mL at 0.3 mL/day = 600 ug/day; with 4 x 20 uL patient boluses, 760 ug at most
    const rx = continuous(300_000, {
      drug: { name: 'baclofen', concentrationUgPerMl: 2000 },
      patientBolus: { volumeNl: 20_000, durationMs: 300_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 80_000 },
    });
    // Twelve times the library's starting dose of baclofen on a new pump: confirmed.
    expect(p.program(0, rx, { confirmLargeIncrease: true }).ok).toBe(true);
    const e = p.takeEvents().find((x) => x.type === 'program');
    expect(e?.data).toMatchObject({ scheduledUgPerDay: 600, worstUgPer24h: 760, drug: 'baclofen' });
  });
});

describe('ten-fold increase confirmation', () => {
  it('needs the confirmation flag for a tenfold rate, and accepts it with the flag', () => {
    const p = pump();
    expect(p.program(0, continuous(100_000)).ok).toBe(true);
    const slip = p.program(1000, continuous(1_000_000));
    expect(!slip.ok && slip.error.code).toBe(ERRORS.LARGE_INCREASE.code);
    expect(p.prescription?.basal).toEqual({ mode: 'continuous', rateNlPerDay: 100_000 });
    expect(p.program(1000, continuous(999_999)).ok).toBe(true);
    expect(p.program(2000, continuous(9_999_990), { confirmLargeIncrease: true }).ok).toBe(true);
  });

  it('catches a concentration slip that multiplies the dose', () => {
    const p = pump();
    expect(p.program(0, continuous(100_000, { drug: { name: 'morphine', concentrationUgPerMl: 1_000 } })).ok).toBe(true);
    // The reservoir holds 1 mg/mL: a program for 10 mg/mL is refused outright (issue 14)...
    const r = p.program(1, continuous(100_000, { drug: { name: 'morphine', concentrationUgPerMl: 10_000 } }));
    expect(!r.ok && r.error.code).toBe(ERRORS.RESERVOIR_CONTENTS_MISMATCH.code);
    // ...and after a refill at 10 mg/mL the same volume is ten times the drug: confirm it.
    expect(p.pause(2).ok).toBe(true);
    expect(p.refill(3, 10_000_000, { removedNl: 29_000_000, concentrationUgPerMl: 10_000 }).ok).toBe(true);
    const slip = p.program(4, continuous(100_000, { drug: { name: 'morphine', concentrationUgPerMl: 10_000 } }));
    expect(!slip.ok && slip.error.code).toBe(ERRORS.LARGE_INCREASE.code);
  });
});

describe('nothing is applied partly', () => {
  it('keeps the running prescription and emits no event when a new one is refused', () => {
    const p = pump();
    expect(p.program(0, continuous(100_000)).ok).toBe(true);
    p.takeEvents();
    const before = p.prescription;
    const r = p.program(5000, { ...continuous(200_000), patientBolus: { ...PATIENT, lockoutMs: 1 } });
    expect(r.ok).toBe(false);
    expect(p.prescription).toBe(before);
    expect(p.takeEvents()).toEqual([]);
  });
});
