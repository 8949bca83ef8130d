// The pump's brain, pure: commands, sensor reads and `update(now, emittedSteps)` go in; a plan
// (the step segment to run and its direction, whether the driver is powered, when to wake
// next), events with reasons and refusals with numbered errors come out. It never reads a
// clock or touches a pin. Every alarm that stops delivery goes through `#enterSafeState`.

import { Accounting, DEFAULT_LOW_RESERVOIR_NL } from './accounting';
import { ALARMS, AlarmBoard, type AlarmName } from './alarms';
import { backoffNl } from './backoff';
import { checkClinicianBolus } from './bolus-checks';
import { type Accepted, checkPrescription, type ProgramFlags, programSummary } from './checks';
import { DeliveryEngine, type Emit } from './delivery';
import { fail, ok, pumpError, type Result } from './errors';
import { alarmReason, type EventData, type EventType, type PumpEvent, type Reason, reason } from './events';
import { readWholeNl } from './fields';
import { type DrugLibrary } from './library';
import { type Mechanics, plungerAreaMm2, readMechanics } from './mechanics';
import { DEFAULT_MONITOR, type Finding, Monitor } from './monitor';
import { PatientLedger } from './patient';
import { checkRefill, readRefillVolume, type RefillRecord } from './refill';
import { type BolusSpec, type Prescription } from './prescription';
import { timeOfDay, worstCaseDailyNl } from './schedule';
import { type PumpStatus, readStatus } from './status';
import { FL_PER_NL, MS_PER_DAY } from './units';
import { type Plan, type PumpConfig, type PumpState, type SensorInputs } from './pump-types';
import { type Direction, type StepperFault } from '../ports/stepper';

export type { Plan, PumpConfig, PumpState, SensorInputs } from './pump-types';

/**
 * Steps due at a high rate are spread over the next window rather than woken for one by one:
 * the app wakes at most this often, and the driver gets one segment per wake.
 */
export const STEP_WINDOW_MS = 100;
/** What `takeEvents` returns when nothing happened: shared, so the steady loop allocates nothing. */
const NO_EVENTS: PumpEvent[] = Object.freeze([]) as unknown as PumpEvent[];

type MutablePlan = { -readonly [K in keyof Plan]: Plan[K] };

export class Pump {
  mechanics: Mechanics;
  readonly library: DrugLibrary;
  readonly accounting: Accounting;
  readonly ledger = new PatientLedger();
  readonly alarms = new AlarmBoard();
  readonly monitor: Monitor;
  /** How many times the single fault path ran: tests watch it. */
  safeStateEntries = 0;
  #state: PumpState = 'idle';
  #why = '';
  /** The operator paused: after the alarms clear, delivery stays paused. */
  #operatorPaused = false;
  /** Reverse microsteps still to run to relieve line pressure. */
  #backoffSteps = 0;
  #engine: DeliveryEngine | undefined;
  #todOffsetMs: number;
  #events: PumpEvent[] = [];
  #nextBolusId = 1;
  #now: number;
  readonly #emit: Emit;
  // The plan and its segment are owned here and refilled by every `update` (no allocation per
  // wake: garbage means GC pauses on the ESP32). The app applies a plan before the next update.
  readonly #plan: MutablePlan = { segment: undefined, direction: 1, enable: false, wakeAtMs: 0 };
  readonly #segment: { count: number; intervalUs: number } = { count: 0, intervalUs: 1 };

