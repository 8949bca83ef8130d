// The one composition root: the board's IO classes and clocks in, a running pump out. The
// device (main.ts, the ESP32's IO), the virtual board and simulator (host/sim/virtual-pump.ts,
// host/board/core.ts, mock IO on a virtual clock) and the Linux targets (host/lin/main.ts,
// through the virtual pump) all call assemble(), so the glue between the drivers and the
// controller (which parts are fitted, refusing to start on a pin that cannot be driven, the
// restart policy, the programming link with its keys and lockout in NVS, the service pin
// at boot and the service button's debounce) is one copy, run by the host's tests as well.
// Nothing here imports a platform module: what differs between builds comes in as arguments.

import type { PumpError, Result } from '../core/errors';
import { ok } from '../core/errors';
import type { PumpEvent } from '../core/events';
import { reason } from '../core/events';
import { BuzzerLed } from '../drivers/annunciator';
import { AdcBattery } from '../drivers/battery-adc';
import { EndStops } from '../drivers/end-stops';
import { Hx711Force } from '../drivers/hx711';
import type { PinchValve } from '../drivers/pinch-valve';
import { openPinchValve } from '../drivers/pinch-valve';
import { PulseStepper } from '../drivers/pulse-stepper';
import { Sf06Flow } from '../drivers/sf06-lf';
import type { PulseCountConstructor } from '../drivers/step-counter';
import { openPcntStepCounter } from '../drivers/step-counter';
import { Uart } from '../drivers/uart';
import type { Entropy, KeyStore } from '../ports/auth';
import type { Digest } from '../ports/digest';
import type { FlashPartition } from '../ports/flash';
import type { FlowSensorPort } from '../ports/flow-sensor';
import type { AnalogConstructor, DigitalConstructor, DigitalInputConstructor, I2cConstructor, PwmConstructor, SerialConstructor } from '../ports/io';
import type { KeyValueStore } from '../ports/kv-store';
import type { StepCounterPort } from '../ports/step-counter';
import type { StepperPort } from '../ports/stepper';
import type { TickSource, TimerService } from '../ports/timebase';
import type { Auth } from '../protocol/auth';
import { ProtocolLink } from '../protocol/link';
import { nativeAtBoot, SerialRouter, storedNeBaud } from '../protocol/ne1000/router';
import { Persistence, StoredKeys } from '../storage/persistence';
import type { BoardPin } from './board';
import { boardPin } from './board';
import { bootController } from './boot';
import type { Controller, ControllerConfig, ControllerPorts } from './controller';
import { createController } from './controller';
import { createAuth, physicalPresence, servicePinAtBoot } from './security';

/** The firmware's version, the one copy: VERSION and INFO answer it, NE-1000's VER its major.minor. */
export const FIRMWARE_VERSION = '0.1.0';

/** Load-cell scale for a 5 kg cell at gain 128 (about 2 counts per mN): calibrate yours (hardware/README.md). */
export const HX711_MN_PER_COUNT = 0.5;

/** Service button presses within this long of the last are contact bounce, not a second press. */
export const SERVICE_DEBOUNCE_MS = 500;

/** The board's IO classes and clocks: the SDK's on the ESP32 (drivers/esp32-io.ts), mocks on the host. */
export interface BoardIo {
  readonly Digital: DigitalConstructor & DigitalInputConstructor;
  readonly PWM: PwmConstructor;
  readonly I2C: I2cConstructor;
  readonly Analog: AnalogConstructor;
  /** The PCNT, for the dose guard's own count of the STEP line (unless `parts.stepCounter`). */
  readonly PulseCount?: PulseCountConstructor;
  /** The programming UART's class (unless `programming.transport`). */
  readonly Serial?: SerialConstructor;
  readonly timer: TimerService;
  readonly ticks: TickSource;
  /** A finer clock for timing the stepper's PWM runs, where the image has one. */
  readonly microseconds?: (() => number) | undefined;
}

/** Which optional parts are built in; by default what the pin map says (`fitted: false` leaves one out). */
export interface Fitted {
  /** The SF06 flow sensor (default true). */
  readonly flow?: boolean;
  /** The HX711 load cell on the pusher (default: the pin map's hx711Sck). */
  readonly loadCell?: boolean;
  /** The buzzer and LED (default true). */
  readonly annunciator?: boolean;
  /** The normally-closed pinch valve (default: the pin map's valve). */
  readonly valve?: boolean;
}

