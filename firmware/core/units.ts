// Every unit conversion in the firmware lives here. Volumes are integer nanolitres (nl) or
// femtolitres (fl, for the volume of one microstep), time is integer milliseconds, rates are
// integer nanolitres per day: implant pumps are programmed in mL/day, and nl/day represents
// mL/day, mL/h and uL/min exactly, where nl/h could not hold 1 mL/day.

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

export const NL_PER_ML = 1_000_000;
export const FL_PER_NL = 1_000_000;

// One cubic micrometre is one femtolitre (1 um^3 = 1e-18 m^3 = 1e-15 L), so syringe geometry
// in micrometres gives the volume of a microstep directly in femtolitres (mechanics.ts).

/** Rate-time: nl/day multiplied by ms. One nanolitre is MS_PER_DAY units of it. */
export const RATE_TIME_PER_NL = MS_PER_DAY;

export function mlToNl(ml: number): number {
  return Math.round(ml * NL_PER_ML);
}

export function nlToMl(nl: number): number {
  return nl / NL_PER_ML;
}

export function mlPerDayToNlPerDay(mlPerDay: number): number {
  return Math.round(mlPerDay * NL_PER_ML);
}

export function mlPerHourToNlPerDay(mlPerHour: number): number {
  return Math.round(mlPerHour * NL_PER_ML * 24);
}

export function nlPerDayToMlPerDay(nlPerDay: number): number {
  return nlPerDay / NL_PER_ML;
}

export function nlPerDayToMlPerHour(nlPerDay: number): number {
  return nlPerDay / NL_PER_ML / 24;
}

/** Nanolitres (a decimal, as a person enters a calibration factor) to whole femtolitres. */
export function nlToFl(nl: number): number {
  return Math.round(nl * FL_PER_NL);
}

export function flToNl(fl: number): number {
  return fl / FL_PER_NL;
}

/** Largest rate x duration product computed in one piece (exact in a double). */
const SAFE_PRODUCT = 2 ** 52;

/**
 * Adds `rateNlPerDay` for `durationMs` to a rate-time remainder `acc` (nl/day x ms, always
 * below RATE_TIME_PER_NL) and returns the whole nanolitres that completes, with the new
 * remainder in `out[0]`. Nothing is ever lost to rounding: the remainder carries it. The
 * interval is cut into chunks so `rate x chunk` stays an exact integer in a double.
 */
export function addRateTime(acc: number, rateNlPerDay: number, durationMs: number, out: number[]): number {
  if (rateNlPerDay <= 0 || durationMs <= 0) {
    out[0] = acc;
    return 0;
  }
  const chunk = Math.max(1, Math.floor(SAFE_PRODUCT / rateNlPerDay));
  let nl = 0;
  let left = durationMs;
  while (left > 0) {
    const d = Math.min(left, chunk);
    const x = acc + rateNlPerDay * d;
    const whole = Math.floor(x / RATE_TIME_PER_NL);
    nl += whole;
    acc = x - whole * RATE_TIME_PER_NL;
    left -= d;
  }
  out[0] = acc;
  return nl;
}

/** Whole nanolitres delivered at `rateNlPerDay` over `durationMs` from zero, rounded down. */
export function volumeAtRateNl(rateNlPerDay: number, durationMs: number): number {
  return addRateTime(0, rateNlPerDay, durationMs, remainderScratch);
}
/** The remainder volumeAtRateNl drops: one array for every call (the battery check runs it every minute). */
const remainderScratch = [0];

/**
 * Drug mass in micrograms for a volume at a concentration in ug/mL, as an exact rational
 * rounded down to whole nanograms: doses are reported in mg/day as well as mL/day.
 */
export function doseNg(volumeNl: number, concentrationUgPerMl: number): number {
  // nl * ug/mL = nl * ng/uL = ng * (nl/uL) = ng / 1000 * ... ; 1 mL = 1e6 nl, 1 ug = 1e3 ng.
  return Math.floor((volumeNl * concentrationUgPerMl) / 1_000);
}

export function doseUg(volumeNl: number, concentrationUgPerMl: number): number {
  return doseNg(volumeNl, concentrationUgPerMl) / 1_000;
}

/** Formats a millisecond time of day as HH:MM:SS.mmm (for reasons and status lines). */
export function formatTimeOfDay(ms: number): string {
  const t = ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  const h = Math.floor(t / MS_PER_HOUR);
  const m = Math.floor((t % MS_PER_HOUR) / MS_PER_MINUTE);
  const s = Math.floor((t % MS_PER_MINUTE) / MS_PER_SECOND);
  const milli = t % MS_PER_SECOND;
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${milli ? `.${pad(milli, 3)}` : ''}`;
}
