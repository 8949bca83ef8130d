// The application loop: reads the tick counter, asks the core what to do, and applies it to the
// stepper. One cycle per wake: stop the segment in flight (so its count is final), book the
// emitted steps, run any command, apply the new plan, set the next wake. The same controller
// runs on the ESP32 (real drivers) and on the virtual rig (mock pins, virtual clock).

import type { AlarmName } from '../core/alarms';
import type { ProgramFlags } from '../core/checks';
import type { Breach } from '../core/dose-guard';
import { breachText, DoseGuard } from '../core/dose-guard';
import type { Result } from '../core/errors';
import { fail, pumpError } from '../core/errors';
import type { EventData, Reason } from '../core/events';
import { readLibrary } from '../core/library';
import { readMechanics } from '../core/mechanics';
import type { Plan, SensorInputs } from '../core/pump';
import { Pump } from '../core/pump';
import type { PumpStatus } from '../core/status';
import { MonotonicClock } from '../core/ticks';
import { MS_PER_DAY } from '../core/units';
import type { RefillRecord } from '../core/refill';
import type { AnnunciatorPriority } from '../ports/annunciator';
import type { FlowRead } from '../ports/flow-sensor';
import type { ForceRead } from '../ports/sensors';
import type { TimerHandle } from '../ports/timebase';
import type { ControllerConfig, ControllerHooks, ControllerPorts, EventListener, Sampling } from './controller-config';
import { DEFAULT_SAMPLING } from './controller-config';
import { StepAgreement } from './step-agreement';

// The ports and configuration live in controller-config.ts; importers of this file keep them here.
export { type ControllerConfig, type ControllerHooks, type ControllerPorts, DEFAULT_SAMPLING, type EventListener, type Sampling } from './controller-config';

/** The latest a stop timer is taken to come (see #apply's write-ahead). */
const LATE_STOP_US = 200_000;

/** The longest single timer the loop sets; it wakes at least hourly anyway. */
const MAX_SLEEP_MS = 3_600_000;

