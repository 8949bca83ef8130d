// The pump's brain, pure: commands and `update(now, emittedSteps)` go in; a plan (the step
// segment to run, whether the driver is powered, when to wake next), events with reasons and
// refusals with numbered errors come out. It never reads a clock or touches a pin.

import { Accounting, DEFAULT_LOW_RESERVOIR_NL } from './accounting';
import { type Accepted, checkPrescription, peakRateNlPerDay, type ProgramFlags, scheduledNgPerDay } from './checks';
import { DeliveryEngine, type Emit } from './delivery';
import { fail, ok, pumpError, type Result } from './errors';
import { type EventData, type EventType, type PumpEvent, type Reason, reason } from './events';
import { FieldReader, readRecord, refuse } from './fields';
import { type DrugLibrary } from './library';
import { type Mechanics } from './mechanics';
import { PatientLedger } from './patient';
import { bolusRateNlPerDay, type BolusSpec, type Prescription } from './prescription';
import { timeOfDay, worstCaseDailyNl } from './schedule';
import { type PumpStatus, readStatus } from './status';
import { doseUg, MS_PER_DAY } from './units';
import { type StepSegment } from '../ports/stepper';

export interface PumpConfig {
  readonly mechanics: Mechanics;
  readonly library: DrugLibrary;
  /** Drug in the reservoir at start. */
  readonly reservoirNl: number;
  readonly lowReservoirNl?: number;
  /** Time of day at `now` when the pump is created (ms after midnight). */
  readonly timeOfDayMs?: number;
}

export type PumpState = 'idle' | 'running' | 'paused' | 'stopped';

/** What the app should do after an update. */
export interface Plan {
  /** Steps to run now, replacing whatever segment is in flight; undefined means stop. */
  readonly segment: StepSegment | undefined;
  readonly enable: boolean;
  /** Monotonic ms of the next update the core needs. */
  readonly wakeAtMs: number;
}

export interface ClinicianBolusRequest extends BolusSpec {
  readonly delayMs: number;
  readonly overrideSoftLimits: boolean;
}

/**
 * Steps due at a high rate are spread over the next window rather than woken for one by one:
 * the app wakes at most this often, and the driver gets one segment per wake.
 */
export const STEP_WINDOW_MS = 100;

export class Pump {
  readonly mechanics: Mechanics;
  readonly library: DrugLibrary;
  readonly accounting: Accounting;
  readonly ledger = new PatientLedger();
  #state: PumpState = 'idle';
  #pauseReason = '';
  #engine: DeliveryEngine | undefined;
  #todOffsetMs: number;
  #events: PumpEvent[] = [];
  #nextBolusId = 1;
  #now: number;
  readonly #emit: Emit;

