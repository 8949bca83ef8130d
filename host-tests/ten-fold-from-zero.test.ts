// Issue 14, item 2: the ten-fold check from zero. It used to compare only with the running
// prescription's dose, so rate 0 and then 0.45 mL/day of baclofen (900 ug/day) went through
// unconfirmed. The reference is now, per drug: the running dose where not zero, else the last
// non-zero dose of the drug that ran on this pump (kept in the dose memory across resets), else
// the library's starting dose; with none of them a start needs the confirmation (big=1). The
// same for the patient bolus.
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../firmware/core/errors';
import { readLibrary } from '../firmware/core/library';
import { Pump } from '../firmware/core/pump';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { LIBRARY_JSON, mechanics } from './fixtures';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const LARGE = ERRORS.LARGE_INCREASE.code;

function baclofen(rateNlPerDay: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'bac', drug: { name: 'baclofen', concentrationUgPerMl: 2000 }, mode: 'continuous', rateNlPerDay, ...extra };
}

function morphine(rateNlPerDay: number): Record<string, unknown> {
  return { name: 'mor', drug: { name: 'morphine', concentrationUgPerMl: 1_000 }, mode: 'continuous', rateNlPerDay };
}

function patient(volumeNl: number): Record<string, unknown> {
  return { volumeNl, durationMs: 300_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 4 * volumeNl };
}

/** The example library without starting doses: a start from zero has nothing to measure against. */
function bareLibraryJson(): unknown {
  const lib = structuredClone(LIBRARY_JSON) as { drugs: Record<string, unknown>[] };
  for (const d of lib.drugs) {
    delete d['startingDoseUgPer24h'];
    delete d['startingBolusUg'];
  }
  return lib;
}

function pump(lib: unknown = LIBRARY_JSON): Pump {
  const l = readLibrary(lib);
  if (!l.ok) throw new Error(l.error.message);
  return new Pump({ mechanics: mechanics(), library: l.value, reservoirNl: 10_000_000 }, 0);
}

const code = (r: { ok: boolean; error?: { code: number } }): number | 'ok' => (r.ok ? 'ok' : r.error!.code);

describe('a start from zero is measured against the last dose that ran', () => {
  it('100 ug/day, then rate 0, then 1000 ug/day: refused as ten times the last that ran', () => {
    const p = pump();
    expect(p.program(0, baclofen(50_000), { confirmLargeIncrease: true }).ok).toBe(true); // 100 ug/day
    expect(p.program(1, baclofen(0)).ok).toBe(true);
    const r = p.program(2, baclofen(500_000)); // 1000 ug/day
    expect(code(r)).toBe(LARGE);
    expect(!r.ok && r.error.message).toMatch(/against 0\.100 mg\/day the last that ran of baclofen/);
    expect(p.program(2, baclofen(450_000)).ok).toBe(true); // 9 times: no confirmation needed
  });

  it("the issue's case on a new pump: rate 0, then 0.45 mL/day (900 ug/day) against the library's 50 ug/day", () => {
    const p = pump();
    expect(p.program(0, baclofen(0)).ok).toBe(true);
    const r = p.program(1, baclofen(450_000));
    expect(code(r)).toBe(LARGE);
    expect(!r.ok && r.error.message).toMatch(/library's starting dose for baclofen \(18\.0 times\)/);
    expect(p.program(1, baclofen(450_000), { confirmLargeIncrease: true }).ok).toBe(true);
  });

  it('with no dose that ran and no starting dose in the library, any start needs the confirmation', () => {
    const p = pump(bareLibraryJson());
    expect(p.program(0, baclofen(0)).ok).toBe(true);
    const r = p.program(1, baclofen(25_000)); // 50 ug/day: small, but nothing to measure it against
    expect(code(r)).toBe(LARGE);
    expect(!r.ok && r.error.message).toMatch(/from zero, and there is nothing to measure it against/);
    // The very first program of a new pump is a start from zero as well.
    const fresh = pump(bareLibraryJson());
    expect(code(fresh.program(0, baclofen(25_000)))).toBe(LARGE);
    expect(fresh.program(0, baclofen(25_000), { confirmLargeIncrease: true }).ok).toBe(true);
    // Once a dose ran, it is the reference.
    expect(fresh.program(1, baclofen(0)).ok).toBe(true);
    expect(code(fresh.program(2, baclofen(250_000)))).toBe(LARGE); // 10 times
    expect(fresh.program(2, baclofen(200_000)).ok).toBe(true); // 8 times
  });

  it('another drug is no reference: a dose of morphine says nothing of baclofen', () => {
    const p = pump(bareLibraryJson());
    expect(p.program(0, morphine(1_000_000), { confirmLargeIncrease: true }).ok).toBe(true); // 1 mg/day
    expect(p.pause(1).ok).toBe(true);
    expect(p.refill(2, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 2000, drug: 'baclofen' }).ok).toBe(true);
    // 100 ug/day of baclofen is a tenth of the morphine, by mass: still nothing to measure it against.
    expect(code(p.program(3, baclofen(50_000)))).toBe(LARGE);
  });
});

