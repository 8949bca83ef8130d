// A virtual lab balance for the virtual rig: it weighs what the rig actually delivered at the
// line's outlet (nl, converted to mg with the water density at the set temperature), through
// a first-order settling lag, with seeded noise, drift, evaporation from the beaker, a
// resolution, and a capacity. Fault switches make it silent, garbled, unsteady or overloaded.
// Pure: no Node APIs and no Math.random (host/sim/prng.ts), so it runs on the virtual board
// and on XS with the same numbers.

import { waterDensityMgPerMl } from '../accuracy/density';
import { deriveSeed, expDet, Prng } from '../sim/prng';

export interface VirtualBalanceOptions {
  /**
   * Cumulative volume that has left the line's outlet by `nowMs`, nl. Read at each call; between
   * two calls the load is taken to change linearly (a change at the current instant is a step).
   */
  readonly deliveredNl: (nowMs: number) => number;
  /** Water temperature, deg C (default 20). */
  readonly temperatureC?: number;
  /** The last digit, mg: a power of ten from 0.001 to 10 (default 0.1, a semi-micro balance). */
  readonly resolutionMg?: number;
  /** Capacity, mg (default 220 g). */
  readonly capacityMg?: number;
  /** Beaker and water already on the pan, mg (default 50 g). */
  readonly containerMg?: number;
  /** Reading noise, mg rms (default 0.05). */
  readonly noiseMg?: number;
  /** Zero drift, mg per hour (default 0). */
  readonly driftMgPerH?: number;
  /** Settling time constant, ms (default 1500). */
  readonly settlingMs?: number;
  /** The reading counts as unstable while it moves faster than this, mg/s (default 1). */
  readonly unstableMgPerS?: number;
  /** Water lost by evaporation, mg/min (default 0; a trap brings it near 0.01). */
  readonly evaporationMgPerMin?: number;
  readonly seed?: number;
  /** The virtual clock at creation, ms (default 0). */
  readonly startMs?: number;
}

export interface VirtualReading {
  /** Net reading in whole digits of the resolution. */
  readonly counts: number;
  /** Decimal places of the reading in grams (0.1 mg: 4). */
  readonly gramDecimals: number;
  readonly massMg: number;
  readonly stable: boolean;
  readonly overload: boolean;
  readonly underload: boolean;
}

const UNDERLOAD_MG = -1_000;

/** How often the display (and its noise) changes, ms: MT-SICS SIR's default send interval. */
const DISPLAY_UPDATE_MS = 100;

export class VirtualBalance {
  readonly densityMgPerMl: number;
  readonly resolutionMg: number;
  readonly gramDecimals: number;
  readonly capacityMg: number;
  readonly #o: VirtualBalanceOptions;
  /** The noise's seed: the deviate of display update k is drawn from it and k alone. */
  readonly #noiseSeed: number;
  readonly #startMs: number;
  #lastMs: number;
  #trueMg: number;
  /** The settled display (before noise), following the load with the lag. */
  #shownMg: number;
  #rateMgPerS = 0;
  #zeroMg = 0;
  #tareMg = 0;
  #extraMg = 0;

  /** Fault switches for tests and the fault schedule. */
  notAnswering = false;
  /** The next `garbleReplies` replies are corrupted on the wire. */
  garbleReplies = 0;
  /** Vibration or a draught: never stable. */
  shaking = false;
  panRemoved = false;

  constructor(o: VirtualBalanceOptions) {
    this.#o = o;
    this.densityMgPerMl = waterDensityMgPerMl(o.temperatureC ?? 20);
    this.resolutionMg = o.resolutionMg ?? 0.1;
    const places = Math.round(-Math.log10(this.resolutionMg));
    if (!(places >= -1 && places <= 3) || Math.abs(10 ** -places - this.resolutionMg) > 1e-12) {
      throw new RangeError(`resolutionMg ${this.resolutionMg} must be a power of ten from 0.001 to 10`);
    }
    this.gramDecimals = 3 + places;
    this.capacityMg = o.capacityMg ?? 220_000;
    this.#noiseSeed = deriveSeed(o.seed ?? 1, 9);
    this.#startMs = o.startMs ?? 0;
    this.#lastMs = this.#startMs;
    this.#trueMg = this.#load(this.#startMs);
    this.#shownMg = this.#trueMg;
    // Switched on with the beaker on the pan: the power-on zero takes it off.
    this.#zeroMg = this.#shownMg;
  }

