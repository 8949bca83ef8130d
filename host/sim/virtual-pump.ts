// The virtual board: the firmware's controller and drivers on mock IO, a virtual clock, and
// the virtual rig: pulses move the plunger, the plunger pushes into a fluid line with
// compliance and resistance, and the sensors read that line. Faults are injected on a
// schedule. Tests, benchmarks and `npm start` all build the pump this way. No Node imports:
// it is bundled into the XS engine later.

import type { Programming, ProgrammingWiring } from '../../firmware/app/assemble';
import { assemble, HX711_MN_PER_COUNT } from '../../firmware/app/assemble';
import { boardPin } from '../../firmware/app/board';
import type { Controller, ControllerConfig } from '../../firmware/app/controller';
import type { FlashPartition } from '../../firmware/ports/flash';
import type { KeyValueStore } from '../../firmware/ports/kv-store';
import type { StepperPort } from '../../firmware/ports/stepper';
import type { Persistence } from '../../firmware/storage/persistence';
import type { PumpError } from '../../firmware/core/errors';
import { formatError } from '../../firmware/core/errors';
import type { PumpEvent } from '../../firmware/core/events';
import { readMechanics } from '../../firmware/core/mechanics';
import type { BuzzerLed } from '../../firmware/drivers/annunciator';
import type { PulseStepper } from '../../firmware/drivers/pulse-stepper';
import type { Sf06Flow } from '../../firmware/drivers/sf06-lf';
import { FaultSchedule } from './fault-schedule';
import { createIoMocks, PinBus } from './io-mocks';
import type { FluidLineOptions } from './line';
import { FluidLine } from './line';
import { connectLine } from './line-connection';
import { VirtualRig } from './rig';
import type { RigMechanicsErrors } from './rig-mechanics';
import { rigMechanicsFor } from './rig-mechanics';
import type { FlowZeroErrors } from './sensor-flow-errors';
import { createAnalogMocks, Hx711Device, I2cBus, Sf06Device } from './sensor-mocks';
import { BatteryModel, DriveFaultModel, FlowSensorModel, ForceModel } from './sensor-models';
import type { PinchValveSpec } from './valve';
import { VirtualValve } from './valve';
import type { LateTimerOptions } from './virtual-clock';
import { VirtualClock } from './virtual-clock';

export interface VirtualPumpOptions extends ControllerConfig {
  /** Tick counter at start: start near 2^32 to cross the wrap early. */
  readonly startTick?: number;
  /** `ticks` signed as on the ESP32 (negative from 2^31 ms): see VirtualClockOptions. */
  readonly signedTicks?: boolean;
  /** The rig's true volume per microstep (default: the firmware's own figure, ideal mechanics). */
  readonly trueFlPerMicrostep?: number;
  /** Real mechanics errors on the geometry (rig-mechanics-draw.ts draws them); default ideal. */
  readonly mechanicsErrors?: RigMechanicsErrors;
  /** Keep every event in `events` (default true; long benchmarks turn it off). */
  readonly keepEvents?: boolean;
  /** Faults such as `occlusion@2h` (host/sim/faults.ts). */
  readonly faults?: readonly string[];
  /** Seed of every noise source (default 1). */
  readonly seed?: number;
  /**
   * Timer callbacks late as on the ESP32 (tick and stalls, host/sim/late-timers.ts), seeded
   * from `seed`. Default false for now: with it on, 16 exact-ms assertions of other suites break
   * (issue 13 report); the bench's delivery figures and late-stop.test.ts turn it on.
   */
  readonly lateTimers?: boolean | LateTimerOptions;
  readonly line?: FluidLineOptions;
  /** Flow sensor noise, nl/min rms at 1 s (default: the model's). */
  readonly flowNoiseNlPerMin?: number;
  /** The flow sensor's zero errors within its datasheet (sensor-flow-errors.ts draws them); default the model's small drift. */
  readonly flowZeroErrors?: FlowZeroErrors;
  /** Fit a load cell on the pusher (default false: its 10 Hz conversions slow long runs). */
  readonly loadCell?: boolean;
  /** Fit the buzzer and LED (default false, for the same reason). */
  readonly annunciator?: boolean;
  /**
   * Fit the normally-closed pinch valve past the flow sensor, with its driver on the `valve`
   * pin (default false: the rig as the BOM builds it has none; hardware/README.md). A spec
   * instead of true changes its closing time and pinch volume (host/sim/valve.ts).
   */
  readonly valve?: boolean | PinchValveSpec;
  /** Non-volatile storage: with it the pump boots from what it holds, and records as it runs. */
  readonly storage?: KeyValueStore;
  /** The raw flash partition for the event and delivery log (with `storage`). */
  readonly flash?: FlashPartition;
  /**
   * Fault injection for the dose guard's tests: the controller gets this port instead of the
   * driver (a driver that misreports, runs away or repeats segments). The rig still counts
   * what really reaches the STEP line.
   */
  readonly wrapStepper?: (driver: PulseStepper) => StepperPort;
  /** A step counter that counts nothing (its buffer unpowered): the guard would be blind. */
  readonly deadStepCounter?: boolean;
  /** Fit the flow sensor (default true); without it the guard's tests see the guard alone. */
  readonly flowSensor?: boolean;
  /** Charge already used from the battery at the start (fraction, default 0). */
  readonly batteryUsedFraction?: number;
  /**
   * The programming link as the device wires it (firmware/app/assemble.ts), on this entropy,
   * digest and line; needs `storage` (keys and the AUTH lockout live in NVS).
   */
  readonly programming?: ProgrammingWiring;
  /** The service pin held down through the boot (the provisioning window, with `programming`). */
  readonly serviceHeldAtBoot?: boolean;
}

