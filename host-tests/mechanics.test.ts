import { describe, expect, it } from 'vitest';
import { readMechanics, SYRINGES } from '../firmware/core/mechanics';

const base = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

describe('mechanics', () => {
  it('derives the volume of a microstep from the bore and lead (1 um^3 = 1 fl)', () => {
    const m = readMechanics(base);
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    // pi * (14427/2)^2 um^2 * 2000 um / 3200 microsteps
    expect(m.value.flPerMicrostep).toBe(Math.round((Math.PI * 7213.5 ** 2 * 2000) / 3200));
    expect(m.value.flPerMicrostep / 1e6).toBeCloseTo(102.17, 1);
    // 2000 microsteps/s at 102.17 nl each
    expect(m.value.maxRateNlPerDay).toBe(Math.floor((2000 * m.value.flPerMicrostep * 86_400) / 1e6));
    expect(m.value.calibrated).toBe(false);
  });

  it('offers the common syringe sizes', () => {
    expect(SYRINGES.map((s) => s.capacityNl / 1e6)).toEqual([1, 3, 5, 10, 20, 30, 60]);
  });

  it('uses a gravimetric calibration factor in place of the geometry', () => {
    const m = readMechanics({ ...base, calibrationNlPerMicrostep: 100.5 });
    expect(m.ok && m.value.flPerMicrostep).toBe(100_500_000);
    expect(m.ok && m.value.calibrated).toBe(true);
  });

  it('accepts a custom barrel', () => {
    const m = readMechanics({ ...base, syringe: { name: 'glass-5', innerDiameterUm: 12_000, capacityNl: 5_000_000 } });
    expect(m.ok && m.value.syringe.name).toBe('glass-5');
  });

  it.each([
    [{ ...base, syringe: 'bd-7ml' }, 200, 'syringe'],
    [{ ...base, microsteps: 12 }, 103, 'microsteps'],
    [{ ...base, leadUm: 2000.5 }, 102, 'leadUm'],
    [{ ...base, leadUm: '2000' }, 101, 'leadUm'],
    [{ ...base, lead: 2000 }, 104, 'lead'],
    [{ syringe: 'bd-10ml', fullStepsPerRev: 200, microsteps: 16 }, 100, 'leadUm'],
    [{ ...base, calibrationNlPerMicrostep: 150 }, 202, 'calibrationNlPerMicrostep'],
    [{ ...base, syringe: 'bd-1ml', leadUm: 100, fullStepsPerRev: 400, microsteps: 256 }, 201, 'leadUm'],
  ])('refuses %j with E%i naming %s', (input, code, field) => {
    const m = readMechanics(input);
    expect(m.ok).toBe(false);
    if (m.ok) return;
    expect(m.error.code).toBe(code);
    expect(m.error.field).toBe(field);
    expect(m.error.message).toContain(field);
  });
});
