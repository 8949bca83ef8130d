// The pump's brain, pure: commands, sensor reads and `update(now, emittedSteps)` go in; a plan
// (the step segment to run and its direction, whether the driver is powered, when to wake
// next), events with reasons and refusals with numbered errors come out. It never reads a
// clock or touches a pin. This file holds the delivery state machine and the commands; the
// plan is made by planner.ts, boluses are asked for at bolus-desk.ts (which settles the
// 24-hour ledger), every alarm goes through fault-path.ts, the one way into the safe state,
// what the reservoir holds is kept by reservoir.ts, the settings commands (refill, threshold,
// mechanics, battery, clock) are in pump-settings.ts, and what a reset carries over comes in
// and goes out through carry-over.ts.

import { Accounting, DEFAULT_LOW_RESERVOIR_NL } from './accounting';
import type { AlarmName } from './alarms';
import { reversalPlayMicrosteps } from './backoff';
import type { Started } from './bolus-desk';
import { BolusDesk, deliveringEngine } from './bolus-desk';
import { CarryOver } from './carry-over';
import type { Accepted, ProgramFlags } from './checks';
import { checkPrescription, programSummary, scheduledNgPerDay } from './checks';
import type { Emit } from './delivery';
import type { DeliveryEngine } from './delivery';
import type { DoseMemory } from './dose-memory';
import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import { EventQueue } from './event-queue';
import type { EventData, PumpEvent, Reason } from './events';
import { reason } from './events';
import { FaultPath } from './fault-path';
import type { DrugLibrary } from './library';
import type { Mechanics } from './mechanics';
import { plungerAreaMm2 } from './mechanics';
import { DEFAULT_MONITOR, Monitor } from './monitor';
import { Planner } from './planner';
import { PumpSettings } from './pump-settings';
import type { RefillRecord } from './refill';
import type { ReservoirRecord } from './reservoir';
import type { Prescription } from './prescription';
import { timeOfDay, worstCaseDailyMicrosteps, worstCaseDailyNl } from './schedule';
import type { PumpStatus } from './status';
import { readStatus } from './status';
import { FL_PER_NL } from './units';
import type { Plan, PumpConfig, PumpState, SensorInputs } from './pump-types';
import type { StepperFault } from '../ports/stepper';

export type { Plan, PumpConfig, PumpState, SensorInputs } from './pump-types';
export { STEP_WINDOW_MS } from './planner';

/**
 * A wake later than planned by more than this means the loop did not run (a lost timer, a
 * stuck task): the time past it is skipped, never delivered later. Ordinary lateness on the
 * ESP32 (the 1 ms tick, a GC pause, a flash erase, a signature check: at most about 0.2 s,
 * host/sim/late-timers.ts) stays well inside it and is delivered as usual.
 */
export const LOOP_LATE_MS = 1_000;

export class Pump {
  mechanics: Mechanics;
  readonly library: DrugLibrary;
  readonly accounting: Accounting;
  readonly monitor: Monitor;
  /** What the reservoir holds and the doses that ran (kept in the dose memory). */
  readonly reservoir: ReservoirRecord;
  readonly #events = new EventQueue();
  readonly #planner = new Planner();
  readonly #desk = new BolusDesk(this.#events);
  readonly #faults: FaultPath;
  readonly #carry: CarryOver;
  readonly #settings: PumpSettings;
  #state: PumpState = 'idle';
  #why = '';
  /** The operator paused: after the alarms clear, delivery stays paused. */
  #operatorPaused = false;
  /** The alarms cleared during the occlusion back-off: delivery resumes when it ends. */
  #resumeAfterBackoff = false;
  #engine: DeliveryEngine | undefined;
  #todOffsetMs: number;
  /** The last moment booked: the engine is integrated no further than this between updates. */
  #now: number;
  /** When the last plan asked to be woken: a wake far past it means the loop stalled. */
  #planWakeMs: number;
  readonly #emit: Emit;