/** The firmware refused the configuration: `error` is its numbered error. */
export class ConfigRefused extends Error {
  readonly error: PumpError;
  constructor(error: PumpError) {
    super(formatError(error));
    this.error = error;
  }
}

const pin = (name: string): number => boardPin(name).gpio;
const DIVIDER = boardPin('battery').divider ?? [2, 1];
/** The firmware's scale (assemble.ts), as the load cell's model counts. */
const HX711_COUNTS_PER_MN = 1 / HX711_MN_PER_COUNT;

export const SIM_PINS = { step: pin('step'), dir: pin('dir'), enable: pin('enable') };

export interface VirtualPump {
  readonly clock: VirtualClock;
  readonly rig: VirtualRig;
  readonly line: FluidLine;
  readonly flowModel: FlowSensorModel;
  readonly battery: BatteryModel;
  readonly drive: DriveFaultModel;
  readonly forceModel: ForceModel | undefined;
  /** The load cell's amplifier, where fitted (its `unplugged` switch injects a fault). */
  readonly hx711: Hx711Device | undefined;
  readonly annunciator: BuzzerLed | undefined;
  /** The pinch valve on the line, where fitted (its `powerCut` drops the 12 V rail). */
  readonly valve: VirtualValve | undefined;
  readonly stepper: PulseStepper;
  readonly controller: Controller;
  readonly persistence: Persistence | undefined;
  /** AUTH, the keys, the link and the router, with `programming` in the options. */
  readonly programming: Programming | undefined;
  readonly faults: FaultSchedule;
  readonly bus: PinBus;
  /** Every event the firmware published, oldest first. */
  readonly events: PumpEvent[];
  /** Monotonic ms the rig counted each microstep at. */
  readonly pulseTimes: number[];
  /** Runs the virtual clock forward by `ms` (timers due at the end run too). */
  runFor(ms: number): void;
  /** Virtual ms since the pump was created. */
  readonly nowMs: number;
}