export class Controller {
  readonly pump: Pump;
  readonly #ports: ControllerPorts;
  readonly #clock: MonotonicClock;
  #lastPosition: number;
  #timer: TimerHandle | undefined;
  #wakeAtMs = 0;
  readonly #listeners: EventListener[] = [];
  readonly #sampling: Sampling;
  hooks: ControllerHooks = {};
  #sounding: AnnunciatorPriority | undefined;
  // No allocation per tick (GC pauses on the ESP32): the wake callback and the sensor inputs
  // are made once and reused; a cycle without an event builds no object at all.
  readonly #onWake = (): void => {
    this.#timer = undefined;
    this.#cycle(undefined);
  };
  readonly #lineInputs: { flow?: FlowRead; force?: ForceRead } = {};
  /** The second line of defence, where an independent step counter is fitted. */
  readonly guard: DoseGuard | undefined;
  readonly #agreement = new StepAgreement();
  /** The guard found a breach: the driver stays disabled until it is acknowledged and gone. */
  #guardTripped = false;
  /** A check is set: pulses that come meanwhile need no other. */
  #guardPending = false;
  readonly #onGuardCheck = (): void => {
    this.#guardPending = false;
    const breach = this.#guardCheck();
    if (breach && !this.#guardTripped) this.#cycle((now) => this.#trip(now, breachText(breach, 'now')));
  };
  /** The counter saw a pulse after the last read: check within 5-100 ms while pulses flow. */
  readonly #onStepPulse = (): void => {
    if (this.#guardPending) return;
    this.#guardPending = true;
    this.#ports.timer.set(this.#onGuardCheck, this.guard!.nextCheckMs(this.pump.mechanics.maxStepHz));
  };
  readonly #batteryInputs = { batteryMillivolts: 0 };

  constructor(ports: ControllerPorts, pump: Pump, clock: MonotonicClock, sampling: Sampling = DEFAULT_SAMPLING) {
    this.#ports = ports;
    this.pump = pump;
    this.#clock = clock;
    this.#sampling = sampling;
    this.#lastPosition = ports.stepper.position;
    this.guard = ports.stepCounter ? new DoseGuard(clock.nowMs, pump.mechanics.flPerMicrostep) : undefined;
  }

  subscribe(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  /** Monotonic ms now (reads the tick counter). */
  now(): number {
    return this.#clock.update(this.#ports.ticks.ticks);
  }

  /** When the loop will next wake by itself (monotonic ms). */
  get wakeAtMs(): number {
    return this.#wakeAtMs;
  }

  start(): void {
    const { stepper, flow, force, battery, endStops, timer } = this.#ports;
    stepper.setDirection(1);
    // Fault inputs act at once, through the same cycle as everything else.
    stepper.onFault = (fault) => this.#cycle((now) => this.pump.stepperFault(now, fault));
    if (endStops) {
      endStops.onChange = () => {
        if (endStops.syringeEmpty) this.#cycle((now) => this.pump.syringeEmpty(now));
      };
    }
    // The guard reads the counter at least every 100 ms, whatever the loop plans (a runaway
    // driver or a stuck PWM makes pulses nobody planned), and before every segment.
    if (this.guard) this.#ports.stepCounter!.onPulse = this.#onStepPulse;
    flow?.start();
    if (flow || force) {
      const inputs = this.#lineInputs;
      timer.repeat(() => {
        // A key only for a sensor that is fitted, as before; each read replaces the last.
        if (flow) inputs.flow = flow.read();
        if (force) inputs.force = force.read();
        this.#sample(inputs);
      }, this.#sampling.flowMs);
    }
    if (battery) {
      const inputs = this.#batteryInputs;
      timer.repeat(() => {
        inputs.batteryMillivolts = battery.readMillivolts();
        this.#sample(inputs);
      }, this.#sampling.batteryMs);
    }
    // Inputs already active at boot raise their alarms in the first cycle; so does a guard
    // whose windows, kept across the reset, are still over the allowance.
    this.#cycle((now) => {
      const breach = this.#guardCheck();
      if (breach) this.#trip(now, breachText(breach, 'still'));
      this.#pollFaultLines(now);
      if (endStops?.syringeEmpty) this.pump.syringeEmpty(now);
    });
  }

  acknowledge(code?: number): ReturnType<Pump['acknowledge']> {
    return this.#cycle((now) => {
      const result = this.pump.acknowledge(now, code);
      this.#pollFaultLines(now);
      // Still over the allowance: the guard's alarm comes straight back, the driver stays off.
      if (this.#guardTripped) {
        const breach = this.#guardCheck();
        if (breach) this.pump.raiseAlarm(now, 'OVER_DELIVERY', breachText(breach, 'still'));
        else this.#guardTripped = false;
      }
      return result;
    });
  }

  /** Fault edges only report a change: a line still active after an ack raises its alarm again. */
  #pollFaultLines(now: number): void {
    const { stepper } = this.#ports;
    if (stepper.stallActive) this.pump.stepperFault(now, { kind: 'stall', detail: 'the stall input is still active' });
    if (stepper.faultActive) this.pump.stepperFault(now, { kind: 'driver-fault', detail: 'the driver fault input is still active' });
  }

  /** Records an event the app itself observed (the programming link's security events). */
  note(type: 'security', why: Reason, data: EventData): void {
    this.pump.note(this.now(), type, why, data);
    this.#publish();
  }

  /** Raised by the boot sequence and storage (unexpected reset, storage fault). */
  raiseAlarm(name: AlarmName, detail: string): void {
    this.#cycle((now) => this.pump.raiseAlarm(now, name, detail));
  }

  setLowReservoirThreshold(volumeNl: unknown): Result<true> {
    return this.#cycle((now) => this.pump.setLowReservoirThreshold(now, volumeNl));
  }

  setMechanics(input: unknown): ReturnType<Pump['setMechanics']> {
    return this.#cycle((now) => {
      const r = this.pump.setMechanics(now, input);
      if (r.ok) this.hooks.mechanicsSet?.(input);
      if (r.ok) this.guard?.setFlPerMicrostep(r.value.flPerMicrostep);
      return r;
    });
  }

  batteryReplaced(): Result<true> {
    return this.#cycle((now) => this.pump.batteryReplaced(now));
  }

  /** A sensor sample: booked against the steps emitted so far; re-plans only if it mattered. */
  #sample(inputs: SensorInputs): void {
    const now = this.now();
    this.pump.book(now, this.#takeEmitted());
    if (this.pump.sense(now, inputs)) this.#cycle(undefined);
    else this.#publish();
  }

  program(input: unknown, flags?: ProgramFlags): ReturnType<Pump['program']> {
    return this.#cycle((now) => {
      const r = this.pump.program(now, input, flags);
      if (r.ok) this.guard?.prescribe(now, this.pump.prescription);
      if (r.ok) this.hooks.programmed?.(input);
      return r;
    });
  }

  pause(): Result<true> {
    return this.#cycle((now) => this.pump.pause(now));
  }

  resume(): Result<true> {
    return this.#cycle((now) => this.pump.resume(now));
  }

  patientBolus(): ReturnType<Pump['patientBolus']> {
    return this.#cycle((now) => this.pump.patientBolus(now));
  }

  clinicianBolus(request: unknown): ReturnType<Pump['clinicianBolus']> {
    return this.#cycle((now) => {
      const r = this.pump.clinicianBolus(now, request);
      // Accepted means checked against the library: its volume is allowed to the guard too.
      if (r.ok) {
        const q = request as { volumeNl: number; durationMs: number; delayMs?: number };
        this.guard?.accepted(now, q.volumeNl, (q.delayMs ?? 0) + q.durationMs);
      }
      return r;
    });
  }

  prime(): ReturnType<Pump['prime']> {
    return this.#cycle((now) => {
      const r = this.pump.prime(now);
      const p = this.pump.prescription?.priming;
      if (r.ok && p) this.guard?.accepted(now, p.volumeNl, Math.ceil((p.volumeNl * MS_PER_DAY) / p.rateNlPerDay));
      return r;
    });
  }

  refill(volumeNl: unknown, record?: RefillRecord): Result<true> {
    return this.#cycle((now) => this.pump.refill(now, volumeNl, record));
  }

  setTimeOfDay(timeOfDayMs: unknown): Result<true> {
    return this.#cycle((now) => this.pump.setTimeOfDay(now, timeOfDayMs));
  }

  /** Status with every pulse emitted so far booked (the segment in flight keeps running). */
  status(): PumpStatus {
    const now = this.now();
    this.pump.book(now, this.#takeEmitted());
    this.#publish();
    return this.pump.status(now);
  }

  /** Steps the stepper emitted since they were last booked. */
  #takeEmitted(): number {
    const position = this.#ports.stepper.position;
    const emitted = position - this.#lastPosition;
    this.#lastPosition = position;
    this.#agreement.driver(emitted);
    return emitted;
  }

  /**
   * Once a cycle, with the segment in flight stopped: the guard reads its counter (so #apply's
   * refusal sees this cycle's headroom), and the counter must agree with the driver
   * (step-agreement.ts), else STEP_COUNT_MISMATCH through the fault path.
   */
  #checkCounts(now: number): void {
    const guard = this.guard;
    if (!guard) return;
    this.#guardCheck();
    const why = this.#agreement.check(guard.pulsesSeen);
    if (why) this.pump.raiseAlarm(now, 'STEP_COUNT_MISMATCH', why);
  }

  #cycle<T>(command: ((now: number) => T) | undefined): T {
    const stepper = this.#ports.stepper;
    const now = this.now();
    // Freeze the segment in flight so the emitted count is final before it is booked.
    stepper.stop();
    const emitted = this.#takeEmitted();
    this.#checkCounts(now);
    let plan = this.pump.update(now, emitted);
    let result: T | undefined;
    if (command) {
      result = command(now);
      plan = this.pump.update(now, 0);
    }
    this.#apply(plan, now);
    this.#publish();
    return result as T;
  }

  #apply(plan: Plan, now: number): void {
    const { stepper, timer } = this.#ports;
    // The engine asking for more than the guard's allowance can take is refused before the
    // motor moves (a catch-up, a bad plan); the next wake plans from the alarm state.
    if (plan.segment && !this.#guardTripped && this.#guardRefuses(plan)) {
      const fl = this.pump.mechanics.flPerMicrostep;
      const askedNl = Math.ceil((plan.segment.count * fl) / 1_000_000);
      const leftNl = Math.floor((this.guard!.headroomPulses * fl) / 1_000_000);
      this.#trip(now, `dose guard: a segment of ${plan.segment.count} microsteps (${askedNl} nl) was refused before the motor moved: ${leftNl} nl left of what the prescription allows`);
    }
    // The guard holds the driver off while it is tripped, whatever the plan says.
    const tripped = this.#guardTripped;
    stepper.enable(plan.enable && !tripped);
    stepper.setDirection(plan.direction);
    // The guard counts advance past the furthest point: it must know which way the pulses go.
    this.guard?.direction(plan.direction);
    // The valve opens with the first segment and stays open while the motor stays powered,
    // the occlusion back-off included (it must relieve the line past the valve: docs/safety.md);
    // a plan that powers the motor down closes it. Idle at boot, it never opens for nothing.
    const valve = this.#ports.valve;
    const valveOpen = plan.enable && !tripped && (plan.segment !== undefined || valve?.isOpen === true);
    if (valve && valveOpen !== valve.isOpen) {
      if (valveOpen) valve.open();
      else valve.close();
    }
    if (plan.segment && !tripped) {
      // Write-ahead: storage records these steps as delivered before the motor moves them.
      // A stop timer can come late (a GC pause, a flash erase, a signature check: up to about
      // 0.2 s, host/sim/late-timers.ts) and the driver books what really ran, so the claim
      // covers that overrun too: a cut before the next cycle must not leave the history short.
      if (plan.direction === 1) this.hooks.beforeRun?.(plan.segment.count + Math.ceil(LATE_STOP_US / plan.segment.intervalUs));
      stepper.run(plan.segment);
    }
    timer.clear(this.#timer);
    this.#wakeAtMs = plan.wakeAtMs;
    const delay = Math.max(0, Math.min(MAX_SLEEP_MS, plan.wakeAtMs - now));
    this.#timer = timer.set(this.#onWake, delay);
  }

  /** A forward segment the guard's allowance cannot take: the engine asks for too much. */
  #guardRefuses(plan: Plan): boolean {
    const guard = this.guard;
    // Headroom as of this cycle's read (#checkCounts, before the plan was made).
    return guard !== undefined && plan.direction === 1 && plan.segment !== undefined && plan.segment.count > guard.headroomPulses;
  }

  /** Feeds the independent count to the guard; the breach, if any (the guard's own object). */
  #guardCheck(): Breach | undefined {
    return this.guard?.check(this.now(), this.#ports.stepCounter!.count);
  }

  /** A breach: the driver off at once, then OVER_DELIVERY through the one fault path. */
  #trip(now: number, text: string): void {
    this.#guardTripped = true;
    this.#ports.stepper.stop();
    this.#ports.stepper.enable(false);
    this.pump.raiseAlarm(now, 'OVER_DELIVERY', text);
  }

  #publish(): void {
    // Indexed loops: a for-of makes an iterator object per cycle on XS.
    const events = this.pump.takeEvents();
    const listeners = this.#listeners;
    for (let i = 0; i < events.length; i++) for (let j = 0; j < listeners.length; j++) listeners[j]!(events[i]!);
    const sound = this.pump.alarms.annunciation;
    if (sound !== this.#sounding) {
      this.#sounding = sound;
      this.#ports.annunciator?.show(sound);
    }
  }
}