  constructor(config: PumpConfig, now: number) {
    this.mechanics = config.mechanics;
    this.library = config.library;
    this.#now = now;
    this.#planWakeMs = now;
    this.#todOffsetMs = timeOfDay(config.timeOfDayMs ?? 0, -now);
    this.accounting = new Accounting(config.reservoirNl, config.lowReservoirNl ?? DEFAULT_LOW_RESERVOIR_NL, now, this.#todOffsetMs);
    this.accounting.deliveredNl = config.deliveredNl ?? 0;
    this.monitor = new Monitor(now, plungerAreaMm2(config.mechanics), config.monitor ?? DEFAULT_MONITOR);
    this.#emit = (at, type, why, data) => this.#events.push(at, type, why, data);
    this.#carry = new CarryOver(config.doses, this.#desk, now);
    this.reservoir = this.#carry.reservoir;
    this.#faults = new FaultPath(this.#events, {
      hold: (at, alarm) => {
        if (this.#state === 'running') this.#halt(at, 'alarm', `alarm ${alarm}`, 'INTERRUPTED_BY_ALARM');
        else if (this.#state === 'paused' || this.#resumeAfterBackoff) this.#setState('alarm', `alarm ${alarm}`);
        this.#resumeAfterBackoff = false; // released again, it waits for the back-off anew
      },
      released: (at) => this.#resumeIfClear(at),
      rateNlPerDay: () => (this.#engine ? this.#engine.totalRateNlPerDay() : 0),
      flPerMicrostep: () => this.mechanics.flPerMicrostep,
      playMicrosteps: () => reversalPlayMicrosteps(this.mechanics),
    });
    this.#settings = new PumpSettings({ accounting: this.accounting, monitor: this.monitor, reservoir: this.reservoir, library: this.library, events: this.#events, faults: this.#faults });
  }

  get state(): PumpState {
    return this.#state;
  }
  get prescription(): Prescription | undefined {
    return this.#engine?.rx;
  }
  get todOffsetMs(): number {
    return this.#todOffsetMs;
  }
  get alarms() {
    return this.#faults.alarms;
  }
  get ledger() {
    return this.#desk.ledger;
  }
  /** Changes to what the dose memory holds of boluses (ledger, clinician counts) and the reservoir. */
  get doseRevision(): number {
    return this.#carry.revision(this.#desk);
  }
  /** How many times the single fault path entered the safe state: tests watch it. */
  get safeStateEntries(): number {
    return this.#faults.safeStateEntries;
  }
  /** The next bolus number: never reused, across prescriptions and resets. */
  get nextBolusId(): number {
    return this.#engine ? this.#engine.nextBolusId : this.#carry.firstBolusId;
  }
  /** When the running prescription's next periodic dose is due (Infinity: none). */
  get nextPeriodicMs(): number {
    return this.#engine ? this.#engine.nextPeriodicMs : Infinity;
  }

  /**
   * What storage must keep of the doses given (dose-memory.ts). Storage asks only when
   * `nextBolusId`, `nextPeriodicMs` or `ledger.revision` changed, so the loop allocates nothing.
   */
  doseMemory(now: number): DoseMemory {
    return this.#carry.snapshot(now, this.#engine, this.nextBolusId, this.#desk);
  }

  /** Basal plus running boluses now (0 unless delivering). */
  get rateNlPerDay(): number {
    return this.#state === 'running' && this.#engine ? this.#engine.totalRateNlPerDay() : 0;
  }

  /** Events since the last call, oldest first. */
  takeEvents(): PumpEvent[] {
    return this.#events.take();
  }

  /**
   * Books steps the stepper emitted since they were last booked (negative: backing off).
   * Called by `update`, and by the app before a sensor sample or a status read, so the account
   * matches the motor even mid-segment. Steps emitted before `now` belong to the hour they fell
   * in: book before closing that hour (the loop always wakes on the hour).
   */
  book(now: number, emittedSteps: number): void {
    this.#now = now;
    if (emittedSteps === 0) return;
    const fl = this.mechanics.flPerMicrostep;
    if (this.accounting.credit(emittedSteps, fl)) this.#faults.raise(now, 'RESERVOIR_LOW', `${this.accounting.reservoirNl} nl left, threshold ${this.accounting.lowReservoirNl} nl`);
    // The back-off's steps, its forward return's among them, are never the engine's delivery.
    const delivered = this.#faults.moved(emittedSteps);
    if (delivered > 0) this.#engine?.confirm(delivered);
    this.monitor.pushed((emittedSteps * fl) / FL_PER_NL);
    this.monitor.battery.spend(now, emittedSteps);
  }

  /**
   * The loop's one entry: book, integrate delivery to `now`, say what to run and when. The plan
   * returned is the pump's own object, valid until the next `update`.
   */
  update(now: number, emittedSteps: number): Plan {
    const plan = this.#update(now, emittedSteps);
    this.#planWakeMs = plan.wakeAtMs;
    return plan;
  }

  #update(now: number, emittedSteps: number): Plan {
    this.book(now, emittedSteps);
    const engine = this.#engine;
    this.accounting.rollTo(now, this.#todOffsetMs, this.#emit);
    const hourEnd = this.accounting.hourEndMs(this.#todOffsetMs);
    const backoff = this.#faults.backoffPlan(this.#planner, now, this.mechanics.maxStepHz, hourEnd);
    if (backoff) return backoff;
    if (this.#resumeAfterBackoff) {
      this.#resumeAfterBackoff = false;
      this.#resumeIfClear(now);
    }
    if (!engine || this.#state !== 'running') return this.#planner.idle(hourEnd);

    if (now - this.#planWakeMs > LOOP_LATE_MS) this.#faults.raise(now, 'LOOP_STALLED', this.#desk.stalled(engine, this.#planWakeMs, this.#planWakeMs + LOOP_LATE_MS, now));
    engine.advance(now);
    const left = this.accounting.stepsLeft(this.mechanics.flPerMicrostep);
    if (engine.owedSteps > left) engine.owedSteps = left;
    if (left === 0) {
      this.#faults.raise(now, 'RESERVOIR_EMPTY', `the reservoir holds ${this.accounting.reservoirNl} nl, less than one microstep`);
      return this.#planner.idle(hourEnd);
    }
    if (engine.trialEnded && engine.owedSteps === 0) {
      this.#setState('stopped', 'trial finished');
      return this.#planner.idle(hourEnd);
    }
    return this.#planner.deliver(now, engine, this.mechanics.maxStepHz, hourEnd);
  }

  /** Sensor samples. Returns true when the plan may have changed (an alarm came or went). */
  sense(now: number, inputs: SensorInputs): boolean {
    const before = this.#events.length;
    const delivering = this.#state === 'running' || this.#state === 'paused';
    const rate = this.rateNlPerDay;
    const faults = this.#faults;
    if (inputs.flow) faults.apply(now, this.monitor.flow(now, inputs.flow, rate, delivering));
    if (inputs.force) faults.apply(now, this.monitor.force(inputs.force, this.#state === 'running'));
    if (inputs.batteryMillivolts !== undefined)
      faults.apply(now, this.monitor.batteryReading(now, inputs.batteryMillivolts, worstCaseDailyMicrosteps(this.#engine?.rx, this.mechanics.flPerMicrostep)));
    return this.#events.length !== before;
  }

  /** The stepper driver's fault or stall output went active. */
  stepperFault(now: number, fault: StepperFault): void {
    this.#faults.raise(now, fault.kind === 'stall' ? 'MOTOR_STALL' : 'DRIVER_FAULT', fault.detail);
  }

  /** The syringe-empty end-stop closed: the plunger cannot go further. */
  syringeEmpty(now: number): void {
    this.#faults.raise(now, 'RESERVOIR_EMPTY', 'the syringe-empty end-stop closed');
  }

  /** An event the app observed outside the core (the programming link's security events). */
  note(now: number, type: 'security', why: Reason, data: EventData): void {
    this.#events.push(now, type, why, data);
  }

  /** For the boot sequence and storage: a reset, a storage fault, or an alarm restored after a reset. */
  raiseAlarm(now: number, name: AlarmName, detail: string): void {
    this.#faults.raise(now, name, detail);
  }

  /** Acknowledges one alarm by code, or every active alarm. */
  acknowledge(now: number, code?: number): Result<{ cleared: number }> {
    return this.#faults.acknowledge(now, code);
  }

  /** Checks a prescription as `program` would, against this pump, without applying anything. */
  check(input: unknown, flags: ProgramFlags = {}): Result<Accepted> {
    const context = { library: this.library, mechanics: this.mechanics, running: this.#engine?.rx, reservoir: this.reservoir.held, references: this.reservoir.references };
    return checkPrescription(input, context, flags);
  }

  /** Checks and commits a prescription whole, replacing the running one. */
  program(now: number, input: unknown, flags: ProgramFlags = {}): Result<Accepted> {
    const gate = this.#faults.gate();
    if (!gate.ok) return gate;
    const checked = this.check(input, flags);
    if (checked.ok) this.#start(now, checked.value);
    return checked;
  }

  /**
   * The prescription the pump starts with (its configuration, or storage at boot): checked as
   * any, but not for a ten-fold increase (it ran before, or the syringe was loaded for it) nor
   * against the reservoir. It defines contents never recorded; where a refill changed them
   * before a reset, it is restored but held, paused, until one for them is programmed.
   */
  load(now: number, input: unknown): Result<Accepted> {
    const checked = checkPrescription(input, { library: this.library, mechanics: this.mechanics, running: undefined }, { confirmLargeIncrease: true });
    if (checked.ok) this.#start(now, checked.value);
    return checked;
  }

  #start(now: number, accepted: Accepted): void {
    const rx = accepted.prescription;
    if (this.#engine) this.#desk.interrupt(this.#engine, now, 'INTERRUPTED_BY_PROGRAM', this.#engine.dropOwed(), 'nothing');
    this.#events.push(now, 'program', reason('PROGRAM_STARTED', rx.name), programSummary(rx, accepted.warnings.length));
    // Built after the program event, so the stream reads: program, then the rate in force.
    this.#engine = this.#carry.engine(now, rx, { todOffsetMs: this.#todOffsetMs, flPerMicrostep: this.mechanics.flPerMicrostep, firstBolusId: this.nextBolusId }, this.#emit);
    this.monitor.restartLine();
    this.reservoir.started(rx, scheduledNgPerDay(rx));
    const held = this.reservoir.undeliverable(rx);
    this.#operatorPaused = held !== undefined;
    this.#setState(this.alarms.holdsDelivery ? 'alarm' : held ? 'paused' : 'running', held ? held.message : '');
    if (this.#state === 'running' && this.#faults.relieving) this.#waitForBackoff();
  }

  pause(now: number): Result<true> {
    if (!this.#engine) return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    if (this.#state === 'alarm') {
      this.#operatorPaused = true; // already stopped: stay paused once the alarms clear
    } else {
      if (this.#state !== 'running') return fail(pumpError('PAUSED', `delivery is already ${this.#state}`));
      this.#halt(now, 'paused', 'paused by request', 'INTERRUPTED_BY_PAUSE');
      this.#operatorPaused = true;
    }
    this.#events.push(now, 'pause', reason('OPERATOR_PAUSE'), {});
    return ok(true);
  }

  resume(now: number): Result<true> {
    if (!this.#engine) return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    const gate = this.#faults.gate();
    if (!gate.ok) return gate;
    if (this.#state === 'stopped') return fail(pumpError('TRIAL_OVER', 'the trial has finished; program a new prescription'));
    if (this.#state === 'alarm') {
      const names = this.alarms.list().map((a) => `A${a.code} ${a.name}`);
      if (names.length === 0) return fail(pumpError('ALARM_ACTIVE', `delivery is held by ${this.#why}`));
      return fail(pumpError('ALARM_ACTIVE', `alarm ${names.join(', ')} holds delivery`));
    }
    if (this.#state !== 'paused') return fail(pumpError('NOT_PAUSED', 'delivery is running'));
    const held = this.reservoir.undeliverable(this.#engine.rx);
    if (held) return fail(held);
    this.#operatorPaused = false;
    this.#restart(now, reason('OPERATOR_RESUME'));
    return ok(true);
  }

  /** A patient-activated bolus, within lockout and the 24-hour maxima. */
  patientBolus(now: number): Started {
    const engine = this.#runningEngine();
    if (!engine.ok) {
      this.#events.push(now, 'bolus-denied', reason('PATIENT_DENIED', engine.error.message), { code: engine.error.code, kind: 'patient' });
      return engine;
    }
    return this.#desk.patient(now, engine.value, this.accounting.reservoirNl, this.#now);
  }

  /** A clinician bolus: volume over a duration, optionally after a delay. */
  clinicianBolus(now: number, input: unknown): Started {
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    return this.#desk.clinician(now, engine.value, input, { library: this.library, mechanics: this.mechanics, reservoirNl: this.accounting.reservoirNl, syncedMs: this.#now });
  }

  /** Fills the catheter dead volume at the priming rate the prescription sets. */
  prime(now: number): Started {
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    return this.#desk.prime(now, engine.value, this.accounting.reservoirNl, this.#now, this.library);
  }

  /** Records a refill: the volume now in it and (from a programmer) what was drawn out and put in. */
  refill(now: number, volumeNl: unknown, record?: RefillRecord): Result<true> {
    // Stopped: nothing runs, nor starts by itself (an alarm the operator had not paused under would).
    const s = this.#state;
    const stopped = s === 'idle' || s === 'paused' || s === 'stopped' || (s === 'alarm' && this.#operatorPaused);
    const hold = (why: string): void => {
      this.#why = why;
    };
    return this.#settings.refill(now, volumeNl, record, { mechanics: this.mechanics, engine: this.#engine, stopped, hold });
  }

  /** Sets the low-reservoir threshold (default 2 mL). */
  setLowReservoirThreshold(now: number, volumeNl: unknown): Result<true> {
    return this.#settings.lowReservoirThreshold(now, volumeNl);
  }

  /** New mechanics or calibration (service role), only while delivery is not running. */
  setMechanics(now: number, input: unknown): Result<Mechanics> {
    if (this.#state === 'running') return fail(pumpError('RUNNING', 'pause delivery before changing the mechanics'));
    const m = this.#settings.mechanics(now, input, this.#engine);
    if (m.ok) this.mechanics = m.value;
    return m;
  }

  /** A new battery is in: the charge count starts full again. */
  batteryReplaced(now: number): Result<true> {
    return this.#settings.batteryReplaced(now);
  }

  /** Sets the time of day; a flexible schedule follows the new clock from now on. */
  setTimeOfDay(now: number, timeOfDayMs: unknown): Result<true> {
    const set = this.#settings.timeOfDay(now, timeOfDayMs, this.#engine);
    if (!set.ok) return set;
    this.#todOffsetMs = set.value;
    return ok(true);
  }

  status(now: number): PumpStatus {
    const rx = this.#engine?.rx;
    const worstDailyNl = rx ? worstCaseDailyNl(rx) : 0;
    const batteryMsToEri = this.monitor.battery.msToEri(worstCaseDailyMicrosteps(this.#engine?.rx, this.mechanics.flPerMicrostep));
    const base = { now, state: this.#state, why: this.#why, engine: this.#engine, accounting: this.accounting };
    return readStatus({ ...base, todOffsetMs: this.#todOffsetMs, worstDailyNl, alarms: this.alarms.list(), batteryMsToEri });
  }

  /** When no alarm holds delivery any more, delivery resumes (or stays paused if paused). */
  #resumeIfClear(now: number): void {
    if (this.#state !== 'alarm' || this.alarms.holdsDelivery) return;
    if (this.#faults.relieving) {
      this.#waitForBackoff();
      return;
    }
    // A refill while paused may have made the prescription undeliverable: it stays paused too.
    const held = this.#engine && this.reservoir.undeliverable(this.#engine.rx);
    if (this.#operatorPaused || held) {
      // The line starts afresh here too: the deficit that raised the alarm was relieved by the
      // back-off and acknowledged; judged again while paused, it would raise the alarm anew.
      this.monitor.restartLine();
      this.#operatorPaused = true;
      this.#setState('paused', held ? held.message : 'paused by request');
    } else this.#restart(now, reason('ALARM_RESUME'));
  }

  /**
   * The plunger is still pulling back after an occlusion: delivery stays held until it is done.
   * The planner runs the back-off without advancing the engine, so an engine restarted now
   * would owe the basal of the whole back-off when it ends, and give it as a burst (a catch-up).
   * A driver that does not run the back-off holds delivery, visibly, rather than saying running.
   */
  #waitForBackoff(): void {
    this.#resumeAfterBackoff = true;
    this.#setState('alarm', `the occlusion back-off (${this.#faults.backoffSteps} microsteps back, then ${this.#faults.returnSteps} forward, to run); delivery resumes when it is done`);
  }

  #restart(now: number, why: Reason): void {
    const skipped = this.#desk.resume(this.#engine!, now);
    this.monitor.restartLine();
    this.#setState('running', '');
    this.#events.push(now, 'resume', why, { skippedDoses: skipped });
  }

  #setState(state: PumpState, why: string): void {
    this.#state = state;
    this.#why = why;
  }

  #runningEngine(): Result<DeliveryEngine> {
    const gate = this.#faults.gate();
    return gate.ok ? deliveringEngine(this.#engine, this.#state, this.#why, this.reservoir) : gate;
  }

  /** Stops delivery: steps due but not emitted are dropped (never caught up later). */
  #halt(now: number, state: PumpState, why: string, interrupted: 'INTERRUPTED_BY_PAUSE' | 'INTERRUPTED_BY_ALARM'): void {
    const engine = this.#engine!;
    engine.advance(now);
    this.#desk.interrupt(engine, now, interrupted, engine.dropOwed(), 'trials');
    this.#setState(state, why);
  }
}
