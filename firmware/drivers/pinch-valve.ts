// A normally-closed 12 V pinch valve switched by a logic-level N-MOSFET on one GPIO (wiring in
// hardware/README.md, "Pinch valve"). The Digital class comes in through options, as for the
// other drivers, so the virtual rig drives the same code on its mock pins. The gate is active
// high with a 10 kOhm pull-down: the pin undriven (reset, boot, crash) means the coil is off and
// the line is pinched shut. The pin is written only when the state changes, never per tick.

import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { DigitalConstructor, DigitalOutput } from '../ports/io';
import type { ValvePort } from '../ports/valve';

/** The valve's entry in hardware/pinmap.json, as firmware/app/board.ts gives it. */
export interface ValvePin {
  readonly gpio: number;
  readonly activeLow?: boolean;
}

export interface PinchValveOptions {
  Digital: DigitalConstructor;
  pin: ValvePin;
}

/** The highest GPIO number of the chips the pin map describes (the ESP32-S3's GPIO 48). */
const MAX_GPIO = 48;

export class PinchValve implements ValvePort {
  readonly #gate: DigitalOutput;
  #open = false;

  /** Opens the pin as an output, driven low (closed). Prefer `openPinchValve`, which checks the pin. */
  constructor(options: PinchValveOptions) {
    this.#gate = new options.Digital({ pin: options.pin.gpio, mode: options.Digital.Output });
    // An ESP32 output starts low, but say so: closed is the only state to start in.
    this.#gate.write(0);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  open(): void {
    if (this.#open) return;
    this.#gate.write(1);
    this.#open = true;
  }

  close(): void {
    if (!this.#open) return;
    this.#gate.write(0);
    this.#open = false;
  }
}

/**
 * Builds the driver, or E103 (FIELD_RANGE) naming the pin map entry when it cannot drive the
 * valve: not a GPIO number, marked active low (a reset would then leave the coil energised
 * and the line open, which is the hazard the valve is there to remove), or refused by the IO
 * layer (on the ESP32 the SDK throws "input only" for an output on GPIO 34-39, and any
 * Digital throws for a pin already in use).
 */
export function openPinchValve(options: PinchValveOptions): Result<PinchValve> {
  const { gpio, activeLow } = options.pin;
  const field = 'hardware/pinmap.json valve';
  if (!Number.isInteger(gpio) || gpio < 0 || gpio > MAX_GPIO) {
    return fail(pumpError('FIELD_RANGE', `${field}: gpio ${String(gpio)} is not a GPIO number (0 to ${MAX_GPIO})`, 'valve.gpio'));
  }
  if (activeLow === true) {
    return fail(
      pumpError(
        'FIELD_RANGE',
        `${field}: activeLow is true, but the valve's MOSFET gate is active high (a reset must leave the coil off and the line closed); wire it as hardware/README.md shows and set activeLow to false`,
        'valve.activeLow',
      ),
    );
  }
  try {
    return ok(new PinchValve(options));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return fail(pumpError('FIELD_RANGE', `${field}: GPIO ${gpio} cannot drive the valve's MOSFET gate (${why}); choose a pin that can be an output`, 'valve.gpio'));
  }
}
