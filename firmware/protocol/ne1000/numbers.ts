// Numbers and units as the NE-1000 manual writes them (publication 1200-01, section 10.2.1,
// "<float>": at most 4 digits and one decimal point, at most 3 digits after it). A value is
// kept as an integer count of thousandths of its unit, so a rate or volume a client sends is
// held exactly and converted to the firmware's nl and nl/day without floating point.

export type RateUnits = 'UM' | 'MM' | 'UH' | 'MH';
export type VolumeUnits = 'UL' | 'ML';

export const RATE_UNITS: readonly RateUnits[] = ['UM', 'MM', 'UH', 'MH'];
export const VOLUME_UNITS: readonly VolumeUnits[] = ['UL', 'ML'];

/** The largest value a 4-digit float can carry, in thousandths. */
export const MAX_MILLI = 9_999_000;

/**
 * Thousandths of the value `text` writes, or undefined when it is not a float of the manual's
 * form. Leading zeros and trailing zeros after the point carry no digit (a client printing
 * `%0.3f` sends "12.500" for 12.5), so they are not counted against the four.
 */
export function parseFloatMilli(text: string): number | undefined {
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!m || text === '' || text === '.') return undefined;
  const whole = (m[1] ?? '').replace(/^0+/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 3 || whole.length + frac.length > 4) return undefined;
  return Number(whole || '0') * 1_000 + Number(frac.padEnd(3, '0'));
}

/**
 * A query reply's float: four significant digits, always with a decimal point ("0.050",
 * "14.43", "100.0", "1000."), rounded half up; values past 9999 read 9999.
 */
export function formatMilli(milli: number): string {
  const v = Math.max(0, Math.min(MAX_MILLI, Math.round(milli)));
  for (let decimals = 3; decimals > 0; decimals--) {
    const scaled = Math.round(v / 10 ** (3 - decimals));
    if (scaled < 10_000) {
      const s = String(scaled).padStart(decimals + 1, '0');
      return `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
    }
  }
  return `${Math.round(v / 1_000)}.`;
}

/** nl/day of a rate of `milli` thousandths of `units` (exact: every factor is whole). */
export function rateNlPerDay(milli: number, units: RateUnits): number {
  switch (units) {
    case 'UM':
      return milli * 1_440; // thousandths of uL/min = nl/min
    case 'MM':
      return milli * 1_440_000;
    case 'UH':
      return milli * 24; // thousandths of uL/h = nl/h
    case 'MH':
      return milli * 24_000;
  }
}

/** nl of a volume of `milli` thousandths of `units`. */
export function volumeNl(milli: number, units: VolumeUnits): number {
  return units === 'UL' ? milli : milli * 1_000;
}

/** Thousandths of `units` in `nl` (rounded to the nearest). */
export function nlToMilli(nl: number, units: VolumeUnits): number {
  return units === 'UL' ? nl : Math.round(nl / 1_000);
}

/**
 * The manual's default volume units for a syringe: uL up to 14.00 mm inside diameter, mL
 * above (NE-500 OEM manual, "Volume to be Dispensed").
 */
export function defaultVolumeUnits(diameterMilli: number): VolumeUnits {
  return diameterMilli <= 14_000 ? 'UL' : 'ML';
}
