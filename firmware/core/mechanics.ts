// The syringe drive: syringe bore, lead screw and stepper give the volume of one microstep.
// Geometry in micrometres gives femtolitres directly (1 um^3 = 1 fl); an optional gravimetric
// calibration factor replaces the geometric volume. The volume of a microstep is rounded once,
// here, to whole femtolitres, and every later conversion is exact integer arithmetic.

import type { Result } from './errors';
import { FieldReader, readRecord, refuse } from './fields';
import { FL_PER_NL, MS_PER_DAY, nlToFl } from './units';

export interface Syringe {
  readonly name: string;
  readonly innerDiameterUm: number;
  readonly capacityNl: number;
}

/**
 * Common plastic syringes (BD Plastipak inner diameters as listed in New Era's syringe
 * table). Measure your own barrel with calipers when accuracy matters: see hardware/README.md.
 */
export const SYRINGES: readonly Syringe[] = [
  { name: 'bd-1ml', innerDiameterUm: 4_699, capacityNl: 1_000_000 },
  { name: 'bd-3ml', innerDiameterUm: 8_585, capacityNl: 3_000_000 },
  { name: 'bd-5ml', innerDiameterUm: 11_989, capacityNl: 5_000_000 },
  { name: 'bd-10ml', innerDiameterUm: 14_427, capacityNl: 10_000_000 },
  { name: 'bd-20ml', innerDiameterUm: 19_050, capacityNl: 20_000_000 },
  { name: 'bd-30ml', innerDiameterUm: 21_590, capacityNl: 30_000_000 },
  { name: 'bd-60ml', innerDiameterUm: 26_594, capacityNl: 60_000_000 },
];

export interface MechanicsInput {
  /** A name from SYRINGES, or a custom barrel. */
  readonly syringe: string | { readonly innerDiameterUm: number; readonly capacityNl: number };
  /** Plunger travel per lead-screw revolution in micrometres (T8 screw: 8000, M5 rod: 800). */
  readonly leadUm: number;
  readonly fullStepsPerRev: number;
  readonly microsteps: number;
  /** Fastest step rate the motor and driver are trusted with. Default 2000 microsteps/s. */
  readonly maxStepHz?: number;
  /** Gravimetric calibration: measured nanolitres per microstep (a decimal). */
  readonly calibrationNlPerMicrostep?: number;
}

export interface Mechanics {
  readonly syringe: Syringe;
  readonly leadUm: number;
  readonly fullStepsPerRev: number;
  readonly microsteps: number;
  readonly maxStepHz: number;
  /** Volume of one microstep from the geometry alone. */
  readonly geometryFlPerMicrostep: number;
  /** Volume of one microstep used for delivery: the calibration factor where one is given. */
  readonly flPerMicrostep: number;
  readonly calibrated: boolean;
  /** Fastest rate the mechanics allow (maxStepHz microsteps per second). */
  readonly maxRateNlPerDay: number;
  /** Whole microsteps of plunger travel that empty a full syringe. */
  readonly capacityMicrosteps: number;
}

export const DEFAULT_MAX_STEP_HZ = 2_000;
const MIN_FL_PER_MICROSTEP = 100_000; // 0.1 nl
const MAX_FL_PER_MICROSTEP = 100_000_000_000; // 100 uL
const CALIBRATION_TOLERANCE = 0.2;

export function findSyringe(name: string): Syringe | undefined {
  return SYRINGES.find((s) => s.name === name);
}

/** Volume of one microstep from geometry: bore area times lead over microsteps per turn. */
export function geometryFlPerMicrostep(innerDiameterUm: number, leadUm: number, microstepsPerRev: number): number {
  const radius = innerDiameterUm / 2;
  return Math.round((Math.PI * radius * radius * leadUm) / microstepsPerRev);
}

function readSyringe(value: unknown, path: string): Syringe {
  if (typeof value === 'string') {
    const s = findSyringe(value);
    if (!s) refuse('SYRINGE_UNKNOWN', `${path} "${value}" is not in the syringe table (${SYRINGES.map((x) => x.name).join(', ')})`, path);
    return s;
  }
  const r = new FieldReader(value, path);
  const name = r.optStr('name', 32) ?? 'custom';
  const innerDiameterUm = r.int('innerDiameterUm', 1_000, 50_000);
  const capacityNl = r.int('capacityNl', 100_000, 100_000_000);
  r.finish();
  return { name, innerDiameterUm, capacityNl };
}

/** Checks a mechanics description and derives the volume per microstep and the rate limit. */
export function readMechanics(input: unknown): Result<Mechanics> {
  return readRecord(() => {
    const r = new FieldReader(input, '');
    const syringe = readSyringe(r.any('syringe'), 'syringe');
    const leadUm = r.int('leadUm', 100, 50_000);
    const fullStepsPerRev = r.int('fullStepsPerRev', 24, 1_000);
    const microsteps = r.int('microsteps', 1, 256);
    if ((microsteps & (microsteps - 1)) !== 0) {
      refuse('FIELD_RANGE', `microsteps is ${microsteps}; stepper drivers take a power of two from 1 to 256`, 'microsteps');
    }
    const maxStepHz = r.optInt('maxStepHz', 1, 20_000) ?? DEFAULT_MAX_STEP_HZ;
    const calibration = r.optDecimal('calibrationNlPerMicrostep', 0.0001, 1_000_000);
    r.finish();

    const microstepsPerRev = fullStepsPerRev * microsteps;
    const geometry = geometryFlPerMicrostep(syringe.innerDiameterUm, leadUm, microstepsPerRev);
    if (geometry < MIN_FL_PER_MICROSTEP || geometry > MAX_FL_PER_MICROSTEP) {
      refuse(
        'MECHANICS_STEP_VOLUME',
        `one microstep moves ${geometry / FL_PER_NL} nl (syringe ${syringe.innerDiameterUm} um bore, leadUm ${leadUm}, ${microstepsPerRev} microsteps per turn); it must be from 0.1 nl to 100000 nl`,
        'leadUm',
      );
    }
    let flPerMicrostep = geometry;
    if (calibration !== undefined) {
      flPerMicrostep = nlToFl(calibration);
      const deviation = Math.abs(flPerMicrostep - geometry) / geometry;
      if (deviation > CALIBRATION_TOLERANCE) {
        refuse(
          'CALIBRATION_DEVIATION',
          `calibrationNlPerMicrostep is ${calibration} nl but the geometry gives ${geometry / FL_PER_NL} nl (${Math.round(deviation * 100)}% apart; at most 20% is accepted)`,
          'calibrationNlPerMicrostep',
        );
      }
    }
    return {
      syringe,
      leadUm,
      fullStepsPerRev,
      microsteps,
      maxStepHz,
      geometryFlPerMicrostep: geometry,
      flPerMicrostep,
      calibrated: calibration !== undefined,
      maxRateNlPerDay: Math.floor((maxStepHz * flPerMicrostep * (MS_PER_DAY / 1_000)) / FL_PER_NL),
      capacityMicrosteps: Math.floor((syringe.capacityNl * FL_PER_NL) / flPerMicrostep),
    };
  });
}

/** The plunger's area in mm^2 (pressure in kPa times it is force in mN). */
export function plungerAreaMm2(m: Mechanics): number {
  const radiusMm = m.syringe.innerDiameterUm / 2_000;
  return Math.PI * radiusMm * radiusMm;
}
