// A pulse-output flow sensor (a turbine or drop counter giving one pulse per fixed volume),
// measured by the time between pulses: flow = nlPerPulse / period, averaged over the last few
// pulses, and zero once no pulse has come for a while.
//
// Only for slow pulse trains, below about 50 Hz. The ESP32's Digital edge interrupt does not
// run JS: it posts a message, and edges that arrive before the JS loop takes it collapse into
// one callback, so a fast train loses pulses and its flow reads low. Each timestamp is also
// taken when JS runs, not at the edge (about 1 ms of jitter), which averaging over several
// pulses keeps small while periods are tens of ms. The first flow comes with the second pulse.
// Faster sensors need PulseWidth (MCPWM
// capture) or a native counter.

import type { DigitalInput, DigitalInputConstructor, InputPin } from '../ports/io';
import type { FlowRead, FlowSensorPort } from '../ports/flow-sensor';

export interface PulseFlowOptions {
  Digital: DigitalInputConstructor;
  /** The pulse input; activeLow (default true) counts falling edges, else rising ones. */
  pin: InputPin;
  /** On the device: `() => Time.microseconds` (monotonic, from boot). */
  microseconds: () => number;
  /** Volume per pulse from the sensor's K-factor, nanolitres (may be fractional). */
  nlPerPulse: number;
  /** Largest flow the sensor is specified for, nl/min. */
  fullScaleNlPerMin: number;
  /** No pulse for this long reads as zero flow; default 5000 ms. */
  zeroAfterMs?: number;
  /** Pulses the flow is averaged over (2 to 16); default 4. */
  averagePulses?: number;
  model?: string;
}

const US_PER_MIN = 60_000_000;

export class PulseFlow implements FlowSensorPort {
  readonly model: string;
  readonly fullScaleNlPerMin: number;

  readonly #input: DigitalInput;
  readonly #microseconds: () => number;
  readonly #nlPerPulse: number;
  readonly #zeroAfterUs: number;
  /** Ring of the newest pulse times (us), allocated once. */
  readonly #times: Float64Array;
  #count = 0;
  #next = 0;
  #started = false;

  constructor(options: PulseFlowOptions) {
    const averagePulses = options.averagePulses ?? 4;
    if (!Number.isInteger(averagePulses) || averagePulses < 2 || averagePulses > 16) {
      throw new RangeError(`pulse flow: averagePulses ${averagePulses} (2 to 16)`);
    }
    if (!(options.nlPerPulse > 0)) throw new RangeError(`pulse flow: nlPerPulse ${options.nlPerPulse}`);
    this.model = options.model ?? 'pulse flow sensor';
    this.fullScaleNlPerMin = options.fullScaleNlPerMin;
    this.#microseconds = options.microseconds;
    this.#nlPerPulse = options.nlPerPulse;
    this.#zeroAfterUs = (options.zeroAfterMs ?? 5_000) * 1_000;
    this.#times = new Float64Array(averagePulses);
    const { Digital } = options;
    const activeLow = options.pin.activeLow ?? true;
    this.#input = new Digital({
      pin: options.pin.gpio,
      mode: activeLow ? Digital.InputPullUp : Digital.InputPullDown,
      edge: activeLow ? Digital.Falling : Digital.Rising,
      onReadable: () => this.#pulse(),
    });
  }

  start(): void {
    this.#started = true;
    this.#count = 0;
    this.#next = 0;
  }

  stop(): void {
    this.#started = false;
  }

  read(): FlowRead {
    if (!this.#started) return { ok: false, fault: 'not-started', detail: `${this.model}: read before start()` };
    const flowNlPerMin = this.#flow(this.#microseconds());
    if (flowNlPerMin > this.fullScaleNlPerMin) {
      return { ok: false, fault: 'implausible', detail: `${this.model}: flow ${flowNlPerMin} nl/min beyond full scale ${this.fullScaleNlPerMin}` };
    }
    return { ok: true, sample: { flowNlPerMin, temperatureCentiC: undefined, airInLine: false, highFlow: false } };
  }

  close(): void {
    this.#started = false;
    this.#input.close();
  }

  #pulse(): void {
    if (!this.#started) return;
    const nowUs = this.#microseconds();
    // After a gap long enough to read as zero, older pulses describe another flow: drop them.
    if (this.#count > 0 && nowUs - this.#newest() >= this.#zeroAfterUs) this.#count = 0;
    this.#times[this.#next] = nowUs;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#count < this.#times.length) this.#count++;
  }

  #newest(): number {
    const size = this.#times.length;
    return this.#times[(this.#next + size - 1) % size]!;
  }

  #flow(nowUs: number): number {
    if (this.#count < 2) return 0;
    const newest = this.#newest();
    const sinceUs = nowUs - newest;
    if (sinceUs >= this.#zeroAfterUs) return 0;
    const size = this.#times.length;
    const spanUs = newest - this.#times[(this.#next + size - this.#count) % size]!;
    const periods = this.#count - 1;
    if (spanUs <= 0) return 0;
    // Overdue by half a period: the flow is at most one pulse over the time since the last, so
    // a stopping flow shows within a period or two instead of only after zeroAfterMs.
    if (2 * sinceUs * periods > 3 * spanUs) return Math.round((this.#nlPerPulse * US_PER_MIN) / sinceUs);
    return Math.round((periods * this.#nlPerPulse * US_PER_MIN) / spanUs);
  }
}
