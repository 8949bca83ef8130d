// The lab's tolerance profile: what the station's self-test, calibration and gravimetric check
// do and the limits each is judged against, as a YAML (or JSON) file. Every field has a
// default (DEFAULT_PROFILE); a field that is unknown, misspelt or out of range is an error
// naming the file and the field (E770), never a silent default.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Tolerances } from '../accuracy/verdict';
import { stationError } from '../errors/station';

export interface StationProfile {
  readonly name: string;
  readonly selftest: {
    /** Rate and time of the motor check: the delivered count must match within `motorTolerancePct`. */
    readonly motorRateMlH: number;
    readonly motorSeconds: number;
    readonly motorTolerancePct: number;
    /** At rest after the motor check: no flow alarm may come (a flow sensor reading flow at rest has a bad zero). */
    readonly restSeconds: number;
    readonly batteryMinPct: number;
    readonly batteryMaxPct: number;
    /** Whether the rig has a load cell: its check is skipped (and recorded so) when not. */
    readonly loadCell: boolean;
  };
  readonly calibration: {
    readonly volumeUl: number;
    readonly rateMlH: number;
    readonly settleMin: number;
    readonly temperatureC: number;
  };
  readonly accuracy: {
    readonly rateMlH: number;
    /** Delivery at the rate before the first weighing, so the line is full when weighing starts. */
    readonly primeMin: number;
    readonly minutes: number;
    readonly intervalS: number;
    readonly temperatureC: number;
    /** Limits, %: a (second-period mean error), total, and the trumpet windows that fit. */
    readonly tolerancePct: { readonly a: number; readonly total: number; readonly windows: Readonly<Record<number, number>> };
  };
  /** `station report --board`: a calibration factor that moved more than this since the board's first run is flagged. */
  readonly driftWarnPct: number;
}

/**
 * The default profile: about 55 minutes of bench time a board (docs/station.md). A short
 * gravimetric check, not the standard's two hours: 20 minutes at 1 mL/h after a 10 minute prime,
 * judged over the whole 20 minutes. 1 mL/h, not 6: water reaching the pan at 6 mL/h (1.7 mg/s)
 * keeps a semi-micro balance from ever reading stable (the virtual one's window is 1 mg/s), so
 * every sample was taken unstable, marked, and the check came out inconclusive; at 1 mL/h
 * (0.28 mg/s) it reads stable. The prime: the check starts from a line the settle has drained,
 * and a line fills with rate x tau before its outlet flows at the rate; unprimed, that fill was
 * -3 % of the total on the middle rig and -5.4 to -14.1 % on the population's slow lines (tau
 * up to 150 s), and good boards failed. Ten minutes is four of the slowest line's time constants
 * (what is left of its fill is under 0.4 % of the run). The whole run: a turn of the screw is
 * 20 minutes at 1 mL/h, and its once-per-turn wobble comes back to nothing only over whole turns
 * (over the second half alone it was 2.4 % on rig 2). The total-volume limit is then
 * pumpctl's default, 2 %.
 */
export const DEFAULT_PROFILE: StationProfile = {
  name: 'default',
  selftest: { motorRateMlH: 6, motorSeconds: 60, motorTolerancePct: 2, restSeconds: 30, batteryMinPct: 20, batteryMaxPct: 100, loadCell: false },
  calibration: { volumeUl: 500, rateMlH: 6, settleMin: 3, temperatureC: 20 },
  accuracy: { rateMlH: 1, primeMin: 10, minutes: 20, intervalS: 30, temperatureC: 20, tolerancePct: { a: 2, total: 2, windows: { 2: 5, 5: 3.5 } } },
  driftWarnPct: 1,
};

type Range = readonly [number, number];
const NUMBERS: Readonly<Record<string, Readonly<Record<string, Range>>>> = {
  selftest: { motorRateMlH: [0.1, 100], motorSeconds: [5, 3600], motorTolerancePct: [0.1, 50], restSeconds: [0, 3600], batteryMinPct: [0, 100], batteryMaxPct: [0, 100] },
  calibration: { volumeUl: [10, 10_000], rateMlH: [0.1, 100], settleMin: [0, 60], temperatureC: [0, 40] },
  accuracy: { rateMlH: [0.01, 100], primeMin: [0, 120], minutes: [2, 48 * 60], intervalS: [1, 60], temperatureC: [0, 40] },
};