/** What a caller may put in place of a part (the virtual rig's fault injection and its own counter). */
export interface PartOverrides {
  /** The controller drives this port instead of the driver (a driver that misreports, in tests). */
  readonly stepper?: (driver: PulseStepper) => StepperPort;
  /** The controller reads this port instead of the driver (the virtual rig's sensor faults). */
  readonly flow?: (driver: Sf06Flow) => FlowSensorPort;
  /** A step counter of the caller's own, instead of the PCNT opened from `io.PulseCount`. */
  readonly stepCounter?: StepCounterPort;
}

/**
 * The programming link's line, as the UART driver offers it (drivers/uart.ts). A caller
 * without a UART (the virtual board's pty) gives an object of its own.
 */
export interface LineTransport {
  /** Text out, CRLF included. */
  write(text: string): void;
  /** Raw bytes out (NE-1000 packets carry STX, ETX and a CRC). */
  writeBytes(bytes: Uint8Array): void;
  /** Set here: the bytes that came in. */
  onBytes: ((bytes: Uint8Array) => void) | undefined;
  /** Set here: queued output moved on, so there is room again. */
  onRoom?: (() => void) | undefined;
  /** Bytes free in the output queue; without it, output is taken as unbounded. */
  readonly outputRoom?: number;
  /** Empties the receive FIFO now (a dispatcher calls it between lines). */
  poll?(): void;
}

export interface ProgrammingWiring {
  /** The nonces' source (seeded from hardware on the device, from the host's seed on the virtual board). */
  readonly entropy: Entropy;
  /** The SDK's native SHA-256 on the device, @noble/hashes on the host. */
  readonly digest: Digest;
  /** The line; default the UART on the pin map's uartRx/uartTx (UART 1) from `io.Serial`, at the stored NE-1000 baud. */
  readonly transport?: LineTransport;
}

export interface AssembleOptions {
  readonly io: BoardIo;
  /** The pin map; default hardware/pinmap.json's board (board.ts). */
  readonly pin?: (name: string) => BoardPin;
  readonly fitted?: Fitted;
  readonly parts?: PartOverrides;
  /** What a new board boots with (the examples on the device). */
  readonly config: ControllerConfig;
  /**
   * NVS and the log's flash partition: with them the pump boots from what they hold, applies
   * the restart policy (boot.ts) and records as it runs. Without (short host runs), it starts
   * from `config` alone.
   */
  readonly storage?: { readonly kv: KeyValueStore; readonly flash?: FlashPartition | undefined };
  /** Every event the pump publishes, from the first (the boot alarms) on. */
  readonly onEvent?: (e: PumpEvent) => void;
  /** Runs once the controller exists and before it starts (its first timers are set). */
  readonly beforeStart?: (c: Controller) => void;
  /** The programming link (needs `storage`: its keys and AUTH lockout live in NVS). */
  readonly programming?: ProgrammingWiring;
}

/** The drivers as built (the controller may see some through an override). */
export interface Parts {
  readonly stepper: PulseStepper;
  readonly flow: Sf06Flow | undefined;
  readonly battery: AdcBattery;
  readonly endStops: EndStops;
  readonly annunciator: BuzzerLed | undefined;
  readonly force: Hx711Force | undefined;
  readonly valve: PinchValve | undefined;
  readonly stepCounter: StepCounterPort | undefined;
}

/** The programming side: AUTH, the keys it checks against, the link and the UART's mode. */
export interface Programming {
  readonly auth: Auth;
  readonly keys: KeyStore;
  readonly link: ProtocolLink;
  readonly router: SerialRouter;
  readonly transport: LineTransport;
}

export interface Assembly {
  readonly controller: Controller;
  readonly parts: Parts;
  readonly persistence: Persistence | undefined;
  readonly programming: Programming | undefined;
  /** The service button after boot (an edge input; close it to stop listening). */
  readonly serviceButton: { close(): void };
}

/** One event as a line of the debug console (the device's trace, the Linux targets' stdout). */
export function eventLine(e: PumpEvent): string {
  return `${e.at} ${e.type} ${e.reason.code}: ${e.reason.text} ${JSON.stringify(e.data)}`;
}

/**
 * Builds the drivers on `io`, boots the controller, and wires the service button and the
 * programming link. A part the pin map places where it cannot be driven (the valve's gate,
 * the step counter's PCNT) is a numbered error and nothing starts: the stepper was opened with
 * its power stage off, so nothing moves.
 */
