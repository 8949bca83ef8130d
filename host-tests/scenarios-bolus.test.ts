// Boluses on the virtual rig: volumes, timing, lockout and 24-hour maxima, pause without
// catch-up, interrupted boluses, trials and priming.
import { describe, expect, it } from 'vitest';
import type { VirtualPump } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON, mechanics, PATIENT } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const FL = mechanics().flPerMicrostep;
const steps = (nl: number): number => (nl * 1e6) / FL;

function pump(prescription: unknown, reservoirNl = 30_000_000): VirtualPump {
  return createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription, reservoirNl });
}

function codes(vp: VirtualPump, type: string): string[] {
  return vp.events.filter((e) => e.type === type).map((e) => e.reason.code);
}

describe('patient bolus', () => {
  it('adds its volume to the basal over its duration', () => {
    const vp = pump(continuous(2_400_000, { patientBolus: PATIENT })); // 0.1 mL/h basal
    vp.runFor(HOUR);
    const before = vp.rig.position;
    const r = vp.controller.patientBolus();
    expect(r.ok).toBe(true);
    vp.runFor(PATIENT.durationMs);
    // 10 min of basal (16.7 uL) plus the 50 uL bolus
    expect(Math.abs(vp.rig.position - before - steps(100_000 * (10 / 60) + PATIENT.volumeNl))).toBeLessThanOrEqual(1);
    const end = vp.events.find((e) => e.type === 'bolus-end');
    expect(end?.at).toBe(HOUR + PATIENT.durationMs);
    expect(end?.data['deliveredNl']).toBe(PATIENT.volumeNl);
    expect(codes(vp, 'bolus-start')).toEqual(['PATIENT_REQUEST']);
  });

  it('holds the lockout to the millisecond', () => {
    const vp = pump(continuous(1_000_000, { patientBolus: PATIENT }));
    expect(vp.controller.patientBolus().ok).toBe(true);
    vp.runFor(PATIENT.lockoutMs - 1);
    const early = vp.controller.patientBolus();
    expect(!early.ok && early.error.code).toBe(411);
    expect(!early.ok && early.error.message).toContain('1 s');
    vp.runFor(1);
    expect(vp.controller.patientBolus().ok).toBe(true);
    expect(codes(vp, 'bolus-denied')).toEqual(['PATIENT_DENIED']);
  });

  it('holds the 24-hour count and volume maxima', () => {
    const vp = pump(continuous(1_000_000, { patientBolus: { ...PATIENT, maxPer24h: 3, maxVolumeNlPer24h: 1_000_000 } }));
    for (let i = 0; i < 3; i++) {
      expect(vp.controller.patientBolus().ok).toBe(true);
      vp.runFor(PATIENT.lockoutMs);
    }
    const refused = vp.controller.patientBolus();
    expect(!refused.ok && refused.error.code).toBe(412);
    // The first bolus ended 10 min after it started; it stops counting 24 h after that.
    vp.runFor(DAY + PATIENT.durationMs - 3 * PATIENT.lockoutMs - 1);
    expect(vp.controller.patientBolus().ok).toBe(false);
    vp.runFor(1);
    expect(vp.controller.patientBolus().ok).toBe(true);

    const vol = pump(continuous(1_000_000, { patientBolus: { ...PATIENT, maxPer24h: 10, maxVolumeNlPer24h: 120_000 } }));
    expect(vol.controller.patientBolus().ok).toBe(true);
    vol.runFor(PATIENT.lockoutMs);
    expect(vol.controller.patientBolus().ok).toBe(true);
    vol.runFor(PATIENT.lockoutMs);
    const over = vol.controller.patientBolus();
    expect(!over.ok && over.error.code).toBe(413);
  });

  it('counts an interrupted bolus by what it delivered against the 24-hour volume', () => {
    const limits = { ...PATIENT, maxVolumeNlPer24h: 75_000 }; // one and a half doses
    const whole = pump(continuous(0, { patientBolus: limits }));
    whole.controller.patientBolus();
    whole.runFor(PATIENT.lockoutMs);
    const refused = whole.controller.patientBolus();
    expect(!refused.ok && refused.error.code).toBe(413);

    const cut = pump(continuous(0, { patientBolus: limits }));
    cut.controller.patientBolus();
    cut.runFor(PATIENT.durationMs * 0.4);
    cut.controller.pause(); // about 20 uL delivered
    cut.controller.resume();
    cut.runFor(PATIENT.lockoutMs);
    expect(cut.controller.patientBolus().ok).toBe(true);
  });

  it('keeps the lockout and maxima across a new prescription', () => {
    const vp = pump(continuous(1_000_000, { patientBolus: PATIENT }));
    expect(vp.controller.patientBolus().ok).toBe(true);
    vp.runFor(MIN);
    expect(vp.controller.program(continuous(1_100_000, { patientBolus: PATIENT })).ok).toBe(true);
    const r = vp.controller.patientBolus();
    expect(!r.ok && r.error.code).toBe(411);
  });

  it('is refused without patient bolus settings, or while paused', () => {
    const vp = pump(continuous(1_000_000));
    const none = vp.controller.patientBolus();
    expect(!none.ok && none.error.code).toBe(410);
    const vp2 = pump(continuous(1_000_000, { patientBolus: PATIENT }));
    vp2.controller.pause();
    const paused = vp2.controller.patientBolus();
    expect(!paused.ok && paused.error.code).toBe(401);
  });
});

