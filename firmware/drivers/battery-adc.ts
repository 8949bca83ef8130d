// Battery voltage through a resistor divider into an ADC pin. The ESP32's Analog reading is
// calibrated in the SDK, then scaled onto 0..2^resolution - 1 against the attenuation's full
// scale; this driver turns it back into millivolts at the pin and multiplies by the divider
// ratio, all in integers.

import type { AnalogConstructor, AnalogInput } from '../ports/io';
import type { BatteryPort } from '../ports/sensors';

/**
 * The SDK's full scale at the default 12 dB attenuation (modules/io/analog/esp32: 0 dB 950 mV,
 * 2.5 dB 1250, 6 dB 1750, 12 dB 2450). A 1S Li-ion pack (4.2 V) through a 1:2 divider stays
 * below it.
 */
export const ESP32_ADC_FULL_SCALE_MV_12DB = 2_450;

export interface AdcBatteryOptions {
  Analog: AnalogConstructor;
  /** Use an ADC1 pin (GPIO 32-39 on the ESP32): ADC2 cannot read while Wi-Fi is on. */
  pin: number;
  /**
   * Battery voltage / pin voltage as integers: 2/1 for two equal resistors, 147/47 for
   * 100k over 47k.
   */
  divider: { numerator: number; denominator: number };
  /** Pin millivolts a full-scale reading stands for; default 2450 (12 dB). */
  fullScaleMillivolts?: number;
}

export class AdcBattery implements BatteryPort {
  readonly #adc: AnalogInput;
  readonly #numerator: number;
  readonly #denominator: number;
  readonly #fullScaleMv: number;
  readonly #maxCount: number;

  constructor(options: AdcBatteryOptions) {
    const { numerator, denominator } = options.divider;
    if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || numerator < denominator || denominator <= 0) {
      throw new RangeError(`battery divider ${numerator}/${denominator}: integers with numerator >= denominator > 0`);
    }
    this.#numerator = numerator;
    this.#denominator = denominator;
    this.#fullScaleMv = options.fullScaleMillivolts ?? ESP32_ADC_FULL_SCALE_MV_12DB;
    this.#adc = new options.Analog({ pin: options.pin });
    this.#maxCount = 2 ** this.#adc.resolution - 1;
  }

  /** Millivolts at the pin, rounded to whole mV (about 0.6 mV per count at 12 bits). */
  readPinMillivolts(): number {
    const counts = this.#adc.read();
    // The SDK returns nothing when a one-shot conversion fails: say so rather than pass NaN on.
    if (!Number.isInteger(counts)) throw new Error(`battery ADC: read gave ${String(counts)}`);
    return Math.round((counts * this.#fullScaleMv) / this.#maxCount);
  }

  /** Battery millivolts: pin millivolts times the divider ratio, rounded once. */
  readMillivolts(): number {
    return Math.round((this.readPinMillivolts() * this.#numerator) / this.#denominator);
  }

  close(): void {
    this.#adc.close();
  }
}