  /** What is on the pan now, mg: container, delivered water less evaporation, plus drift. */
  #load(nowMs: number): number {
    const o = this.#o;
    const minutes = (nowMs - this.#startMs) / 60_000;
    const water = (o.deliveredNl(nowMs) * this.densityMgPerMl) / 1_000_000;
    const evaporated = (o.evaporationMgPerMin ?? 0) * minutes;
    const drift = ((o.driftMgPerH ?? 0) * minutes) / 60;
    return (o.containerMg ?? 50_000) + water - evaporated + drift + this.#extraMg;
  }

  /**
   * Moves the display to `nowMs`: the exact response of a first-order lag to a load that
   * changed linearly since the last call, y1 = m1 - k tau + (y0 - m0 + k tau) e^(-dt/tau).
   */
  #advance(nowMs: number): void {
    const dt = nowMs - this.#lastMs;
    const tau = this.#o.settlingMs ?? 1_500;
    if (dt <= 0) {
      // A change at this very instant (a test's step, a drop): the load jumps, the display follows.
      this.#trueMg = this.#load(this.#lastMs);
      this.#rateMgPerS = (Math.abs(this.#trueMg - this.#shownMg) / tau) * 1000;
      return;
    }
    const m0 = this.#trueMg;
    const m1 = this.#load(nowMs);
    const k = (m1 - m0) / dt;
    const y1 = m1 - k * tau + (this.#shownMg - m0 + k * tau) * expDet(-dt / tau);
    this.#rateMgPerS = (Math.abs(m1 - y1) / tau) * 1000;
    this.#shownMg = y1;
    this.#trueMg = m1;
    this.#lastMs = nowMs;
  }

  /** Adds (or takes away) mass on the pan at once: a finger on the beaker, a drop. */
  addMass(nowMs: number, mg: number): void {
    this.#advance(nowMs);
    this.#extraMg += mg;
    this.#trueMg += mg;
  }

  #gross(nowMs: number): number {
    this.#advance(nowMs);
    return this.panRemoved ? UNDERLOAD_MG * 5 : this.#shownMg;
  }

  reading(nowMs: number): VirtualReading {
    const gross = this.#gross(nowMs);
    const noisy = gross + (this.#o.noiseMg ?? 0.05) * this.#noise(nowMs);
    const counts = Math.round((noisy - this.#zeroMg - this.#tareMg) / this.resolutionMg);
    const stable = !this.shaking && !this.panRemoved && this.#rateMgPerS <= (this.#o.unstableMgPerS ?? 1);
    return {
      counts,
      gramDecimals: this.gramDecimals,
      massMg: counts * this.resolutionMg,
      stable,
      overload: gross > this.capacityMg,
      underload: gross < UNDERLOAD_MG,
    };
  }

  /**
   * The noise on the display at `nowMs`, a standard deviate. A balance's display changes once an
   * update (DISPLAY_UPDATE_MS) and every reading within one shows the same digits, so the
   * deviate is drawn for the update alone, not for the reading: how often a client or the
   * board's poll loop reads (which on a busy machine depends on when a byte arrives against a
   * clock step) then never changes what any reading shows.
   */
  #noise(nowMs: number): number {
    return new Prng(deriveSeed(this.#noiseSeed, Math.floor(nowMs / DISPLAY_UPDATE_MS))).gaussian();
  }

  /** Zero: the present load becomes 0 (and the tare is cleared). */
  zero(nowMs: number): void {
    this.#zeroMg = this.#gross(nowMs);
    this.#tareMg = 0;
  }

  /** Tare: the present net load is taken off; returns the tare in digits. */
  tare(nowMs: number): number {
    this.#tareMg = this.#gross(nowMs) - this.#zeroMg;
    return Math.round(this.#tareMg / this.resolutionMg);
  }

  /** The true net mass of water delivered (no noise, lag or rounding), for checks. */
  trueMassMg(nowMs: number): number {
    this.#advance(nowMs);
    return this.#trueMg;
  }
}
