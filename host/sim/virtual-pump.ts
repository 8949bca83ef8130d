// The virtual board: the firmware's controller and pulse driver on mock pins, a virtual clock,
// and the virtual rig counting what reaches the motor. Tests, benchmarks and `npm start` all
// build the pump this way. No Node imports: it is bundled into the XS engine later.

import pinmap from '../../hardware/pinmap.json';
import { Controller, type ControllerConfig, createController } from '../../firmware/app/controller';
import { formatError, type PumpError } from '../../firmware/core/errors';
import { type PumpEvent } from '../../firmware/core/events';
import { readMechanics } from '../../firmware/core/mechanics';
import { PulseStepper } from '../../firmware/drivers/pulse-stepper';
import { createIoMocks, PinBus } from './io-mocks';
import { VirtualRig } from './rig';
import { VirtualClock } from './virtual-clock';

export interface VirtualPumpOptions extends ControllerConfig {
  /** Tick counter at start: start near 2^32 to cross the wrap early. */
  readonly startTick?: number;
  /** The rig's true volume per microstep (default: the firmware's own figure, ideal mechanics). */
  readonly trueFlPerMicrostep?: number;
  /** Keep every event in `events` (default true; long benchmarks turn it off). */
  readonly keepEvents?: boolean;
}

const board = pinmap.boards[pinmap.default as keyof typeof pinmap.boards];
export const SIM_PINS = { step: board.pins.step.gpio, dir: board.pins.dir.gpio, enable: board.pins.enable.gpio };

export interface VirtualPump {
  readonly clock: VirtualClock;
  readonly rig: VirtualRig;
  readonly stepper: PulseStepper;
  readonly controller: Controller;
  /** Every event the firmware published, oldest first. */
  readonly events: PumpEvent[];
  /** Monotonic ms the rig counted each microstep at. */
  readonly pulseTimes: number[];
  /** Runs the virtual clock forward by `ms` (timers due at the end run too). */
  runFor(ms: number): void;
  /** Virtual ms since the pump was created. */
  readonly nowMs: number;
}

/** The firmware refused the configuration: `error` is its numbered error. */
export class ConfigRefused extends Error {
  readonly error: PumpError;
  constructor(error: PumpError) {
    super(formatError(error));
    this.error = error;
  }
}

/** Builds and starts a virtual pump; a refused configuration throws ConfigRefused. */
export function createVirtualPump(options: VirtualPumpOptions): VirtualPump {
  const mechanics = readMechanics(options.mechanics);
  if (!mechanics.ok) throw new ConfigRefused(mechanics.error);
  const clock = new VirtualClock(options.startTick === undefined ? {} : { startTick: options.startTick });
  const bus = new PinBus();
  const io = createIoMocks(clock, bus, { historyLimit: 16 });
  const rig = new VirtualRig({
    bus,
    clock,
    pins: SIM_PINS,
    enableActiveLow: board.pins.enable.activeLow,
    flPerMicrostep: options.trueFlPerMicrostep ?? mechanics.value.flPerMicrostep,
    reservoirNl: options.reservoirNl ?? mechanics.value.syringe.capacityNl,
    pulseLogLimit: 10_000_000,
  });
  const stepper = new PulseStepper({
    Digital: io.Digital,
    PWM: io.PWM,
    timer: clock,
    ticks: clock,
    microseconds: clock.microseconds,
    pins: SIM_PINS,
    enableActiveLow: board.pins.enable.activeLow,
  });
  const created = createController({ stepper, ticks: clock, timer: clock }, options);
  if (!created.ok) throw new ConfigRefused(created.error);
  const controller = created.value;
  const events: PumpEvent[] = [];
  if (options.keepEvents !== false) controller.subscribe((e) => events.push(e));
  controller.start();
  return {
    clock,
    rig,
    stepper,
    controller,
    events,
    get pulseTimes() {
      return rig.pulseTimes;
    },
    get nowMs() {
      return clock.nowMs;
    },
    runFor(ms: number) {
      clock.runFor(ms);
    },
  };
}
