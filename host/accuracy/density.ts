// Density of water from its temperature, for turning weighed mass into delivered volume.
// Tanaka M., Girard G., Davis R., Peuto A., Bignell N., "Recommended table for the density of
// water between 0 C and 40 C based on recent experimental reports", Metrologia 38 (2001)
// 301-309, eq. 1 (air-free SMOW), with the air-saturation correction of its section 5.
// Pure arithmetic (no Node APIs): the virtual balance on the virtual board uses it too.

const A1 = -3.983035; // deg C
const A2 = 301.797; // deg C
const A3 = 522528.9; // deg C^2
const A4 = 69.34881; // deg C
const A5 = 999.97495; // kg/m^3
// Air-saturated water is lighter: delta rho = S0 + S1 t (kg/m^3), Tanaka et al. section 5.
const S0 = -4.612e-3;
const S1 = 0.106e-3;

export const DENSITY_MIN_C = 0;
export const DENSITY_MAX_C = 40;

/**
 * Water density in mg/mL (numerically equal to kg/m^3) at `temperatureC`, air-saturated by
 * default as water in an open beaker is. 20 C gives 998.2042 (air-saturated), 998.2067 air-free.
 */
export function waterDensityMgPerMl(temperatureC: number, airSaturated = true): number {
  if (!(temperatureC >= DENSITY_MIN_C && temperatureC <= DENSITY_MAX_C)) {
    throw new RangeError(`water temperature ${temperatureC} C is outside ${DENSITY_MIN_C}-${DENSITY_MAX_C} C (Tanaka 2001 holds there)`);
  }
  const t = temperatureC;
  const rho = A5 * (1 - ((t + A1) * (t + A1) * (t + A2)) / (A3 * (t + A4)));
  return airSaturated ? rho + S0 + S1 * t : rho;
}

/**
 * Air buoyancy: a balance adjusted with steel weights (8000 mg/mL, OIML R 111) reads water
 * about 0.1% light in air of 1.2 mg/mL. The factor turns a reading into true mass (ISO 4787).
 */
export function buoyancyFactor(waterMgPerMl: number, airMgPerMl = 1.2, weightsMgPerMl = 8000): number {
  return (1 - airMgPerMl / weightsMgPerMl) / (1 - airMgPerMl / waterMgPerMl);
}
