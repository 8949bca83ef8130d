// The device's composition root: the ESP32's IO into PulseStepper, the stepper and clock into
// the controller with the example configuration, and every event to the debug console.

import { formatError } from '../core/errors';
import { type PumpEvent } from '../core/events';
import { Digital, microseconds, PWM, ticks, timer } from '../drivers/esp32-io';
import { PulseStepper } from '../drivers/pulse-stepper';
import pinmap from '../../hardware/pinmap.json';
import library from './examples/library.example.json';
import mechanics from './examples/mechanics.example.json';
import prescription from './examples/prescription.example.json';
import { createController } from './controller';

interface Pin {
  readonly gpio: number;
  readonly activeLow?: boolean;
}

interface PinMap {
  readonly default: string;
  readonly boards: Readonly<Record<string, { readonly pins: Readonly<Record<string, Pin>> }>>;
}

function boardPin(map: PinMap, name: string): Pin {
  const pin = map.boards[map.default]?.pins[name];
  if (pin === undefined) throw new Error(`hardware/pinmap.json: board ${map.default} has no pin "${name}"`);
  return pin;
}

function printEvent(e: PumpEvent): void {
  trace(`${e.at} ${e.type} ${e.reason.code}: ${e.reason.text} ${JSON.stringify(e.data)}\n`);
}

const map: PinMap = pinmap;
const enable = boardPin(map, 'enable');
const stepper = new PulseStepper({
  Digital,
  PWM,
  timer,
  ticks,
  microseconds,
  pins: { step: boardPin(map, 'step').gpio, dir: boardPin(map, 'dir').gpio, enable: enable.gpio },
  enableActiveLow: enable.activeLow ?? true,
});

const created = createController({ stepper, ticks, timer }, { mechanics, library, prescription });
if (created.ok) {
  created.value.subscribe(printEvent);
  created.value.start();
} else {
  // The stepper was built with its power stage off, so nothing moves.
  trace(`not started: ${formatError(created.error)}\n`);
}
