// The virtual balance's physics: it weighs what the line delivered (nl x density), with its
// resolution, seeded noise, settling lag, drift, evaporation and capacity; deterministic for
// a seed, with no Math.random and no Node APIs.
import { describe, expect, it } from 'vitest';
import { waterDensityMgPerMl } from '../host/accuracy/density';
import { VirtualBalance } from '../host/balance/virtual-balance';

describe('virtual balance', () => {
  it('weighs delivered volume with the density at the set temperature, at its resolution', () => {
    const vb = new VirtualBalance({ noiseMg: 0, temperatureC: 25, resolutionMg: 0.01, deliveredNl: (t) => (t >= 1 ? 123_456 : 0) });
    vb.trueMassMg(1);
    const r = vb.reading(600_000);
    // 123.456 uL x 997.0445 mg/mL (25 C, air-saturated) = 123.0911 mg: 12309 digits of 0.01 mg.
    expect(r.counts).toBe(Math.round((123_456 * waterDensityMgPerMl(25)) / 1e6 / 0.01));
    expect(r.counts).toBe(12309);
    expect(r.gramDecimals).toBe(5);
    expect(r.stable).toBe(true);
  });

  it('lags a ramp by rate x tau and calls it unstable while it moves faster than the threshold', () => {
    // 1 mg/s of water (3.6 mL/h at about 1 mg/uL): lag = 1 mg/s x 2 s = 2 mg once settled.
    const vb = new VirtualBalance({ noiseMg: 0, resolutionMg: 0.001, settlingMs: 2_000, unstableMgPerS: 0.5, deliveredNl: (t) => t });
    const rho = vb.densityMgPerMl / 1000; // mg per uL; 1 nl/ms = 1 uL/s
    const r = vb.reading(60_000);
    expect(r.massMg).toBeCloseTo(60 * rho - 2 * rho, 2);
    expect(r.stable).toBe(false);
    const quiet = new VirtualBalance({ noiseMg: 0, settlingMs: 2_000, unstableMgPerS: 5, deliveredNl: (t) => t });
    expect(quiet.reading(60_000).stable).toBe(true);
  });

  it('loses mass to evaporation and drifts', () => {
    const vb = new VirtualBalance({ noiseMg: 0, resolutionMg: 0.01, evaporationMgPerMin: 0.05, driftMgPerH: 0.6, deliveredNl: () => 0 });
    // 60 min: -0.05 x 60 = -3 mg evaporated, +0.6 mg drift: -2.4 mg.
    expect(vb.reading(3_600_000).massMg).toBeCloseTo(-2.4, 6);
  });

  it('is deterministic for a seed, and the noise has the rms it was given', () => {
    const read = (seed: number) => {
      const vb = new VirtualBalance({ seed, noiseMg: 0.1, resolutionMg: 0.001, deliveredNl: () => 0 });
      return Array.from({ length: 2000 }, (_, i) => vb.reading(i * 1000).massMg);
    };
    expect(read(7)).toEqual(read(7));
    expect(read(7)).not.toEqual(read(8));
    const xs = read(3);
    const rms = Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    expect(rms).toBeGreaterThan(0.09);
    expect(rms).toBeLessThan(0.11);
  });

  it('shows at an instant the same digits however often it was read before', () => {
    // The station's calibration on the same board waited 15 min on one run and 17 on the next:
    // each reading drew the next deviate, and how often the board's poll loop read the balance
    // depends on when a byte arrives against a clock step. A display changes once an update.
    const balance = () => new VirtualBalance({ seed: 5, noiseMg: 0.1, resolutionMg: 0.001, deliveredNl: (t) => t / 10 });
    const sparse = balance();
    const dense = balance();
    for (let t = 0; t <= 600_000; t += 250) {
      const d = dense.reading(t);
      if (t % 60_000 === 0) expect(sparse.reading(t).massMg, `at ${t} ms`).toBe(d.massMg);
    }
    // Within one update every reading shows the same; the next update shows other digits.
    const still = () => new VirtualBalance({ seed: 5, noiseMg: 0.1, resolutionMg: 0.001, deliveredNl: () => 0 });
    const vb = still();
    expect(vb.reading(1_020).massMg).toBe(vb.reading(1_090).massMg);
    expect(vb.reading(1_099).massMg).not.toBe(vb.reading(1_100).massMg);
  });

  it('zero and tare take the present load off; overload above capacity', () => {
    let nl = 0;
    const vb = new VirtualBalance({ noiseMg: 0, capacityMg: 51_000, deliveredNl: () => nl });
    nl = 500_000;
    vb.trueMassMg(0);
    expect(vb.reading(60_000).massMg).toBeCloseTo(499.1, 6);
    vb.tare(60_000);
    expect(vb.reading(60_000).massMg).toBe(0);
    nl = 1_500_000; // 50 g beaker + 1.5 g > 51 g
    vb.trueMassMg(60_000);
    expect(vb.reading(120_000).overload).toBe(true);
    vb.zero(120_000);
    expect(vb.reading(120_000).massMg).toBe(0);
  });

  it('refuses a resolution that is not a power of ten', () => {
    expect(() => new VirtualBalance({ resolutionMg: 0.2, deliveredNl: () => 0 })).toThrow(RangeError);
  });
});

describe('purity of the emulators', () => {
  it('the virtual balance and its emulators import no Node API, no serialport and no Math.random', async () => {
    const { readFileSync } = await import('node:fs');
    const files = ['virtual-balance', 'virtual-common', 'virtual-mt-sics', 'virtual-sbi', 'virtual-ohaus', 'mt-sics-codec', 'sbi-codec', 'ohaus-codec', 'units'];
    const seen = new Set<string>();
    const visit = (path: string): void => {
      if (seen.has(path)) return;
      seen.add(path);
      const text = readFileSync(path, 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
      expect(text, path).not.toMatch(/from 'node:|from '@serialport|Math\.random|Date\.now/);
      for (const m of text.matchAll(/^import (?!type)[^;]*from '(\.[^']+)'/gm)) visit(new URL(`${m[1]}.ts`, `file://${path}`).pathname);
    };
    for (const f of files) visit(new URL(`../host/balance/${f}.ts`, import.meta.url).pathname);
    expect(seen.size).toBeGreaterThanOrEqual(files.length + 2); // density.ts and prng.ts too
  });
});