export function assemble(o: AssembleOptions): Result<Assembly> {
  // Every pin by name from the pin map (or the caller's): host/hardware/check.ts follows these
  // wrappers of boardPin to check each name asked for is on every board.
  const pin = (name: string): BoardPin => (o.pin ? o.pin(name) : boardPin(name));
  const built = buildParts(o, pin);
  if (!built.ok) return built;
  const { parts, ports } = built.value;

  const persistence = o.storage ? new Persistence(o.storage.kv, o.storage.flash) : undefined;
  const beforeStart = (c: Controller): void => {
    if (o.onEvent) c.subscribe(o.onEvent);
    o.beforeStart?.(c);
  };
  let created: Result<Controller>;
  if (persistence) created = bootController(ports, o.config, persistence, beforeStart);
  else {
    created = createController(ports, o.config);
    if (created.ok) {
      beforeStart(created.value);
      created.value.start();
    }
  }
  if (!created.ok) return created;
  const controller = created.value;

  // In the device's order: AUTH, the service pin read at boot, the button, then the line.
  const service = pin('service');
  const activeLevel = (service.activeLow ?? true) ? 0 : 1;
  let secured: { auth: Auth; keys: KeyStore } | undefined;
  if (o.programming) {
    if (!persistence) throw new Error('assemble: the programming link needs storage (its keys and AUTH lockout are kept in NVS)');
    const keys = new StoredKeys(persistence.records);
    // AUTH's lockout is kept in NVS: a power cycle does not clear it (security.ts).
    const auth = createAuth({ controller, entropy: o.programming.entropy, digest: o.programming.digest, keys, records: persistence.records });
    // Held at boot: keys may be set without a session for 120 s, and an AUTH lockout is cleared.
    const atBoot = new o.io.Digital({ pin: service.gpio, mode: o.io.Digital.InputPullUp });
    const held = atBoot.read() === activeLevel;
    atBoot.close();
    if (held) servicePinAtBoot(auth, controller);
    // And it brings back the native protocol, before the UART opens (docs/ne1000.md).
    if (held && nativeAtBoot(persistence.records)) {
      controller.note('security', reason('LINK_MODE_SET', 'the service button held at boot set the UART to native'), { mode: 'native' });
    }
    secured = { auth, keys };
  }
  const serviceButton = watchServiceButton(o.io, service, activeLevel, controller, secured?.auth);
  const programming = secured && persistence ? { ...secured, ...openLink(o, pin, controller, secured.auth, persistence) } : undefined;
  return ok({ controller, parts, persistence, programming, serviceButton });
}

/**
 * After boot, a press of the service button acknowledges the active alarms: a person at the
 * rig can clear UNEXPECTED_RESET (or any alarm whose cause is gone) without a programmer. It
 * clears an AUTH lockout too (physical presence: someone failing AUTH on purpose cannot keep
 * clinicians out). Presses within SERVICE_DEBOUNCE_MS of the last are contact bounce: one
 * press must never count twice.
 */
function watchServiceButton(io: BoardIo, service: BoardPin, activeLevel: 0 | 1, controller: Controller, auth: Auth | undefined): { close(): void } {
  let lastPress = -2 * SERVICE_DEBOUNCE_MS;
  return new io.Digital({
    pin: service.gpio,
    mode: io.Digital.InputPullUp,
    edge: activeLevel === 0 ? io.Digital.Falling : io.Digital.Rising,
    onReadable: () => {
      const now = controller.now();
      if (now - lastPress < SERVICE_DEBOUNCE_MS) return;
      lastPress = now;
      if (auth) physicalPresence(auth, controller);
      if (controller.pump.alarms.list().length > 0) controller.acknowledge();
    },
  });
}

/** The UART on the pin map's pins, at the NE-1000 mode's stored baud rate when that mode is on. */
function openUart(io: BoardIo, pin: (name: string) => BoardPin, persistence: Persistence): Uart {
  if (!io.Serial) throw new Error('assemble: the programming link needs io.Serial or a transport');
  return new Uart({ Serial: io.Serial, port: 1, receive: pin('uartRx').gpio, transmit: pin('uartTx').gpio, ...storedNeBaud(persistence.records) });
}