describe('the patient bolus from none', () => {
  it('is measured against the last bolus of the drug that ran, else the library starting bolus', () => {
    const p = pump();
    expect(p.program(0, baclofen(50_000), { confirmLargeIncrease: true }).ok).toBe(true); // no patient bolus
    // 200 ug (100 uL at 2 mg/mL) against the library's 20 ug: ten times.
    const r = p.program(1, baclofen(50_000, { patientBolus: patient(100_000) }), { overrideSoftLimits: true });
    expect(code(r)).toBe(LARGE);
    expect(!r.ok && r.error.field).toBe('patientBolus.volumeNl');
    expect(p.program(1, baclofen(50_000, { patientBolus: patient(5_000) })).ok).toBe(true); // 10 ug ran
    expect(p.program(2, baclofen(50_000)).ok).toBe(true); // no bolus any more
    // 100 ug is ten times the 10 ug that ran last, though only five times the library's 20 ug.
    expect(code(p.program(3, baclofen(50_000, { patientBolus: patient(50_000) })))).toBe(LARGE);
  });
});

describe('the reference across a reset', () => {
  it('is kept in the dose memory: 50 ug/day of morphine ran, then zero, a reset, then 600 ug/day is refused', () => {
    const kv = new MockKeyValueStore();
    const options = { mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: morphine(50_000), storage: kv };
    const first = createVirtualPump(options);
    expect(first.controller.program(morphine(0)).ok).toBe(true);
    first.persistence!.shutdown();
    const second = createVirtualPump(options);
    expect(second.controller.pump.prescription?.basal).toEqual({ mode: 'continuous', rateNlPerDay: 0 });
    // The library's starting dose (1 mg/day) would let 600 ug/day through; the memory does not.
    const r = second.controller.program(morphine(600_000));
    expect(code(r)).toBe(LARGE);
    expect(!r.ok && r.error.message).toMatch(/against 0\.050 mg\/day the last that ran of morphine on this pump \(12\.0 times\)/);
  });

  it('the prescription a board starts with is loaded, not checked for a ten-fold increase', () => {
    const vp = createVirtualPump({ mechanics: RIG, library: bareLibraryJson(), reservoirNl: 10_000_000, prescription: baclofen(400_000) });
    expect(vp.controller.pump.state).toBe('running');
    expect(vp.controller.pump.reservoir.held).toEqual({ drug: 'baclofen', concentrationUgPerMl: 2000 });
  });
});

describe('through the protocol', () => {
  it('COMMIT from zero needs big=1', () => {
    const lp = createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: baclofen(0) });
    const c = lp.client();
    c.login('clinician', exampleKey('clinician'));
    expect(c.program(baclofen(450_000)).code).toBe(LARGE);
    const { crc32 } = c.stage(baclofen(450_000));
    expect(c.send('COMMIT', crc32, 'big=1').ok).toBe(true);
    expect(lp.vp.controller.status().basalRateNlPerDay).toBe(450_000);
  });
});

describe('the library entry', () => {
  it('refuses a starting dose or bolus above its hard limit (E301)', () => {
    const lib = structuredClone(LIBRARY_JSON) as { drugs: Record<string, unknown>[] };
    lib.drugs[1]!['startingDoseUgPer24h'] = 3_000;
    const r = readLibrary(lib);
    expect(!r.ok && r.error.code).toBe(ERRORS.LIBRARY_LIMITS.code);
    expect(!r.ok && r.error.field).toBe('drugs[1].startingDoseUgPer24h');
    lib.drugs[1]!['startingDoseUgPer24h'] = 50;
    lib.drugs[1]!['startingBolusUg'] = 201;
    expect(code(readLibrary(lib))).toBe(ERRORS.LIBRARY_LIMITS.code);
  });
});