/** Builds and starts a virtual pump; a refused configuration throws ConfigRefused. */
export function createVirtualPump(options: VirtualPumpOptions): VirtualPump {
  const mechanics = readMechanics(options.mechanics);
  if (!mechanics.ok) throw new ConfigRefused(mechanics.error);
  const seed = options.seed ?? 1;
  const late = options.lateTimers ?? false;
  const lateTimers = late === false ? undefined : late === true ? { seed } : late;
  const clock = new VirtualClock({ ...(options.startTick !== undefined && { startTick: options.startTick }), signedTicks: options.signedTicks === true, ...(lateTimers && { lateTimers }) });
  const bus = new PinBus();
  const io = createIoMocks(clock, bus, { historyLimit: 16 });
  const enableActiveLow = boardPin('enable').activeLow ?? true;
  const rig = new VirtualRig({
    bus,
    clock,
    pins: SIM_PINS,
    enableActiveLow,
    flPerMicrostep: options.trueFlPerMicrostep ?? (options.mechanicsErrors ? mechanics.value.geometryFlPerMicrostep : mechanics.value.flPerMicrostep),
    ...(options.mechanicsErrors && { mechanics: rigMechanicsFor(options.mechanicsErrors, mechanics.value, () => line.pressureKpa) }),
    reservoirNl: options.reservoirNl ?? mechanics.value.syringe.capacityNl,
    pulseLogLimit: 10_000_000,
  });

  // The fluid path and what the sensors make of it.
  const line = new FluidLine({ ...options.line, startMs: clock.nowMs });
  const drive = new DriveFaultModel();
  connectLine(line, rig, { stalled: () => drive.motionBlocked });
  const flowModel = new FlowSensorModel({
    line,
    seed,
    ...(options.flowNoiseNlPerMin !== undefined && { noiseSigmaNlPerMin: options.flowNoiseNlPerMin }),
    ...(options.flowZeroErrors && { zeroErrors: options.flowZeroErrors }),
  });
  const battery = new BatteryModel({ usedFraction: options.batteryUsedFraction ?? 0, startMs: clock.nowMs });
  rig.onPulses((b) => battery.addMicrosteps(b.count));
  const i2c = new I2cBus();
  const sf06 = new Sf06Device({ model: 'SLF3S-0600F', source: () => flowModel.sample(clock.nowMs) });
  i2c.attach(0x08, sf06);
  // The device mock applies the model's fault switches at each read.
  const syncSensorFaults = (): void => {
    sf06.unplugged = flowModel.unplugged;
    sf06.corruptCrc = flowModel.crcError;
    sf06.stuck = flowModel.stuck;
  };
  const analog = createAnalogMocks({ [pin('battery')]: () => Math.round((battery.millivolts(clock.nowMs) * DIVIDER[1]!) / DIVIDER[0]!) });

  // Fault and stall lines follow the drive model (active levels from the pin map).
  const setLine = (name: 'fault' | 'stall', active: boolean): void => {
    const p = boardPin(name);
    bus.setInput(p.gpio, active === !(p.activeLow ?? true) ? 1 : 0);
  };
  setLine('fault', false);
  setLine('stall', false);
  drive.onChange = (s) => {
    setLine('stall', s.stalled);
    setLine('fault', s.driverFault);
  };
  bus.setInput(pin('syringeEmpty'), 1);
  bus.setInput(pin('plungerHome'), 1);

  // The load cell's amplifier and the valve as parts on the line, where fitted; the firmware's
  // drivers for them are opened in assemble(), on these pins.
  let forceModel: ForceModel | undefined;
  let hx711: Hx711Device | undefined;
  if (options.loadCell) {
    // With real mechanics the load cell feels the stopper the drive has (its stick-slip).
    const train = rig.mechanics;
    const fm = new ForceModel({ line, boreDiameterUm: mechanics.value.syringe.innerDiameterUm, seed, ...(train && { sealMn: () => train.sealForceMn }) });
    forceModel = fm;
    hx711 = new Hx711Device({ bus, timer: clock, pins: { sck: pin('hx711Sck'), dout: pin('hx711Dout') }, source: () => fm.sample(clock.nowMs), countsPerMilliNewton: HX711_COUNTS_PER_MN });
  }
  const valve = options.valve ? new VirtualValve({ bus, pin: pin('valve'), line, ...(options.valve !== true && { spec: options.valve }) }) : undefined;
  // The service button: released (its pull-up) unless held through the boot.
  const service = boardPin('service');
  if (options.serviceHeldAtBoot === true) bus.setInput(service.gpio, (service.activeLow ?? true) ? 0 : 1);

  const events: PumpEvent[] = [];
  const lineEdge = (): void => rig.lineEdge();
  // The rig counts the STEP line itself, as a hardware counter would: the dose guard's
  // independent count (never the driver's position).
  const stepCounter = {
    get count() {
      if (options.deadStepCounter === true) return 0;
      const n = rig.stepLinePulses;
      // A PCNT watch point fires on the next edge; a PWM train makes its edges with no pin
      // event here, so that edge is put on the clock (the callback is made once).
      const hz = rig.pulsingHz;
      if (hz > 0 && rig.onLinePulse) clock.set(lineEdge, Math.max(1, Math.ceil(1_000 / hz)));
      return n;
    },
    set onPulse(f: (() => void) | undefined) {
      rig.onLinePulse = f;
    },
    get onPulse() {
      return rig.onLinePulse;
    },
  };
  const faults = FaultSchedule.parse(options.faults ?? [], { line, flowSensor: flowModel, drive, battery });
  if (!faults.ok) throw new Error(faults.message);
  // The schedule's timers go on the clock where they always have: before the controller's first
  // timers without storage, after the boot with it (timers due at the same ms run in the order set).
  const attachFaults = (): void => faults.schedule.attach(clock);
  const assembled = assemble({
    io: { Digital: io.Digital, PWM: io.PWM, I2C: i2c.I2C, Analog: analog.Analog, timer: clock, ticks: clock, microseconds: clock.microseconds },
    fitted: { flow: options.flowSensor !== false, loadCell: options.loadCell === true, annunciator: options.annunciator === true, valve: options.valve !== undefined && options.valve !== false },
    parts: {
      ...(options.wrapStepper && { stepper: options.wrapStepper }),
      // The device mock applies the model's fault switches at each read.
      flow: (sensor: Sf06Flow) => ({
        model: sensor.model,
        fullScaleNlPerMin: sensor.fullScaleNlPerMin,
        start: () => sensor.start(),
        stop: () => sensor.stop(),
        read: () => {
          syncSensorFaults();
          return sensor.read();
        },
      }),
      stepCounter,
    },
    config: options,
    ...(options.storage && { storage: { kv: options.storage, flash: options.flash } }),
    ...(options.keepEvents !== false && { onEvent: (e: PumpEvent) => void events.push(e) }),
    ...(!options.storage && { beforeStart: attachFaults }),
    ...(options.programming && { programming: options.programming }),
  });
  if (!assembled.ok) throw new ConfigRefused(assembled.error);
  const { controller, persistence, programming, parts } = assembled.value;
  if (options.storage) attachFaults();
  const stepper: PulseStepper = parts.stepper;
  const annunciator: BuzzerLed | undefined = parts.annunciator;
  return {
    clock,
    rig,
    line,
    flowModel,
    battery,
    drive,
    forceModel,
    hx711,
    annunciator,
    valve,
    stepper,
    controller,
    persistence,
    programming,
    faults: faults.schedule,
    bus,
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
