// Seeded randomness and the few transcendental functions the simulator's physics needs, built
// from integer operations and + - * / and sqrt only. Those are exactly rounded by IEEE 754 on
// every engine, whereas Math.exp / Math.log / Math.cos are "implementation-approximated" by the
// ECMAScript spec and differ in the last bit between V8 (its own fdlibm port) and XS (the C
// library's libm): one ulp is enough to flip a rounded nanolitre and fork the event stream.
// No Node APIs and no Math.random: the same seed gives the same numbers on Node and on XS.

const TWO_POW_32 = 4_294_967_296;

/** Mixes a 32-bit value (murmur3's finaliser): nearby seeds give unrelated streams. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seed for one consumer of randomness (`stream` names it: 1 for the flow sensor, 2 for the
 * force sensor...), so that drawing more numbers in one model never shifts another's.
 */
export function deriveSeed(seed: number, stream: number): number {
  return mix32((mix32(seed) + Math.imul(stream >>> 0, 0x9e37_79b9)) >>> 0);
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): one 32-bit integer of state, period 2^32,
 * passes gjrand and PractRand to several GB, which is plenty for sensor noise.
 */
export class Prng {
  #state: number;
  /** The second normal deviate of the last polar pair, handed out on the next call. */
  #spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed ${seed} is not a number`);
    this.#state = Math.trunc(seed) >>> 0;
  }

  /** The whole state (the generator's word and any spare deviate), to snapshot a run. */
  get state(): { readonly word: number; readonly spare: number | undefined } {
    return { word: this.#state, spare: this.#spare };
  }

  restore(state: { readonly word: number; readonly spare: number | undefined }): void {
    this.#state = state.word >>> 0;
    this.#spare = state.spare;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b_79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1), in steps of 2^-32. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /**
   * A standard normal deviate (mean 0, sigma 1): Box-Muller in Marsaglia's polar form, which
   * needs a logarithm and a square root but no cosine. Pairs come out one at a time.
   */
  gaussian(): number {
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      return spare;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * lnDet(s)) / s);
      this.#spare = v * f;
      return u * f;
    }
  }
}

// ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm's constants).
// biome-ignore lint/correctness/noPrecisionLoss: fdlibm's published digits; the literal rounds to the intended double.
const LN2_HI = 6.931_471_803_691_238_164_9e-1;
// biome-ignore lint/correctness/noPrecisionLoss: as above.
const LN2_LO = 1.908_214_929_270_587_700_02e-10;
const LN2 = Math.LN2;
const SQRT2 = Math.SQRT2;
const SQRT1_2 = Math.SQRT1_2;

/** 2^k, exactly, for integer k within the normal range (binary powers of two are exact). */
function pow2(k: number): number {
  let base = k >= 0 ? 2 : 0.5;
  let e = k >= 0 ? k : -k;
  let result = 1;
  while (e > 0) {
    if (e & 1) result *= base;
    base *= base;
    e >>>= 1;
  }
  return result;
}

/** Natural logarithm, the same to the bit on every engine. Accurate to about 1 ulp. */
export function lnDet(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)); scaling by powers of two is exact.
  let m = x;
  let k = 0;
  while (m >= TWO_POW_32) {
    m /= TWO_POW_32;
    k += 32;
  }
  while (m < 1 / TWO_POW_32) {
    m *= TWO_POW_32;
    k -= 32;
  }
  while (m >= SQRT2) {
    m /= 2;
    k++;
  }
  while (m < SQRT1_2) {
    m *= 2;
    k--;
  }
  // ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.1716, so s^2 <= 0.0295 and 13
  // terms take the series below 1e-20.
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let series = 1 / 25;
  for (let n = 11; n >= 0; n--) series = 1 / (2 * n + 1) + s2 * series;
  const lnM = 2 * s * series;
  return k * LN2_HI + (k * LN2_LO + lnM);
}

/** e^x, the same to the bit on every engine. Below -700 it returns 0 (e^-700 is 1e-304). */
export function expDet(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709) return Infinity;
  if (x < -700) return 0;
  // x = k ln2 + r with |r| <= ln2 / 2; e^r by Taylor (16 terms: r^17/17! < 1e-20).
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1;
  for (let n = 16; n >= 1; n--) p = 1 + (r * p) / n;
  return p * pow2(k);
}

/** e^x - 1 without the cancellation near 0 (the decay over a short interval). */
export function expm1Det(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > -0.34 && x < 0.34) {
    let q = 1;
    for (let n = 17; n >= 2; n--) q = 1 + (x * q) / n;
    return x * q;
  }
  return expDet(x) - 1;
}