  constructor(config: PumpConfig, now: number) {
    this.mechanics = config.mechanics;
    this.library = config.library;
    this.#now = now;
    this.#todOffsetMs = timeOfDay(config.timeOfDayMs ?? 0, -now);
    this.accounting = new Accounting(config.reservoirNl, config.lowReservoirNl ?? DEFAULT_LOW_RESERVOIR_NL, now, this.#todOffsetMs);
    this.#emit = (at, type, why, data) => this.#record(at, type, why, data);
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

  /** Events since the last call, oldest first. */
  takeEvents(): PumpEvent[] {
    const e = this.#events;
    this.#events = [];
    return e;
  }

  /**
   * The loop's one entry: book the steps the stepper emitted since the last update, integrate
   * delivery to `now`, and say what to run and when to come back.
   */
  update(now: number, emittedSteps: number): Plan {
    this.book(now, emittedSteps);
    const fl = this.mechanics.flPerMicrostep;
    const engine = this.#engine;
    this.accounting.rollTo(now, this.#todOffsetMs, this.#emit);
    const hourEnd = this.accounting.hourEndMs(this.#todOffsetMs);
    if (!engine || this.#state !== 'running') return { segment: undefined, enable: false, wakeAtMs: hourEnd };

    engine.advance(now);
    const left = this.accounting.stepsLeft(fl);
    if (engine.owedSteps > left) engine.owedSteps = left;
    if (left === 0) {
      this.#halt(now, 'paused', 'reservoir empty', 'INTERRUPTED_BY_EMPTY');
      if (this.accounting.markEmpty()) this.#record(now, 'reservoir-empty', reason('RESERVOIR_EMPTY'), { reservoirNl: this.accounting.reservoirNl });
      return { segment: undefined, enable: false, wakeAtMs: hourEnd };
    }
    if (engine.trialEnded && engine.owedSteps === 0) {
      this.#state = 'stopped';
      this.#pauseReason = 'trial finished';
      return { segment: undefined, enable: false, wakeAtMs: hourEnd };
    }

    const owed = engine.owedSteps;
    const boundary = Math.min(engine.nextBoundaryMs(), hourEnd);
    let wake = Math.min(engine.nextStepMs(), boundary);
    if (owed > 0) wake = Math.min(boundary, Math.max(wake, now + STEP_WINDOW_MS));
    if (owed === 0) return { segment: undefined, enable: true, wakeAtMs: wake };
    const minIntervalUs = Math.ceil(1_000_000 / this.mechanics.maxStepHz);
    const spanUs = Math.min(STEP_WINDOW_MS, wake - now) * 1_000;
    return { segment: { count: owed, intervalUs: Math.max(minIntervalUs, Math.floor(spanUs / owed)) }, enable: true, wakeAtMs: wake };
  }

  /**
   * Books steps the stepper emitted since they were last booked. Called by `update`, and by
   * the app before reading status so the account matches the motor even mid-segment. Steps
   * emitted before `now` belong to the hour they fell in: book before closing that hour (the
   * loop always wakes on the hour).
   */
  book(now: number, emittedSteps: number): void {
    this.#now = now;
    this.accounting.credit(emittedSteps, this.mechanics.flPerMicrostep, now, this.#emit);
    this.#engine?.confirm(emittedSteps);
  }

  /** Checks and commits a prescription whole, replacing the running one. */
  program(now: number, input: unknown, flags: ProgramFlags = {}): Result<Accepted> {
    const checked = checkPrescription(input, { library: this.library, mechanics: this.mechanics, running: this.#engine?.rx }, flags);
    if (!checked.ok) return checked;
    const rx = checked.value.prescription;
    if (this.#engine) {
      const dropped = this.#engine.dropOwed();
      this.#engine.interruptBoluses(now, 'INTERRUPTED_BY_PROGRAM', dropped, true);
    }
    this.#record(now, 'program', reason('PROGRAM_STARTED', rx.name), {
      name: rx.name,
      mode: rx.basal.mode,
      drug: rx.drug.name,
      concentrationUgPerMl: rx.drug.concentrationUgPerMl,
      // The same prescription in drug mass: what is scheduled, and the most any 24 h can hold.
      scheduledUgPerDay: Math.floor(scheduledNgPerDay(rx) / 1_000),
      worstUgPer24h: Math.floor(doseUg(worstCaseDailyNl(rx), rx.drug.concentrationUgPerMl)),
      warnings: checked.value.warnings.length,
    });
    // Built after the program event, so the stream reads: program, then the rate in force.
    this.#engine = new DeliveryEngine(rx, { startMs: now, todOffsetMs: this.#todOffsetMs }, this.mechanics.flPerMicrostep, this.#nextBolusId, this.#emit);
    this.#state = 'running';
    this.#pauseReason = '';
    return checked;
  }

  pause(now: number): Result<true> {
    if (!this.#engine) return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    if (this.#state !== 'running') return fail(pumpError('PAUSED', `delivery is already ${this.#state}`));
    this.#halt(now, 'paused', 'paused by request', 'INTERRUPTED_BY_PAUSE');
    this.#record(now, 'pause', reason('OPERATOR_PAUSE'), {});
    return ok(true);
  }

  resume(now: number): Result<true> {
    if (!this.#engine) return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    if (this.#state === 'stopped') return fail(pumpError('TRIAL_OVER', 'the trial has finished; program a new prescription'));
    if (this.#state !== 'paused') return fail(pumpError('NOT_PAUSED', 'delivery is running'));
    if (this.accounting.stepsLeft(this.mechanics.flPerMicrostep) === 0) return fail(pumpError('RESERVOIR_TOO_LOW', 'the reservoir is empty'));
    const skipped = this.#engine.resumeAt(now);
    this.#state = 'running';
    this.#pauseReason = '';
    this.#record(now, 'resume', reason('OPERATOR_RESUME'), { skippedDoses: skipped });
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
    const room = this.#reservoirRoom(spec.volumeNl);
    if (!room.ok) return room;
    const b = this.#startBolus(engine.value, 'patient', spec, now);
    this.ledger.add(b, now, spec.durationMs, spec.volumeNl);
    return ok({ bolusId: b });
  }

  /** A clinician bolus: volume over a duration, optionally after a delay. */
  clinicianBolus(now: number, input: unknown): Result<{ bolusId: number }> {
    const read = readRecord((): ClinicianBolusRequest => {
      const r = new FieldReader(input, '');
      const req = {
        volumeNl: r.int('volumeNl', 1, 100_000_000),
        durationMs: r.int('durationMs', 1_000, MS_PER_DAY),
        delayMs: r.optInt('delayMs', 0, MS_PER_DAY) ?? 0,
        overrideSoftLimits: r.optBool('overrideSoftLimits') ?? false,
      };
      r.finish();
      return req;
    });
    if (!read.ok) return read;
    const req = read.value;
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    const rx = engine.value.rx;
    if (engine.value.boluses.some((b) => b.kind === 'clinician')) return fail(pumpError('BOLUS_ACTIVE', 'a clinician bolus is already scheduled or running'));
    const entry = this.library.drugs.find((d) => d.name === rx.drug.name);
    const ug = doseUg(req.volumeNl, rx.drug.concentrationUgPerMl);
    if (entry && ug > entry.hard.maxBolusUg) return fail(pumpError('HARD_LIMIT', `a bolus of ${ug} ug is above the hard limit ${entry.hard.maxBolusUg} ug for ${entry.name} (library hard.maxBolusUg)`, 'volumeNl'));
    if (entry && ug > entry.soft.maxBolusUg && !req.overrideSoftLimits) return fail(pumpError('SOFT_LIMIT', `a bolus of ${ug} ug is above the soft limit ${entry.soft.maxBolusUg} ug for ${entry.name} (library soft.maxBolusUg)`, 'volumeNl'));
    const peak = peakRateNlPerDay(rx) + bolusRateNlPerDay(req);
    if (peak > this.mechanics.maxRateNlPerDay) return fail(pumpError('RATE_ABOVE_MECHANICS', `the bolus with everything else the prescription can run reaches ${peak} nl/day; the mechanics allow at most ${this.mechanics.maxRateNlPerDay} nl/day`, 'durationMs'));
    const room = this.#reservoirRoom(req.volumeNl);
    if (!room.ok) return room;
    return ok({ bolusId: this.#startBolus(engine.value, 'clinician', req, now + req.delayMs) });
  }

  /** Fills the catheter dead volume at the priming rate the prescription sets. */
  prime(now: number): Result<{ bolusId: number }> {
    const engine = this.#runningEngine();
    if (!engine.ok) return engine;
    const p = engine.value.rx.priming;
    if (!p) return fail(pumpError('MODE_CONTENT', 'the prescription has no priming settings', 'priming'));
    if (engine.value.boluses.some((b) => b.kind === 'prime')) return fail(pumpError('BOLUS_ACTIVE', 'priming is already running'));
    const room = this.#reservoirRoom(p.volumeNl);
    if (!room.ok) return room;
    const durationMs = Math.ceil((p.volumeNl * MS_PER_DAY) / p.rateNlPerDay);
    return ok({ bolusId: this.#startBolus(engine.value, 'prime', { volumeNl: p.volumeNl, durationMs }, now) });
  }

  /** Records the drug now in the reservoir after a refill. */
  refill(now: number, volumeNl: unknown): Result<true> {
    const read = readRecord(() => {
      if (typeof volumeNl !== 'number' || !Number.isInteger(volumeNl)) refuse('FIELD_NOT_INTEGER', 'volumeNl must be a whole number of nl', 'volumeNl');
      if (volumeNl < 0) refuse('FIELD_RANGE', 'volumeNl cannot be negative', 'volumeNl');
      return volumeNl;
    });
    if (!read.ok) return read;
    const capacity = this.mechanics.syringe.capacityNl;
    if (read.value > capacity) return fail(pumpError('REFILL_OVER_CAPACITY', `${read.value} nl is more than the ${capacity} nl the ${this.mechanics.syringe.name} syringe holds`, 'volumeNl'));
    const before = this.accounting.reservoirNl;
    this.accounting.refill(read.value);
    this.#record(now, 'refill', reason('REFILLED'), { beforeNl: before, afterNl: read.value });
    return ok(true);
  }

  /** Sets the time of day; a flexible schedule follows the new clock from now on. */
  setTimeOfDay(now: number, timeOfDayMs: unknown): Result<true> {
    if (typeof timeOfDayMs !== 'number' || !Number.isInteger(timeOfDayMs) || timeOfDayMs < 0 || timeOfDayMs >= MS_PER_DAY) {
      return fail(pumpError('FIELD_RANGE', `timeOfDayMs must be a whole number from 0 to ${MS_PER_DAY - 1}`, 'timeOfDayMs'));
    }
    this.#engine?.advance(now);
    this.#todOffsetMs = timeOfDay(timeOfDayMs, -now);
    this.#engine?.retime(now, this.#todOffsetMs);
    this.#record(now, 'clock', reason('CLOCK_SET'), { timeOfDayMs });
    return ok(true);
  }

  status(now: number): PumpStatus {
    const rx = this.#engine?.rx;
    return readStatus({
      now,
      state: this.#state,
      why: this.#pauseReason,
      engine: this.#engine,
      accounting: this.accounting,
      todOffsetMs: this.#todOffsetMs,
      worstDailyNl: rx ? worstCaseDailyNl(rx) : 0,
    });
  }

  #runningEngine(): Result<DeliveryEngine> {
    if (!this.#engine || this.#state === 'idle') return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
    if (this.#state === 'stopped') return fail(pumpError('TRIAL_OVER', 'the trial has finished'));
    if (this.#state !== 'running') return fail(pumpError('PAUSED', `delivery is paused (${this.#pauseReason})`));
    return ok(this.#engine);
  }

  #reservoirRoom(volumeNl: number): Result<true> {
    const left = this.accounting.reservoirNl;
    return volumeNl > left ? fail(pumpError('RESERVOIR_TOO_LOW', `the bolus needs ${volumeNl} nl and the reservoir holds ${left} nl`)) : ok(true);
  }

  #startBolus(engine: DeliveryEngine, kind: 'patient' | 'clinician' | 'prime', spec: BolusSpec, startMs: number): number {
    engine.advance(this.#now);
    const b = engine.addBolus(kind, spec, startMs);
    this.#nextBolusId = engine.nextBolusId;
    return b.id;
  }

  /** Stops delivery: steps due but not emitted are dropped (never caught up later). */
  #halt(now: number, state: PumpState, why: string, interrupted: 'INTERRUPTED_BY_PAUSE' | 'INTERRUPTED_BY_EMPTY'): void {
    const engine = this.#engine!;
    engine.advance(now);
    const dropped = engine.dropOwed();
    engine.interruptBoluses(now, interrupted, dropped, false);
    this.#state = state;
    this.#pauseReason = why;
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
