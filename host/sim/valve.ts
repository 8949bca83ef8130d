// The optional normally-closed pinch valve on the virtual rig: the part on the PinBus (its coil
// follows the MOSFET gate pin while the 12 V rail is up) and the valve's place in the fluid line
// (line.ts asks `PinchSection` whether it is closed and when a close completes). It sits just
// downstream of the flow sensor, ahead of the line's occlusion, leak and disconnection points,
// so closed it stops all of them and the free-flow source. No Node APIs (bundled into XS).

import type { PinBus } from './io-mocks';
import type { FluidLine } from './line';

const FL_PER_NL = 1_000_000;

/** What a real valve does that an ideal one would not, as the line models it. */
export interface PinchValveSpec {
  /**
   * From de-energising to fully pinched, ms. Data sheets of small 12 V solenoid pinch valves
   * give tens of ms (unverified for a given part), and the flyback diode across the coil makes
   * the release slower, not faster: 50 ms. Flow goes on until then.
   */
  readonly closingMs: number;
  /**
   * Volume of the soft tubing under the jaw, nl. Closing squeezes it out, half each way: half
   * leaves through the outlet, half goes back into the line; opening draws it in again, half
   * from the outlet tip (a suck-back) and half from the line. 1/32" (0.79 mm) bore under a
   * 3 mm jaw holds about 1.5 uL (geometry, not measured).
   */
  readonly pinchNl: number;
}

export const DEFAULT_PINCH_VALVE: PinchValveSpec = { closingMs: 50, pinchNl: 1_500 };

/** The valve's state in the line: open, closed, or closing until `closeDueMs`. */
export class PinchSection {
  readonly spec: PinchValveSpec;
  /** Half the pinched volume, fl: what a close pushes out of the outlet. */
  readonly outletShareFl: number;
  /** The other half, fl: what a close pushes back into the line's compliance. */
  readonly lineShareFl: number;
  #closed = true;
  #closeDueMs: number | undefined;

  constructor(spec: PinchValveSpec) {
    if (!(spec.closingMs >= 0 && Number.isFinite(spec.closingMs))) throw new RangeError(`valve closingMs ${spec.closingMs}`);
    if (!(spec.pinchNl >= 0 && Number.isFinite(spec.pinchNl))) throw new RangeError(`valve pinchNl ${spec.pinchNl}`);
    this.spec = spec;
    const pinchFl = Math.round(spec.pinchNl * FL_PER_NL);
    this.outletShareFl = Math.floor(pinchFl / 2);
    this.lineShareFl = pinchFl - this.outletShareFl;
  }

  /** Pinched shut: no flow past it (a valve still closing counts as open). */
  get closed(): boolean {
    return this.#closed;
  }

  /** When a close under way completes (ms), if one is. */
  get closeDueMs(): number | undefined {
    return this.#closeDueMs;
  }

  /**
   * The coil was energised (true) or de-energised at `atMs`. Returns 'opened' when the line must
   * apply an opening now; a close only starts (the line completes it at `closeDueMs`).
   */
  command(atMs: number, energised: boolean): 'opened' | undefined {
    if (energised) {
      // Re-energised before it finished closing: the jaw goes back, nothing was pinched.
      this.#closeDueMs = undefined;
      if (!this.#closed) return undefined;
      this.#closed = false;
      return 'opened';
    }
    if (!this.#closed && this.#closeDueMs === undefined) this.#closeDueMs = atMs + this.spec.closingMs;
    return undefined;
  }

  /** The line reached `closeDueMs`: the valve is shut. */
  completeClose(): void {
    this.#closeDueMs = undefined;
    this.#closed = true;
  }
}

export interface VirtualValveOptions {
  readonly bus: PinBus;
  /** The MOSFET gate's GPIO (pin map `valve`). */
  readonly pin: number;
  readonly line: FluidLine;
  readonly spec?: PinchValveSpec;
}

/**
 * The valve as wired: the coil is energised while the gate pin is high and the 12 V rail is up.
 * It starts de-energised (closed): the gate's pull-down holds it off until firmware drives it.
 */
export class VirtualValve {
  readonly #line: FluidLine;
  #gate: 0 | 1 = 0;
  #powered = true;
  /** What the line was last told: the coil's state as the line sees it. */
  #commanded = false;
  #switches = 0;

  constructor(options: VirtualValveOptions) {
    this.#line = options.line;
    options.line.fitValve(new PinchSection(options.spec ?? DEFAULT_PINCH_VALVE));
    options.bus.subscribe((pin, kind, value, _hz, atMs) => {
      if (pin !== options.pin) return;
      // A PWM on the gate would be a wiring mistake; any duty above 0 energises the coil.
      this.#gate = (kind === 'digital' ? value === 1 : value > 0) ? 1 : 0;
      this.#apply(atMs);
    });
  }

  /** The coil is energised now. */
  get energised(): boolean {
    return this.#gate === 1 && this.#powered;
  }

  /** The line is pinched shut now (the line's own view, closing time included). */
  get closed(): boolean {
    return this.#line.valveClosed;
  }

  /** Times the coil was switched on or off. */
  get switches(): number {
    return this.#switches;
  }

  /** The 12 V rail (and the board) lose power at `atMs`: the spring closes the valve. */
  powerCut(atMs: number): void {
    this.#powered = false;
    this.#apply(atMs);
  }

  #apply(atMs: number): void {
    const now = this.energised;
    if (now === this.#commanded) return;
    this.#commanded = now;
    this.#switches++;
    this.#line.commandValve(atMs, now);
  }
}
