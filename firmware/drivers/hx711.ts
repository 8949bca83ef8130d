// Plunger force from a load cell through an HX711 24-bit bridge ADC, bit-banged on two GPIOs:
// when DOUT goes low a conversion is ready, and 24 clocks on PD_SCK shift it out MSB first
// (two's complement); the 25th clock selects channel A at gain 128 for the next conversion.

import { inputMode } from './input-pins';
import { tickDiff } from '../core/ticks';
import type { DigitalConstructor, DigitalOutput } from '../ports/io';
import type { ForceRead, ForceSensorPort } from '../ports/sensors';
import type { TickSource } from '../ports/timebase';

/** Clocks per read: 24 data bits and 1 more selecting channel A, gain 128 (HX711 datasheet). */
export const HX711_CLOCKS_GAIN_128 = 25;
/** The two codes the HX711 clamps to outside its input range (+/- 0.5 AVDD / gain). */
export const HX711_MAX_COUNTS = 0x7f_ffff;
export const HX711_MIN_COUNTS = -0x80_0000;

export interface Hx711Options {
  Digital: DigitalConstructor;
  pins: { sck: number; dout: number };
  ticks: TickSource;
  /** mN per count at gain 128, from a calibration with known weights (may be fractional). */
  scaleMilliNewtonPerCount: number;
  /** The count an unloaded pusher reads; default 0 (then call tare()). */
  tareCounts?: number;
  /**
   * No conversion for this long is `no-answer`. The HX711 converts every 100 ms (RATE low) or
   * 12.5 ms (RATE high) and settles 400 ms after power-up; default 500 ms.
   */
  notReadyTimeoutMs?: number;
}

export class Hx711Force implements ForceSensorPort {
  readonly scaleMilliNewtonPerCount: number;

  readonly #sck: DigitalOutput;
  readonly #dout: DigitalOutput;
  readonly #ticks: TickSource;
  readonly #timeoutMs: number;
  #tareCounts: number;
  /** The latest conversion and the tick it was read at (the driver's start until the first). */
  #counts: number | undefined;
  #sinceTick: number;

  constructor(options: Hx711Options) {
    const { Digital } = options;
    this.scaleMilliNewtonPerCount = options.scaleMilliNewtonPerCount;
    this.#tareCounts = options.tareCounts ?? 0;
    this.#ticks = options.ticks;
    this.#timeoutMs = options.notReadyTimeoutMs ?? 500;
    // PD_SCK low keeps the chip powered up (high for over 60 us powers it down).
    this.#sck = new Digital({ pin: options.pins.sck, mode: Digital.Output });
    this.#sck.write(0);
    // The pull-up makes a disconnected amplifier read "never ready" rather than random bits;
    // GPIO 34-39 have none inside, so there it must be a resistor on the board (input-pins.ts).
    this.#dout = new Digital({ pin: options.pins.dout, mode: inputMode(Digital, options.pins.dout, Digital.InputPullUp) });
    this.#sinceTick = this.#ticks.ticks;
  }

  get tareCounts(): number {
    return this.#tareCounts;
  }

  /** The latest raw conversion (two's complement counts), if any. */
  get counts(): number | undefined {
    return this.#counts;
  }

  /**
   * The latest conversion, tared and scaled. DOUT high means the next conversion is not ready
   * yet, and the previous one stands until `notReadyTimeoutMs` has passed without another.
   */
  read(): ForceRead {
    this.#poll();
    const counts = this.#counts;
    const ageMs = tickDiff(this.#ticks.ticks, this.#sinceTick);
    if (counts === undefined || ageMs > this.#timeoutMs) {
      const what = counts === undefined ? 'no conversion yet' : 'no new conversion';
      return { ok: false, fault: 'no-answer', detail: `HX711: ${what} for ${ageMs} ms (DOUT high)` };
    }
    if (counts === HX711_MAX_COUNTS || counts === HX711_MIN_COUNTS) {
      return { ok: false, fault: 'implausible', detail: `HX711: saturated at ${counts} counts (bridge open or overloaded)` };
    }
    // + 0 turns a rounded -0 into 0.
    return { ok: true, forceMilliNewton: Math.round((counts - this.#tareCounts) * this.scaleMilliNewtonPerCount) + 0 };
  }

  /**
   * Takes the latest conversion as zero force (the pusher unloaded). Returns false, leaving the
   * tare as it was, when there is no fresh, unsaturated conversion to take.
   */
  tare(): boolean {
    const r = this.read();
    if (!r.ok) return false;
    this.#tareCounts = this.#counts!;
    return true;
  }

  close(): void {
    this.#sck.close();
    this.#dout.close();
  }

  /** Shifts out a conversion if DOUT says one is ready. */
  #poll(): void {
    if (this.#dout.read() !== 0) return;
    const sck = this.#sck;
    const dout = this.#dout;
    let word = 0;
    // Each bit appears on the rising edge and holds until the next; reading after the falling
    // edge keeps every high phase to two native calls, far inside the 60 us power-down limit.
    for (let bit = 0; bit < 24; bit++) {
      sck.write(1);
      sck.write(0);
      word = (word << 1) | dout.read();
    }
    for (let extra = 24; extra < HX711_CLOCKS_GAIN_128; extra++) {
      sck.write(1);
      sck.write(0);
    }
    this.#counts = (word << 8) >> 8; // sign-extend 24 bits
    this.#sinceTick = this.#ticks.ticks;
  }
}