/** Checks the configuration and builds a controller; nothing runs until `start()`. */
export function createController(ports: ControllerPorts, config: ControllerConfig): Result<Controller> {
  const mechanics = readMechanics(config.mechanics);
  if (!mechanics.ok) return mechanics;
  const library = readLibrary(config.library);
  if (!library.ok) return library;
  const capacityNl = mechanics.value.syringe.capacityNl;
  const reservoirNl = config.reservoirNl ?? capacityNl;
  if (!Number.isInteger(reservoirNl) || reservoirNl < 0) {
    return fail(pumpError('FIELD_NOT_INTEGER', `reservoirNl is ${reservoirNl}; it must be a whole number of nl, at least 0`, 'reservoirNl'));
  }
  if (reservoirNl > capacityNl) {
    return fail(pumpError('REFILL_OVER_CAPACITY', `reservoirNl ${reservoirNl} is more than the ${capacityNl} nl the ${mechanics.value.syringe.name} syringe holds`, 'reservoirNl'));
  }
  const clock = new MonotonicClock(ports.ticks.ticks, config.startMs ?? 0);
  const now = clock.nowMs;
  const pump = new Pump(
    {
      mechanics: mechanics.value,
      library: library.value,
      reservoirNl,
      ...(config.lowReservoirNl !== undefined && { lowReservoirNl: config.lowReservoirNl }),
      ...(config.timeOfDayMs !== undefined && { timeOfDayMs: config.timeOfDayMs }),
      ...(config.monitor !== undefined && { monitor: config.monitor }),
      ...(config.deliveredNl !== undefined && { deliveredNl: config.deliveredNl }),
      ...(config.doses !== undefined && { doses: config.doses }),
    },
    now,
  );
  if (config.prescription !== undefined) {
    // Loaded, not programmed: it ran before the reset, or the syringe was filled for it.
    const programmed = pump.load(now, config.prescription);
    if (!programmed.ok) return fail(programmed.error);
  }
  const controller = new Controller(ports, pump, clock, config.sampling);
  const guard = controller.guard;
  if (guard) {
    guard.prescribe(now, pump.prescription);
    // What the guard counted before a reset still counts; lost, it assumes the worst (dose-guard.ts).
    if (config.guard === 'lost') guard.lost(now, pump.prescription);
    else if (config.guard) guard.restore(now, config.guard);
  }
  return { ok: true, value: controller };
}
