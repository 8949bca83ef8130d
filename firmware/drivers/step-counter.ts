// The dose guard's independent count of STEP pulses on the ESP32, on the SDK's ECMA-419
// PulseCount (the PCNT peripheral). Read in the SDK (modules/io/pulsecount/esp32/_pulsecount.c,
// 8.2.3): it is a x4 quadrature decoder (channel A counts `signal` edges gated by `control`,
// channel B counts `control` edges gated by `signal`), so a plain STEP train on `signal` with a
// steady `control` nets zero per pulse. Wired as a quadrature pair instead, STEP on `signal`
// and the same STEP delayed by about 1 us on `control` (an RC of 1 kOhm and 1 nF into a
// 74HC14, two stages to keep the polarity: hardware/README.md), every pulse is four edges in
// one order and counts -4, whatever the DIR line says. The delay must stay shorter than the
// STEP high and low times (the drivers' own minimum is 1.9 us for the DRV8825; our pulses are
// tens of us at least), and so must the SDK's default glitch filter (1000 ns on each input).
// Both copies pass through the 74HC14 (the undelayed one through two gates alone), so neither
// input pin touches STEP. The hardware counter holds +/-32767 between reads; `read()` folds it
// into a running total, so at the guard's 10 reads a second up to 81 000 pulses a second are
// counted: four times the fastest step rate the mechanics accept.
// Not run on a board yet (no board here): the sign and the x4 are from the C source above.

import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { StepCounterPort } from '../ports/step-counter';

/** The ECMA-419 PulseCount constructor as the SDK's typings declare it. */
export interface PulseCountConstructor {
  new (options: { signal: number; control: number; onReadable?: () => void }): { read(): number; close?(): void };
}

export interface PcntStepCounterOptions {
  readonly PulseCount: PulseCountConstructor;
  /** The STEP line, read back (a second GPIO wired to the STEP output). */
  readonly signal: number;
  /** The STEP line delayed by about 1 us. */
  readonly control: number;
}

export class PcntStepCounter implements StepCounterPort {
  readonly #pcnt: { read(): number };
  onPulse: (() => void) | undefined = undefined;

  constructor(o: PcntStepCounterOptions) {
    // The SDK arms watch points at -1 and +1 and posts onReadable once per read: the first edge
    // after a read wakes the guard, and nothing does while the line is quiet.
    this.#pcnt = new o.PulseCount({ signal: o.signal, control: o.control, onReadable: () => this.onPulse?.() });
  }

  get count(): number {
    // Four edges a pulse, counted down in this wiring; a partial pulse rounds down.
    return Math.floor(Math.abs(this.#pcnt.read()) / 4);
  }
}

/** The highest GPIO number of the chips the pin map describes (the ESP32-S3's GPIO 48). */
const MAX_GPIO = 48;

/**
 * Builds the counter from the pin map's `stepSense` (signal) and `stepSenseDelayed` (control),
 * or E103 (FIELD_RANGE) naming the entry when it cannot: not a GPIO number, the same pin twice,
 * or refused by the SDK (on the ESP32 "in use" for a pin already open, such as STEP itself;
 * "no pcnt" when every unit is taken; "no hardware" on a chip without PCNT).
 */
export function openPcntStepCounter(o: PcntStepCounterOptions): Result<PcntStepCounter> {
  const field = 'hardware/pinmap.json stepSense/stepSenseDelayed';
  for (const [name, gpio] of [
    ['stepSense', o.signal],
    ['stepSenseDelayed', o.control],
  ] as const) {
    if (!Number.isInteger(gpio) || gpio < 0 || gpio > MAX_GPIO) {
      return fail(pumpError('FIELD_RANGE', `hardware/pinmap.json ${name}: gpio ${String(gpio)} is not a GPIO number (0 to ${MAX_GPIO})`, `${name}.gpio`));
    }
  }
  if (o.signal === o.control) {
    return fail(pumpError('FIELD_RANGE', `${field}: both on GPIO ${o.signal}; the counter needs STEP and its delayed copy on two pins (hardware/README.md)`, 'stepSenseDelayed.gpio'));
  }
  try {
    return ok(new PcntStepCounter(o));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return fail(pumpError('FIELD_RANGE', `${field}: GPIO ${o.signal} and ${o.control} cannot count STEP pulses (${why}); choose two free input pins`, 'stepSense.gpio'));
  }
}