/** Reads a profile file over the defaults; throws E770 naming the file and the field. */
export function readProfile(file: string): StationProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw stationError('PROFILE', `cannot read the profile ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw stationError('PROFILE', `${file} is not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return profileFrom(doc, file);
}

export function profileFrom(doc: unknown, file = 'profile'): StationProfile {
  const bad = (field: string, why: string): never => {
    throw stationError('PROFILE', `${file}: ${field}: ${why}`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(field, 'must be a mapping'));
  const top = obj(doc ?? {}, '(top)');
  const known = ['name', 'selftest', 'calibration', 'accuracy', 'driftWarnPct'];
  for (const k of Object.keys(top)) if (!known.includes(k)) bad(k, `unknown field (fields: ${known.join(', ')})`);
  const num = (v: unknown, field: string, [lo, hi]: Range): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi ? v : bad(field, `must be a number from ${lo} to ${hi} (got ${JSON.stringify(v)})`);
  const section = <T extends object>(name: 'selftest' | 'calibration' | 'accuracy', base: T, extra: readonly string[]): T => {
    if (top[name] === undefined) return base;
    const s = obj(top[name], name);
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(s)) {
      const range = NUMBERS[name]![k];
      if (range) out[k] = num(v, `${name}.${k}`, range);
      else if (!extra.includes(k)) bad(`${name}.${k}`, `unknown field (fields: ${[...Object.keys(NUMBERS[name]!), ...extra].join(', ')})`);
    }
    return out as T;
  };
  const selftest = section('selftest', DEFAULT_PROFILE.selftest, ['loadCell']);
  const st = top['selftest'] as Record<string, unknown> | undefined;
  const loadCell = st?.['loadCell'] === undefined ? selftest.loadCell : typeof st['loadCell'] === 'boolean' ? st['loadCell'] : bad('selftest.loadCell', 'must be true or false');
  if (selftest.batteryMinPct > selftest.batteryMaxPct) bad('selftest.batteryMinPct', 'must not exceed batteryMaxPct');
  const calibration = section('calibration', DEFAULT_PROFILE.calibration, []);
  const accuracy = section('accuracy', DEFAULT_PROFILE.accuracy, ['tolerancePct']);
  if (60 % accuracy.intervalS !== 0) bad('accuracy.intervalS', `must divide 60 so every window is whole intervals (got ${accuracy.intervalS})`);
  let tolerancePct = DEFAULT_PROFILE.accuracy.tolerancePct;
  const tp = (top['accuracy'] as Record<string, unknown> | undefined)?.['tolerancePct'];
  if (tp !== undefined) {
    const t = obj(tp, 'accuracy.tolerancePct');
    const windows: Record<number, number> = {};
    let a = tolerancePct.a;
    let total = tolerancePct.total;
    for (const [k, v] of Object.entries(t)) {
      const field = `accuracy.tolerancePct.${k}`;
      if (k === 'a') a = num(v, field, [0.01, 100]);
      else if (k === 'total') total = num(v, field, [0.01, 100]);
      else if (['2', '5', '11', '19', '31'].includes(k)) windows[Number(k)] = num(v, field, [0.01, 100]);
      else bad(field, 'unknown key (a, total, 2, 5, 11, 19, 31)');
    }
    tolerancePct = { a, total, windows: Object.keys(windows).length ? windows : tolerancePct.windows };
  }
  const name = top['name'] === undefined ? 'custom' : typeof top['name'] === 'string' && top['name'].trim() !== '' ? top['name'] : bad('name', 'must be a non-empty string');
  const driftWarnPct = top['driftWarnPct'] === undefined ? DEFAULT_PROFILE.driftWarnPct : num(top['driftWarnPct'], 'driftWarnPct', [0.01, 50]);
  return { name, selftest: { ...selftest, loadCell }, calibration, accuracy: { ...accuracy, tolerancePct }, driftWarnPct };
}

/** The profile's limits as the accuracy verdict takes them. */
export function tolerancesOf(p: StationProfile): Tolerances {
  return { secondHourErrorPct: p.accuracy.tolerancePct.a, totalVolumeErrorPct: p.accuracy.tolerancePct.total, trumpetPct: p.accuracy.tolerancePct.windows };
}
