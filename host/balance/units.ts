// Masses as the balances print them (decimal text in g, mg or kg) to mg without a detour
// through a binary float in grams: the decimal digits become an integer count of micrograms
// first, so 12.3456 g is exactly 12345600 ug and the differences the analysis takes are exact.

const UG_PER_UNIT: Record<string, number> = { g: 1_000_000, mg: 1_000, kg: 1_000_000_000 };

/** Integer micrograms from a signed decimal and a unit; undefined if either cannot be read. */
export function decimalToUg(text: string, unit: string): number | undefined {
  const scale = UG_PER_UNIT[unit];
  if (scale === undefined) return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.replace(/\s+/g, ''));
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const whole = m[2] === '' ? 0 : Number(m[2]);
  const frac = m[3] ?? '';
  const scaleDigits = Math.round(Math.log10(scale));
  if (frac.length > scaleDigits) return undefined; // finer than a microgram: not a balance reading
  const fracUg = frac === '' ? 0 : Number(frac) * 10 ** (scaleDigits - frac.length);
  const ug = whole * scale + fracUg;
  if (!Number.isSafeInteger(ug)) return undefined;
  return m[1] === '-' ? -ug : ug;
}

export function isMassUnit(unit: string): boolean {
  return unit in UG_PER_UNIT;
}

/** mg from integer ug (one division, so the result is the closest double to the decimal). */
export function ugToMg(ug: number): number {
  return ug / 1000;
}

/**
 * A mass in whole counts of `decimals` places of a unit, as decimal text: 123456 counts at 4
 * decimals in g prints as "12.3456". Integer arithmetic only, so the emulators print exactly.
 */
export function countsToDecimal(counts: number, decimals: number): string {
  const neg = counts < 0;
  const digits = String(Math.abs(Math.trunc(counts))).padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  return neg ? `-${text}` : text;
}