describe('pause and resume', () => {
  it('never catches up the paused time', () => {
    const vp = pump(continuous(24_000_000)); // 1 mL/h
    vp.runFor(2 * HOUR);
    expect(vp.controller.pause().ok).toBe(true);
    const atPause = vp.rig.position;
    vp.runFor(3 * HOUR);
    expect(vp.rig.position).toBe(atPause);
    expect(vp.controller.resume().ok).toBe(true);
    vp.runFor(19 * HOUR);
    expect(Math.abs(vp.rig.position - steps(21_000_000))).toBeLessThanOrEqual(1);
    expect(codes(vp, 'pause')).toEqual(['OPERATOR_PAUSE']);
    expect(codes(vp, 'resume')).toEqual(['OPERATOR_RESUME']);
  });

  it('records an interrupted bolus with its delivered part and does not resume it', () => {
    const vp = pump(continuous(0, { patientBolus: PATIENT }));
    vp.controller.patientBolus();
    vp.runFor(PATIENT.durationMs / 2);
    vp.controller.pause();
    const interrupted = vp.events.find((e) => e.type === 'bolus-interrupted');
    expect(interrupted?.reason.code).toBe('INTERRUPTED_BY_PAUSE');
    const delivered = interrupted!.data['deliveredNl'] as number;
    expect(Math.abs(delivered - PATIENT.volumeNl / 2)).toBeLessThanOrEqual(FL / 1e6 + 1);
    vp.controller.resume();
    vp.runFor(HOUR);
    expect(Math.abs(vp.rig.position - steps(delivered))).toBeLessThanOrEqual(1);
    expect(vp.events.filter((e) => e.type === 'bolus-start')).toHaveLength(1);
    expect(vp.events.some((e) => e.type === 'bolus-end')).toBe(false);
  });

  it('skips periodic doses that fell due while paused', () => {
    const vp = pump(continuous(0, { periodicBolus: { volumeNl: 10_000, durationMs: MIN, everyMs: 2 * HOUR } }));
    vp.runFor(HOUR);
    vp.controller.pause();
    vp.runFor(5 * HOUR); // doses due at 2 h and 4 h fall in the pause
    vp.controller.resume();
    vp.runFor(HOUR); // the 6 h dose runs
    expect(vp.events.filter((e) => e.type === 'bolus-start').map((e) => e.at)).toEqual([6 * HOUR]);
    expect(vp.events.find((e) => e.type === 'resume')?.data['skippedDoses']).toBe(2);
    expect(Math.abs(vp.rig.position - steps(10_000))).toBeLessThanOrEqual(1);
  });
});

describe('clinician, periodic, trial and priming boluses', () => {
  it('gives a delayed clinician bolus at its time, checked against the library', () => {
    const vp = pump(continuous(0));
    const r = vp.controller.clinicianBolus({ volumeNl: 100_000, durationMs: 10 * MIN, delayMs: 30 * MIN });
    expect(r.ok).toBe(true);
    vp.runFor(HOUR);
    expect(vp.events.filter((e) => e.type === 'bolus-start').map((e) => [e.at, e.reason.code])).toEqual([[30 * MIN, 'CLINICIAN_REQUEST']]);
    expect(Math.abs(vp.rig.position - steps(100_000))).toBeLessThanOrEqual(1);
    const big = vp.controller.clinicianBolus({ volumeNl: 20_000_000, durationMs: HOUR });
    expect(!big.ok && big.error.code).toBe(123);
    const bad = vp.controller.clinicianBolus({ volumeNl: 100, durationMs: 10 });
    expect(!bad.ok && bad.error.code).toBe(103);
  });

  it('repeats a periodic bolus every interval', () => {
    const vp = pump(continuous(1_000_000, { periodicBolus: { volumeNl: 20_000, durationMs: 5 * MIN, everyMs: 6 * HOUR, firstAfterMs: HOUR } }));
    vp.runFor(DAY);
    expect(vp.events.filter((e) => e.type === 'bolus-start').map((e) => e.at)).toEqual([HOUR, 7 * HOUR, 13 * HOUR, 19 * HOUR]);
    expect(Math.abs(vp.rig.position - steps(1_000_000 + 4 * 20_000))).toBeLessThanOrEqual(1);
  });

  it('runs trial doses at their times and then stops', () => {
    const vp = pump({
      name: 'trial',
      drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
      mode: 'trial',
      trial: {
        doses: [
          { atMs: HOUR, volumeNl: 50_000, durationMs: MIN },
          { atMs: 5 * HOUR, volumeNl: 70_000, durationMs: MIN },
        ],
        continuous: { rateNlPerDay: 2_400_000, durationMs: 2 * HOUR },
      },
    });
    vp.runFor(DAY);
    expect(vp.events.filter((e) => e.type === 'bolus-start').map((e) => e.at)).toEqual([HOUR, 5 * HOUR]);
    expect(vp.events.find((e) => e.type === 'trial-end')?.at).toBe(5 * HOUR + MIN);
    expect(Math.abs(vp.rig.position - steps(50_000 + 70_000 + 200_000))).toBeLessThanOrEqual(1);
    expect(vp.controller.status().state).toBe('stopped');
    const r = vp.controller.resume();
    expect(!r.ok && r.error.code).toBe(422);
  });

  it('primes the catheter dead volume at the priming rate', () => {
    const vp = pump(continuous(0, { priming: { volumeNl: 200_000, rateNlPerDay: 24_000_000 } }));
    expect(vp.controller.prime().ok).toBe(true);
    vp.runFor(HOUR);
    const end = vp.events.find((e) => e.type === 'bolus-end');
    expect(end?.data['kind']).toBe('prime');
    expect(end?.at).toBe(12 * MIN); // 0.2 mL at 1 mL/h
    expect(Math.abs(vp.rig.position - steps(200_000))).toBeLessThanOrEqual(1);
  });
});
