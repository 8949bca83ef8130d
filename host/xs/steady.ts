// The steady-state heap probe, evaluated inside XS (bundled by steady-bundle.ts): the firmware
// alone - the real controller and the real PulseStepper driver - delivering 1 mL/day with a
// flow sensor read every second, on the virtual clock. The IO is stubbed with objects that keep
// nothing (a Digital or PWM that ignores writes, a flow sensor that returns one prepared
// sample), so whatever the heap does is the firmware's own: the virtual rig keeps a record of
// every pulse for its tests and would hide it. host-tests/xs-heap.test.ts drives the probe:
//   "gc"        collects garbage (xsnap's global gc()); the reply's currentHeapCount is then
//               the live heap;
//   "run:<ms>"  runs that much virtual time; the reply's currentHeapCount less the live heap
//               just before is what the run allocated (XS collects only when its heap is full).
// Events go to no subscriber: the probe measures the loop, not a history.

import { createController } from '../../firmware/app/controller';
import library from '../../firmware/app/examples/library.example.json';
import { PulseStepper } from '../../firmware/drivers/pulse-stepper';
import { type FlowRead } from '../../firmware/ports/flow-sensor';
import { VirtualClock } from '../sim/virtual-clock';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const g = globalThis as unknown as { gc(): void; handleCommand: (m: ArrayBuffer) => ArrayBuffer };

const STALL_PIN = 5;

/** A pin that remembers nothing: enough for the driver's outputs and its fault inputs. */
class QuietPin {
  static readonly Output = 'output';
  static readonly Input = 'input';
  static readonly InputPullUp = 'input-pull-up';
  static readonly InputPullDown = 'input-pull-down';
  static readonly Rising = 1;
  static readonly Falling = 2;
  readonly hz = 0;
  readonly resolution = 10;
  readonly #level: 0 | 1;
  constructor(options: { pin: number }) {
    // Each input idles inactive: the active-high stall line low, everything else high.
    this.#level = options.pin === STALL_PIN ? 0 : 1;
  }
  read(): 0 | 1 {
    return this.#level;
  }
  write(_value: number): void {}
  close(): void {}
}

// 1 mL/day is 694 nl/min: the sensor agrees with the pump, so no flow alarm starts.
const SAMPLE: FlowRead = { ok: true, sample: { flowNlPerMin: 694, temperatureCentiC: 2_300, airInLine: false, highFlow: false } };
const flow = { model: 'SLF3S-0600F', fullScaleNlPerMin: 2_000_000, start(): void {}, stop(): void {}, read: (): FlowRead => SAMPLE };

const clock = new VirtualClock();
const stepper = new PulseStepper({
  Digital: QuietPin as never,
  PWM: QuietPin as never,
  timer: clock,
  ticks: clock,
  microseconds: clock.microseconds,
  pins: { step: 1, dir: 2, enable: 3 },
  faultPin: { gpio: 4, activeLow: true },
  stallPin: { gpio: STALL_PIN, activeLow: false },
});
const created = createController(
  { stepper, ticks: clock, timer: clock, flow },
  {
    mechanics: { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
    library,
    reservoirNl: 30_000_000,
    prescription: { name: 'steady', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 1_000_000 },
  },
);
if (!created.ok) throw new Error(`steady: the controller refused its configuration: E${created.error.code}`);
const controller = created.value;
controller.start();

g.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
  const command = decoder.decode(new Uint8Array(message));
  if (command === 'gc') g.gc();
  else if (command.startsWith('run:')) clock.runFor(Number(command.slice(4)));
  else throw new Error(`steady: unknown command ${command}`);
  const s = controller.status();
  return encoder.encode(JSON.stringify({ nowMs: clock.nowMs, deliveredNl: s.deliveredNl, state: s.state, alarms: controller.pump.alarms.list().length })).buffer as ArrayBuffer;
};