/** The native link and the NE-1000 router on one line; the line's callbacks are set here. */
function openLink(
  o: AssembleOptions,
  pin: (name: string) => BoardPin,
  controller: Controller,
  auth: Auth,
  persistence: Persistence,
): { link: ProtocolLink; router: SerialRouter; transport: LineTransport } {
  const t = o.programming?.transport ?? openUart(o.io, pin, persistence);
  const link = new ProtocolLink({
    controller,
    auth,
    firmwareVersion: FIRMWARE_VERSION,
    // CRLF: every terminal shows it as a line, without a staircase.
    write: (line) => t.write(`${line}\r\n`),
    // Replies only as the output queue has room, and the RX FIFO emptied between lines.
    ...(t.outputRoom !== undefined && { outputRoom: () => t.outputRoom ?? 0 }),
    ...(t.poll && { pollInput: () => t.poll?.() }),
    // LOG reads the flash log through the link (pumpctl log, plot): present once boot opened it.
    ...(persistence.log && { log: persistence.log }),
  });
  // The native protocol, or the NE-1000 one when the stored mode says so (docs/ne1000.md).
  const router = new SerialRouter({ controller, link, records: persistence.records, timer: o.io.timer, writeBytes: (b) => t.writeBytes(b), firmwareVersion: FIRMWARE_VERSION });
  t.onBytes = (bytes) => router.receive(bytes);
  t.onRoom = () => link.outputDrained();
  return { link, router, transport: t };
}

/** The drivers, in the order the device opens them, and the ports the controller gets. */
function buildParts(o: AssembleOptions, pin: (name: string) => BoardPin): Result<{ parts: Parts; ports: ControllerPorts }> {
  const { io } = o;
  const gpio = (name: string): number => (o.pin ? o.pin(name) : boardPin(name)).gpio;
  const enable = pin('enable');
  const divider = pin('battery').divider ?? [2, 1];
  const fitted = o.fitted ?? {};

  const stepper = new PulseStepper({
    Digital: io.Digital,
    PWM: io.PWM,
    timer: io.timer,
    ticks: io.ticks,
    microseconds: io.microseconds,
    pins: { step: gpio('step'), dir: gpio('dir'), enable: enable.gpio },
    enableActiveLow: enable.activeLow ?? true,
    faultPin: pin('fault'),
    stallPin: pin('stall'),
  });
  const flow = fitted.flow === false ? undefined : new Sf06Flow({ I2C: io.I2C, data: gpio('i2cSda'), clock: gpio('i2cScl'), model: 'SLF3S-0600F' });
  const battery = new AdcBattery({ Analog: io.Analog, pin: gpio('battery'), divider: { numerator: divider[0]!, denominator: divider[1]! } });
  const endStops = new EndStops({ Digital: io.Digital, pins: { syringeEmpty: pin('syringeEmpty'), plungerHome: pin('plungerHome') } });
  const annunciator = fitted.annunciator === false ? undefined : new BuzzerLed({ PWM: io.PWM, Digital: io.Digital, timer: io.timer, pins: { buzzer: gpio('buzzer'), led: gpio('led') } });
  const force =
    (fitted.loadCell ?? pin('hx711Sck').fitted !== false)
      ? new Hx711Force({ Digital: io.Digital, pins: { sck: gpio('hx711Sck'), dout: gpio('hx711Dout') }, ticks: io.ticks, scaleMilliNewtonPerCount: HX711_MN_PER_COUNT })
      : undefined;
  // The normally-closed pinch valve, where built in: a pin map entry that cannot drive its gate
  // is a numbered error, and delivery does not start (the valve, unpowered, stays shut).
  const valve = (fitted.valve ?? pin('valve').fitted !== false) ? openPinchValve({ Digital: io.Digital, pin: pin('valve') }) : ok(undefined);
  // The dose guard's own count of the STEP pulses (PCNT on STEP and its 1 us delayed copy,
  // hardware/README.md): part of every rig built per the BOM, so not optional on the device. A
  // pin map entry the PCNT cannot use is a numbered error, and delivery does not start.
  const counted: Result<StepCounterPort | undefined> = o.parts?.stepCounter
    ? ok(o.parts.stepCounter)
    : io.PulseCount
      ? openPcntStepCounter({ PulseCount: io.PulseCount, signal: gpio('stepSense'), control: gpio('stepSenseDelayed') })
      : ok(undefined);
  const refused: { ok: false; error: PumpError } | undefined = !valve.ok ? valve : !counted.ok ? counted : undefined;
  if (refused) return refused;
  const valveDriver = valve.ok ? valve.value : undefined;
  const stepCounter = counted.ok ? counted.value : undefined;

  const parts: Parts = { stepper, flow, battery, endStops, annunciator, force, valve: valveDriver, stepCounter };
  const ports: ControllerPorts = {
    stepper: o.parts?.stepper ? o.parts.stepper(stepper) : stepper,
    ticks: io.ticks,
    timer: io.timer,
    ...(flow && { flow: o.parts?.flow ? o.parts.flow(flow) : flow }),
    battery,
    endStops,
    ...(annunciator && { annunciator }),
    ...(force && { force }),
    ...(valveDriver && { valve: valveDriver }),
    ...(stepCounter && { stepCounter }),
  };
  return ok({ parts, ports });
}