  constructor(config: PumpConfig, now: number) {
    this.mechanics = config.mechanics;
    this.library = config.library;
    this.#now = now;
    this.#todOffsetMs = timeOfDay(config.timeOfDayMs ?? 0, -now);
    this.accounting = new Accounting(config.reservoirNl, config.lowReservoirNl ?? DEFAULT_LOW_RESERVOIR_NL, now, this.#todOffsetMs);
    this.accounting.deliveredNl = config.deliveredNl ?? 0;
    this.monitor = new Monitor(now, plungerAreaMm2(config.mechanics), config.monitor ?? DEFAULT_MONITOR);
    this.#emit = (at, type, why, data) => this.#record(at, type, why, data);
  }

  // prettier-ignore
  get state(): PumpState { return this.#state; }
  // prettier-ignore
  get prescription(): Prescription | undefined { return this.#engine?.rx; }
  // prettier-ignore
  get todOffsetMs(): number { return this.#todOffsetMs; }
  /** Basal plus running boluses now (0 unless delivering). */
  // prettier-ignore
  get rateNlPerDay(): number { return this.#state === 'running' && this.#engine ? this.#engine.totalRateNlPerDay() : 0; }

  /** Events since the last call, oldest first. */
  takeEvents(): PumpEvent[] {
    const e = this.#events;
    if (e.length === 0) return NO_EVENTS;
    this.#events = [];
    return e;
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
    if (this.accounting.credit(emittedSteps, fl)) this.#raise(now, 'RESERVOIR_LOW', `${this.accounting.reservoirNl} nl left, threshold ${this.accounting.lowReservoirNl} nl`);
    if (emittedSteps > 0) this.#engine?.confirm(emittedSteps);
    else this.#backoffSteps = Math.max(0, this.#backoffSteps + emittedSteps);
    this.monitor.pushed((emittedSteps * fl) / FL_PER_NL);
    this.monitor.battery.spend(now, emittedSteps);
  }

  /**
   * The loop's one entry: book, integrate delivery to `now`, say what to run and when. The plan
   * returned is the pump's own object, valid until the next `update`.
   */
  update(now: number, emittedSteps: number): Plan {
    this.book(now, emittedSteps);
    const fl = this.mechanics.flPerMicrostep;
    const engine = this.#engine;
    this.accounting.rollTo(now, this.#todOffsetMs, this.#emit);
    const hourEnd = this.accounting.hourEndMs(this.#todOffsetMs);
    if (this.#backoffSteps > 0) {
      const intervalUs = Math.ceil(2_000_000 / this.mechanics.maxStepHz); // half speed
      const wake = Math.min(hourEnd, now + Math.ceil((this.#backoffSteps * intervalUs) / 1_000) + 1);
      return this.#setPlan(this.#backoffSteps, intervalUs, -1, true, wake);
    }
    if (!engine || this.#state !== 'running') return this.#setPlan(0, 0, 1, false, hourEnd); // idle

    engine.advance(now);
    const left = this.accounting.stepsLeft(fl);
    if (engine.owedSteps > left) engine.owedSteps = left;
    if (left === 0) {
      this.#raise(now, 'RESERVOIR_EMPTY', `the reservoir holds ${this.accounting.reservoirNl} nl, less than one microstep`);
      return this.#setPlan(0, 0, 1, false, hourEnd); // idle
    }
    if (engine.trialEnded && engine.owedSteps === 0) {
      this.#state = 'stopped';
      this.#why = 'trial finished';
      return this.#setPlan(0, 0, 1, false, hourEnd); // idle
    }
    const owed = engine.owedSteps;
    const boundary = Math.min(engine.nextBoundaryMs(), hourEnd);
    let wake = Math.min(engine.nextStepMs(), boundary);
    if (owed > 0) wake = Math.min(boundary, Math.max(wake, now + STEP_WINDOW_MS));
    if (owed === 0) return this.#setPlan(0, 0, 1, true, wake);
    const minIntervalUs = Math.ceil(1_000_000 / this.mechanics.maxStepHz);
    const spanUs = Math.min(STEP_WINDOW_MS, wake - now) * 1_000;
    return this.#setPlan(owed, Math.max(minIntervalUs, Math.floor(spanUs / owed)), 1, true, wake);
  }

  /** Refills the pump's one plan object; `count` 0 means no segment (stop). */
  #setPlan(count: number, intervalUs: number, direction: Direction, enable: boolean, wakeAtMs: number): Plan {
    const plan = this.#plan;
    if (count > 0) {
      this.#segment.count = count;
      this.#segment.intervalUs = intervalUs;
      plan.segment = this.#segment;
    } else plan.segment = undefined;
    plan.direction = direction;
    plan.enable = enable;
    plan.wakeAtMs = wakeAtMs;
    return plan;
  }

  /** Sensor samples. Returns true when the plan may have changed (an alarm came or went). */
  sense(now: number, inputs: SensorInputs): boolean {
    const before = this.#events.length;
    const delivering = this.#state === 'running' || this.#state === 'paused';
    const rate = this.rateNlPerDay;
    if (inputs.flow) this.#apply(now, this.monitor.flow(now, inputs.flow, rate, delivering));
    if (inputs.force) this.#apply(now, this.monitor.force(inputs.force, this.#state === 'running'));
    if (inputs.batteryMillivolts !== undefined) this.#apply(now, this.monitor.batteryReading(now, inputs.batteryMillivolts, this.#worstStepsPerDay()));
    return this.#events.length !== before;
  }

  /** The stepper driver's fault or stall output went active. */
  stepperFault(now: number, fault: StepperFault): void {
    this.#raise(now, fault.kind === 'stall' ? 'MOTOR_STALL' : 'DRIVER_FAULT', fault.detail);
  }

  /** The syringe-empty end-stop closed: the plunger cannot go further. */
  syringeEmpty(now: number): void {
    this.#raise(now, 'RESERVOIR_EMPTY', 'the syringe-empty end-stop closed');
  }

  /** An event the app observed outside the core (the programming link's security events). */
  note(now: number, type: 'security', why: Reason, data: EventData): void {
    this.#record(now, type, why, data);
  }

  /** For the boot sequence and storage: a reset, a storage fault, or an alarm restored after a reset. */
  raiseAlarm(now: number, name: AlarmName, detail: string): void {
    this.#raise(now, name, detail);
  }

  /** Acknowledges one alarm by code, or every active alarm. */
  acknowledge(now: number, code?: number): Result<{ cleared: number }> {
    const targets = this.alarms.list().filter((a) => code === undefined || a.code === code);
    if (targets.length === 0) return fail(pumpError('NO_SUCH_ALARM', code === undefined ? 'no alarm is active' : `alarm A${code} is not active`, 'code'));
    let cleared = 0;
    for (const a of targets) {
      this.#record(now, 'alarm-ack', reason('ALARM_ACKNOWLEDGED', `A${a.code} ${a.name}`), { alarm: a.name, code: a.code });
      if (this.alarms.acknowledge(a.name)) {
        cleared++;
        this.#record(now, 'alarm-cleared', reason('ALARM_CLEARED', `A${a.code} ${a.name}`), { alarm: a.name, code: a.code });
      }
    }
    this.#resumeIfClear(now);
    return ok({ cleared });
  }

  /** Checks and commits a prescription whole, replacing the running one. */
  program(now: number, input: unknown, flags: ProgramFlags = {}): Result<Accepted> {
    const gate = this.#gate();
    if (!gate.ok) return gate;
    const checked = checkPrescription(input, { library: this.library, mechanics: this.mechanics, running: this.#engine?.rx }, flags);
    if (!checked.ok) return checked;
    const rx = checked.value.prescription;
    if (this.#engine) {
      const dropped = this.#engine.dropOwed();
      this.#engine.interruptBoluses(now, 'INTERRUPTED_BY_PROGRAM', dropped, true);
    }
    this.#record(now, 'program', reason('PROGRAM_STARTED', rx.name), programSummary(rx, checked.value.warnings.length));
    // Built after the program event, so the stream reads: program, then the rate in force.
    this.#engine = new DeliveryEngine(rx, { startMs: now, todOffsetMs: this.#todOffsetMs }, this.mechanics.flPerMicrostep, this.#nextBolusId, this.#emit);
    this.monitor.restartLine();
    this.#operatorPaused = false;
    this.#setState(this.alarms.holdsDelivery ? 'alarm' : 'running', '');
    return checked;
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
    this.#record(now, 'pause', reason('OPERATOR_PAUSE'), {});
    return ok(true);
  }

  resume(now: number): Result<true> {
    if (!this.#engine) return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    const gate = this.#gate();
    if (!gate.ok) return gate;
    if (this.#state === 'stopped') return fail(pumpError('TRIAL_OVER', 'the trial has finished; program a new prescription'));
    if (this.#state === 'alarm') return fail(pumpError('ALARM_ACTIVE', `alarm ${this.alarms.list().map((a) => `A${a.code} ${a.name}`).join(', ')} holds delivery`));
    if (this.#state !== 'paused') return fail(pumpError('NOT_PAUSED', 'delivery is running'));
    this.#operatorPaused = false;
    this.#restart(now, reason('OPERATOR_RESUME'));
    return ok(true);
  }

  /** A patient-activated bolus, within lockout and the 24-hour maxima. */
  patientBolus(now: number): Result<{ bolusId: number }> {
    const result = this.#patientBolus(now);
    if (!result.ok) {
      this.#record(now, 'bolus-denied', reason('PATIENT_DENIED', result.error.message), { code: result.error.code, kind: 'patient' });
    }
    return result;
  }

  #patientBolus(now: number): Result<{ bolusId: number }> {
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    const spec = engine.value.rx.patientBolus;
    if (!spec) return fail(pumpError('NO_PATIENT_BOLUS', 'the prescription has no patient bolus'));
    const allowed = this.ledger.check(now, spec);
    if (!allowed.ok) return allowed;
    const started = this.#startBolus(engine.value, 'patient', spec, now);
    if (started.ok) this.ledger.add(started.value.bolusId, now, spec.durationMs, spec.volumeNl);
    return started;
  }

  /** A clinician bolus: volume over a duration, optionally after a delay. */
  clinicianBolus(now: number, input: unknown): Result<{ bolusId: number }> {
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    const req = checkClinicianBolus(input, engine.value.rx, this.library, this.mechanics);
    return req.ok ? this.#startBolus(engine.value, 'clinician', req.value, now + req.value.delayMs) : req;
  }

  /** Fills the catheter dead volume at the priming rate the prescription sets. */
  prime(now: number): Result<{ bolusId: number }> {
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    const p = engine.value.rx.priming;
    if (!p) return fail(pumpError('MODE_CONTENT', 'the prescription has no priming settings', 'priming'));
    return this.#startBolus(engine.value, 'prime', { volumeNl: p.volumeNl, durationMs: Math.ceil((p.volumeNl * MS_PER_DAY) / p.rateNlPerDay) }, now);
  }

  /** Records the drug now in the reservoir after a refill (and, from a programmer, what was drawn out). */
  refill(now: number, volumeNl: unknown, record?: RefillRecord): Result<true> {
    const gate = this.#gate();
    if (!gate.ok) return gate;
    const read = readRefillVolume(volumeNl, this.mechanics.syringe);
    if (!read.ok) return read;
    const before = this.accounting.reservoirNl;
    const checked = record ? checkRefill(record, before, this.#engine?.rx) : undefined;
    if (checked && !checked.ok) return checked;
    this.accounting.refill(read.value);
    this.#record(now, 'refill', reason(checked?.value.flagged ? 'REFILL_DISCREPANCY' : 'REFILLED'), { beforeNl: before, afterNl: read.value, ...(record && { removedNl: record.removedNl, discrepancyNl: checked!.value.discrepancyNl }) });
    if (this.accounting.reservoirNl > this.accounting.lowReservoirNl) this.#gone(now, 'RESERVOIR_LOW');
    if (this.accounting.stepsLeft(this.mechanics.flPerMicrostep) > 0) this.#gone(now, 'RESERVOIR_EMPTY');
    return ok(true);
  }

  /** Sets the low-reservoir threshold (default 2 mL). */
  setLowReservoirThreshold(now: number, volumeNl: unknown): Result<true> {
    const read = readWholeNl(volumeNl, 'lowReservoirNl');
    if (!read.ok) return read;
    this.accounting.setLowThreshold(read.value);
    this.#record(now, 'setting', reason('THRESHOLD_SET'), { lowReservoirNl: read.value });
    if (this.accounting.reservoirNl > read.value) this.#gone(now, 'RESERVOIR_LOW');
    return ok(true);
  }

  /** New mechanics or calibration (service role), only while delivery is not running. */
  setMechanics(now: number, input: unknown): Result<Mechanics> {
    if (this.#state === 'running') return fail(pumpError('RUNNING', 'pause delivery before changing the mechanics'));
    const m = readMechanics(input);
    if (!m.ok) return m;
    this.mechanics = m.value;
    if (this.#engine) this.#engine.flPerMicrostep = m.value.flPerMicrostep;
    this.monitor.setPlungerArea(plungerAreaMm2(m.value));
    this.#record(now, 'setting', reason('MECHANICS_SET'), { syringe: m.value.syringe.name, flPerMicrostep: m.value.flPerMicrostep, calibrated: m.value.calibrated });
    return m;
  }

  /** A new battery is in: the charge count starts full again. */
  batteryReplaced(now: number): Result<true> {
    this.monitor.battery.replaced(now);
    this.#record(now, 'battery', reason('BATTERY_REPLACED'), {});
    return ok(true);
  }

  /** Sets the time of day; a flexible schedule follows the new clock from now on. */
  setTimeOfDay(now: number, timeOfDayMs: unknown): Result<true> {
    const gate = this.#gate();
    if (!gate.ok) return gate;
    const valid = typeof timeOfDayMs === 'number' && Number.isInteger(timeOfDayMs) && timeOfDayMs >= 0 && timeOfDayMs < MS_PER_DAY;
    if (!valid) return fail(pumpError('FIELD_RANGE', `timeOfDayMs must be a whole number from 0 to ${MS_PER_DAY - 1}`, 'timeOfDayMs'));
    this.#engine?.advance(now);
    this.#todOffsetMs = timeOfDay(timeOfDayMs, -now);
    this.#engine?.retime(now, this.#todOffsetMs);
    this.#record(now, 'clock', reason('CLOCK_SET'), { timeOfDayMs });
    return ok(true);
  }

  status(now: number): PumpStatus {
    const rx = this.#engine?.rx;
    const worstDailyNl = rx ? worstCaseDailyNl(rx) : 0;
    const batteryMsToEri = this.monitor.battery.msToEri(this.#worstStepsPerDay());
    const base = { now, state: this.#state, why: this.#why, engine: this.#engine, accounting: this.accounting };
    return readStatus({ ...base, todOffsetMs: this.#todOffsetMs, worstDailyNl, alarms: this.alarms.list(), batteryMsToEri });
  }

  /** Microsteps a day if the patient took every bolus allowed: the battery's worst case. */
  #worstStepsPerDay(): number {
    const rx = this.#engine?.rx;
    return rx ? (worstCaseDailyNl(rx) * FL_PER_NL) / this.mechanics.flPerMicrostep : 0;
  }

  #apply(now: number, findings: readonly Finding[]): void {
    // Indexed: a for-of would make an iterator per sample on XS.
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i]!;
      if ('raise' in f) this.#raise(now, f.raise, f.detail, f.storedNl, f.arrivedNlPerDay);
      else this.#gone(now, f.gone);
    }
  }

  #raise(now: number, name: AlarmName, detail: string, storedNl = 0, arrivedNlPerDay?: number): void {
    const alarm = this.alarms.raise(name, now, detail);
    if (!alarm) return;
    const spec = ALARMS[name];
    this.#record(now, 'alarm', alarmReason(name, detail), { alarm: name, code: spec.code, priority: spec.priority, stopsDelivery: spec.stopsDelivery });
    if (spec.momentary) this.alarms.conditionGone(name); // latched until acknowledged
    if (spec.stopsDelivery) this.#enterSafeState(now, name, storedNl, arrivedNlPerDay);
  }

  #gone(now: number, name: AlarmName): void {
    if (!this.alarms.conditionGone(name)) return;
    this.#record(now, 'alarm-cleared', reason('ALARM_CLEARED', `A${ALARMS[name].code} ${name}`), { alarm: name, code: ALARMS[name].code });
    this.#resumeIfClear(now);
  }

  /**
   * The single fault path: delivery stops, steps owed are dropped (never caught up), boluses
   * end as interrupted, and after an occlusion the plunger backs off by what the line holds
   * (backoff.ts).
   */
  #enterSafeState(now: number, alarm: AlarmName, storedNl: number, arrivedNlPerDay?: number): void {
    this.safeStateEntries++;
    if (this.#state === 'running') this.#halt(now, 'alarm', `alarm ${alarm}`, 'INTERRUPTED_BY_ALARM');
    else if (this.#state === 'paused') this.#setState('alarm', `alarm ${alarm}`);
    this.#record(now, 'safe-state', reason('SAFE_STATE', alarm), { alarm, entries: this.safeStateEntries });
    if (alarm === 'OCCLUSION') {
      const nl = backoffNl(storedNl, this.#engine ? this.#engine.totalRateNlPerDay() : 0, arrivedNlPerDay);
      this.#backoffSteps = Math.ceil((nl * FL_PER_NL) / this.mechanics.flPerMicrostep);
      if (this.#backoffSteps > 0) this.#record(now, 'backoff', reason('BACKOFF'), { microsteps: this.#backoffSteps, volumeNl: Math.round(nl) });
    }
  }

  /** When no alarm holds delivery any more, delivery resumes (or stays paused if paused). */
  #resumeIfClear(now: number): void {
    if (this.#state !== 'alarm' || this.alarms.holdsDelivery) return;
    if (this.#operatorPaused) {
      // The line starts afresh here too: the deficit that raised the alarm was relieved by the
      // back-off and acknowledged; judged again while paused, it would raise the alarm anew.
      this.monitor.restartLine();
      this.#setState('paused', 'paused by request');
    } else this.#restart(now, reason('ALARM_RESUME'));
  }

  #restart(now: number, why: Reason): void {
    const skipped = this.#engine!.resumeAt(now);
    this.monitor.restartLine();
    this.#setState('running', '');
    this.#record(now, 'resume', why, { skippedDoses: skipped });
  }

  #setState(state: PumpState, why: string): void {
    this.#state = state;
    this.#why = why;
  }

  /** Refuses state changes while an alarm waits for its acknowledgement. */
  #gate(): Result<true> {
    const a = this.alarms.awaitingAck;
    return a ? fail(pumpError('ALARM_UNACKNOWLEDGED', `alarm A${a.code} ${a.name} must be acknowledged first`)) : ok(true);
  }

  #runningEngine(): Result<DeliveryEngine> {
    const gate = this.#gate();
    if (!gate.ok) return gate;
    if (!this.#engine || this.#state === 'idle') return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    if (this.#state === 'stopped') return fail(pumpError('TRIAL_OVER', 'the trial has finished'));
    if (this.#state === 'alarm') return fail(pumpError('ALARM_ACTIVE', `delivery is held by ${this.#why}`));
    if (this.#state !== 'running') return fail(pumpError('PAUSED', `delivery is paused (${this.#why})`));
    return ok(this.#engine);
  }

  /** Starts (or schedules) a bolus: one of each kind at a time (patient: the lockout sees to it), and only what the reservoir holds. */
  #startBolus(engine: DeliveryEngine, kind: 'patient' | 'clinician' | 'prime', spec: BolusSpec, startMs: number): Result<{ bolusId: number }> {
    if (engine.boluses.some((b) => b.kind === kind)) return fail(pumpError('BOLUS_ACTIVE', `a ${kind} bolus is already scheduled or running`));
    const left = this.accounting.reservoirNl;
    if (spec.volumeNl > left) return fail(pumpError('RESERVOIR_TOO_LOW', `the bolus needs ${spec.volumeNl} nl and the reservoir holds ${left} nl`));
    engine.advance(this.#now);
    const b = engine.addBolus(kind, spec, startMs);
    this.#nextBolusId = engine.nextBolusId;
    return ok({ bolusId: b.id });
  }

  /** Stops delivery: steps due but not emitted are dropped (never caught up later). */
  #halt(now: number, state: PumpState, why: string, interrupted: 'INTERRUPTED_BY_PAUSE' | 'INTERRUPTED_BY_ALARM'): void {
    const engine = this.#engine!;
    engine.advance(now);
    const dropped = engine.dropOwed();
    engine.interruptBoluses(now, interrupted, dropped, false);
    this.#setState(state, why);
  }

  #record(at: number, type: EventType, why: Reason, data: EventData): void {
    // An interrupted patient bolus counts against the 24-hour maxima what it may have
    // delivered: its delivered part plus steps commanded and dropped unemitted (erring high).
    if (type === 'bolus-interrupted' && data['kind'] === 'patient') {
      this.ledger.settle(data['id'] as number, at, (data['deliveredNl'] as number) + (data['droppedNl'] as number));
    }
    this.#events.push({ at, type, reason: why, data });
  }
}
