// The delivery engine: turns a prescription into microsteps due. It integrates the basal rate
// and every running bolus piecewise between exact boundaries (a flexible step starting, a
// bolus starting or ending, a periodic dose coming due), so a rate switches at its millisecond.
// Volume becomes whole nanolitres with the rate-time remainder carried, and nanolitres become
// microsteps with the femtolitre remainder carried: rounding never accumulates. It only ever
// moves forward from `lastMs`: paused time is skipped, never delivered later.

import type { Bolus, BolusKind } from './bolus';
import { bolusEndMs, bolusReachesMs, bolusTargetNl } from './bolus';
import type { EventData, EventType, Reason, TableReason } from './events';
import { reason } from './events';
import type { BolusSpec, Prescription } from './prescription';
import type { BasalSegment, Timebase } from './schedule';
import { basalAt } from './schedule';
import { addRateTime, FL_PER_NL, formatTimeOfDay, MS_PER_DAY, RATE_TIME_PER_NL } from './units';

export type Emit = (at: number, type: EventType, why: Reason, data: EventData) => void;

const START_REASON: Record<BolusKind, TableReason> = {
  patient: 'PATIENT_REQUEST',
  clinician: 'CLINICIAN_REQUEST',
  periodic: 'PERIODIC_DUE',
  trial: 'TRIAL_DOSE_DUE',
  prime: 'PRIMING_REQUEST',
};

// The loop calls advance, nextBoundaryMs, nextStepMs and totalRateNlPerDay at every wake and
// sample: they use indexed loops, not for-of, because on XS each for-of makes an iterator
// object, and garbage per tick means collections (pauses) on the ESP32's fixed heap.
export class DeliveryEngine {
  readonly rx: Prescription;
  readonly timebase: { startMs: number; todOffsetMs: number };
  #flPerMicrostep: number;
  /** Monotonic ms up to which delivery has been integrated. */
  lastMs: number;
  /** Microsteps due and not yet confirmed as emitted by the stepper. */
  owedSteps = 0;
  /** Pending and running boluses; finished ones are dropped after their event. */
  readonly boluses: Bolus[] = [];
  #emit: Emit;
  #basal: BasalSegment;
  /** Rate-time remainder of the basal (nl/day x ms), below one nanolitre. */
  #basalAcc = 0;
  /** Femtolitres commanded but not yet a whole microstep. */
  #stepRemFl = 0;
  #nextPeriodicMs: number;
  #nextId: number;
  #trialEnded = false;
  readonly #out = [0];

  constructor(rx: Prescription, timebase: Timebase, flPerMicrostep: number, firstBolusId: number, emit: Emit) {
    this.rx = rx;
    this.timebase = { startMs: timebase.startMs, todOffsetMs: timebase.todOffsetMs };
    this.#flPerMicrostep = flPerMicrostep;
    this.lastMs = timebase.startMs;
    this.#emit = emit;
    this.#nextId = firstBolusId;
    this.#basal = basalAt(rx.basal, timebase.startMs, timebase);
    this.#nextPeriodicMs = rx.periodicBolus ? timebase.startMs + rx.periodicBolus.firstAfterMs : Infinity;
    if (rx.basal.mode === 'trial') {
      for (const d of rx.basal.trial.doses) this.#add('trial', d, timebase.startMs + d.atMs);
    }
    this.#emitRate(timebase.startMs);
  }

  get basalRateNlPerDay(): number {
    return this.#basal.rateNlPerDay;
  }

  get nextBolusId(): number {
    return this.#nextId;
  }

  /** When the next periodic dose falls due (Infinity: none); storage keeps it across resets. */
  get nextPeriodicMs(): number {
    return this.#nextPeriodicMs;
  }

  /** True once a trial's continuous part and every dose are over. */
  get trialEnded(): boolean {
    return this.#trialEnded;
  }

  /** Schedules a bolus (patient, clinician, priming); it starts at `startMs`. */
  addBolus(kind: BolusKind, spec: BolusSpec, startMs: number): Bolus {
    const b = this.#add(kind, spec, startMs);
    this.#boundaryEvents(this.lastMs);
    return b;
  }

  /** Integrates delivery from `lastMs` up to `now`, stopping at every boundary on the way. */
  advance(now: number): void {
    this.#boundaryEvents(this.lastMs);
    while (this.lastMs < now) {
      const t1 = Math.min(now, this.nextBoundaryMs());
      this.#integrate(this.lastMs, t1);
      this.lastMs = t1;
      this.#boundaryEvents(t1);
    }
  }

  /** Volume of a microstep. */
  get flPerMicrostep(): number {
    return this.#flPerMicrostep;
  }

  /**
   * New mechanics (the service role, while stopped). The volume commanded but not yet a whole
   * microstep may now be one or more of the new, finer ones: they are owed at once. Left in the
   * remainder, the next step would fall due before the last one and the loop would spin
   * (issue 15's fuzzer: MECH to 32 microsteps after an hour, then RESUME, livelocked).
   */
  set flPerMicrostep(fl: number) {
    this.#flPerMicrostep = fl;
    const steps = Math.floor(this.#stepRemFl / fl);
    this.#stepRemFl -= steps * fl;
    this.owedSteps += steps;
  }

  /**
   * The next change of the basal rate alone (a schedule step, a trial's end): when, and the rate
   * from then; null when the rate holds for good. What a clinician reads as "next: 2.4 mL/day
   * at 22:00" (the NEXT query), beside nextBoundaryMs, which a bolus edge may come before.
   */
  nextBasal(): { readonly atMs: number; readonly rateNlPerDay: number } | null {
    const until = this.#basal.untilMs;
    if (until === Infinity) return null;
    return { atMs: until, rateNlPerDay: basalAt(this.rx.basal, until, this.timebase).rateNlPerDay };
  }

  /** The next moment the rates change or a bolus starts or ends (Infinity if none). */
  nextBoundaryMs(): number {
    let t = Math.min(this.#basal.untilMs, this.#nextPeriodicMs);
    for (let i = 0; i < this.boluses.length; i++) {
      const b = this.boluses[i]!;
      const edge = b.status === 'pending' ? b.startMs : bolusEndMs(b);
      if (edge < t) t = edge;
    }
    return t;
  }

  /**
   * The earliest ms after `lastMs` at which one more microstep falls due, if that is before
   * the next boundary; otherwise the boundary (rates change there, so the search restarts).
   */
  nextStepMs(): number {
    const boundary = this.nextBoundaryMs();
    const needNl = Math.ceil((this.#flPerMicrostep - this.#stepRemFl) / FL_PER_NL);
    const rate = this.#basal.rateNlPerDay;
    let hi = boundary;
    if (rate > 0) hi = Math.min(hi, this.lastMs + Math.ceil((needNl * RATE_TIME_PER_NL - this.#basalAcc) / rate));
    for (let i = 0; i < this.boluses.length; i++) {
      const b = this.boluses[i]!;
      if (b.status === 'running') hi = Math.min(hi, bolusReachesMs(b, b.commandedNl + needNl));
    }
    if (hi === Infinity || hi >= boundary) return boundary;
    // Each source alone bounds the time from above; together they get there sooner. The
    // volume is monotonic in time, so a binary search finds the exact millisecond.
    let lo = this.lastMs + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.#gainNl(mid) >= needNl) hi = mid;
      else lo = mid + 1;
    }
    return hi;
  }

  /** Steps that were due but will never be emitted (pause, stop): dropped, not caught up. */
  dropOwed(): number {
    const dropped = this.owedSteps;
    this.owedSteps = 0;
    return dropped;
  }

  /** The stepper confirmed `steps` emitted. */
  confirm(steps: number): void {
    this.owedSteps = Math.max(0, this.owedSteps - steps);
  }

  /**
   * Ends boluses as interrupted, recording what each delivered: running ones always; pending
   * ones unless `keep` says ('trials': scheduled trial doses stay, as at a pause or an alarm;
   * 'pending': every bolus not yet started stays, as after a stalled loop; 'nothing': a new
   * prescription replaces this one). Steps dropped at the same moment are taken from the
   * boluses first (they were the last volume commanded), so no bolus is recorded as delivering
   * more than it did.
   */
  interruptBoluses(at: number, why: TableReason, droppedSteps: number, keep: 'nothing' | 'trials' | 'pending'): void {
    let droppedNl = Math.ceil((droppedSteps * this.#flPerMicrostep) / FL_PER_NL);
    for (let i = 0; i < this.boluses.length; ) {
      const b = this.boluses[i]!;
      if (b.status === 'pending' && (keep === 'pending' || (keep === 'trials' && b.kind === 'trial'))) {
        i++;
        continue;
      }
      const take = Math.min(droppedNl, b.commandedNl);
      b.commandedNl -= take;
      droppedNl -= take;
      this.#end(i, b, at, why, take);
    }
  }

  /** `droppedNl`: commanded, then dropped unemitted (the 24-hour limits still count it). */
  #end(index: number, b: Bolus, at: number, why: TableReason, droppedNl: number): void {
    b.status = 'interrupted';
    b.endedMs = at;
    this.boluses.splice(index, 1);
    this.#emit(at, 'bolus-interrupted', reason(why), { id: b.id, kind: b.kind, volumeNl: b.volumeNl, deliveredNl: b.commandedNl, droppedNl });
  }

  /**
   * Restarts integration at `now` after a pause: the paused interval is skipped, and periodic
   * doses that fell due in it are not given late.
   */
  resumeAt(now: number, why: TableReason = 'INTERRUPTED_BY_PAUSE'): number {
    let skipped = 0;
    const p = this.rx.periodicBolus;
    if (p && this.#nextPeriodicMs < now) {
      const missed = Math.ceil((now - this.#nextPeriodicMs) / p.everyMs);
      this.#nextPeriodicMs += missed * p.everyMs;
      skipped += missed;
    }
    // Trial doses whose start fell inside the pause are missed, not given late.
    for (let i = 0; i < this.boluses.length; ) {
      const b = this.boluses[i]!;
      if (b.status === 'pending' && b.startMs < now) {
        this.#end(i, b, now, why, 0);
        skipped++;
      } else i++;
    }
    this.lastMs = now;
    this.#boundaryEvents(now);
    return skipped;
  }

  /**
   * Carries on after a reset, from `now`, an engine built with the prescription's original
   * start: the periodic schedule goes on from where storage says it was (a dose already given
   * is never due again), and like a resume, nothing that fell due before `now` is given late
   * (trial doses are missed, the basal does not catch up). Returns the doses skipped.
   */
  continueAfterReset(now: number, nextPeriodicMs: number | undefined): number {
    if (nextPeriodicMs !== undefined && nextPeriodicMs > this.#nextPeriodicMs) this.#nextPeriodicMs = nextPeriodicMs;
    const skipped = this.resumeAt(now, 'INTERRUPTED_BY_RESET');
    this.#emitRate(now);
    return skipped;
  }

  /** The time-of-day clock was set: the flexible schedule follows it from `now` on. */
  retime(now: number, todOffsetMs: number): void {
    this.timebase.todOffsetMs = todOffsetMs;
    const before = this.#basal;
    this.#basal = basalAt(this.rx.basal, now, this.timebase);
    if (this.#basal.rateNlPerDay !== before.rateNlPerDay || this.#basal.step !== before.step) this.#emitRate(now);
  }

  /** Sum of the rates running now: basal plus every running bolus. */
  totalRateNlPerDay(): number {
    let r = this.#basal.rateNlPerDay;
    for (let i = 0; i < this.boluses.length; i++) {
      const b = this.boluses[i]!;
      if (b.status === 'running') r += Math.round((b.volumeNl * MS_PER_DAY) / b.durationMs);
    }
    return r;
  }

  #add(kind: BolusKind, spec: BolusSpec, startMs: number): Bolus {
    const b: Bolus = {
      id: this.#nextId++,
      kind,
      volumeNl: spec.volumeNl,
      durationMs: spec.durationMs,
      startMs,
      commandedNl: 0,
      status: 'pending',
      endedMs: undefined,
    };
    this.boluses.push(b);
    return b;
  }

  /** Whole nanolitres that integrating from `lastMs` to `t` would add (no boundary between). */
  #gainNl(t: number): number {
    let nl = Math.floor((this.#basalAcc + this.#basal.rateNlPerDay * (t - this.lastMs)) / RATE_TIME_PER_NL);
    for (let i = 0; i < this.boluses.length; i++) {
      const b = this.boluses[i]!;
      if (b.status === 'running') nl += bolusTargetNl(b, t) - b.commandedNl;
    }
    return nl;
  }

  #integrate(t0: number, t1: number): void {
    let nl = addRateTime(this.#basalAcc, this.#basal.rateNlPerDay, t1 - t0, this.#out);
    this.#basalAcc = this.#out[0]!;
    for (let i = 0; i < this.boluses.length; i++) {
      const b = this.boluses[i]!;
      if (b.status !== 'running') continue;
      const target = bolusTargetNl(b, t1);
      nl += target - b.commandedNl;
      b.commandedNl = target;
    }
    if (nl === 0) return;
    this.#stepRemFl += nl * FL_PER_NL;
    const steps = Math.floor(this.#stepRemFl / this.#flPerMicrostep);
    this.#stepRemFl -= steps * this.#flPerMicrostep;
    this.owedSteps += steps;
  }

  /** Everything that happens exactly at `t`: boluses end, then rates change, then boluses start. */
  #boundaryEvents(t: number): void {
    for (let i = this.boluses.length - 1; i >= 0; i--) {
      const b = this.boluses[i]!;
      if (b.status === 'running' && bolusEndMs(b) <= t) {
        b.status = 'done';
        b.endedMs = bolusEndMs(b);
        this.boluses.splice(i, 1);
        this.#emit(b.endedMs, 'bolus-end', reason('BOLUS_COMPLETE'), { id: b.id, kind: b.kind, volumeNl: b.volumeNl, deliveredNl: b.commandedNl });
      }
    }
    if (this.#basal.untilMs <= t) {
      const before = this.#basal;
      this.#basal = basalAt(this.rx.basal, t, this.timebase);
      if (this.#basal.rateNlPerDay !== before.rateNlPerDay || this.#basal.step !== before.step) this.#emitRate(t);
    }
    const p = this.rx.periodicBolus;
    while (p && this.#nextPeriodicMs <= t) {
      this.#add('periodic', p, this.#nextPeriodicMs);
      this.#nextPeriodicMs += p.everyMs;
    }
    for (let i = 0; i < this.boluses.length; i++) {
      const b = this.boluses[i]!;
      if (b.status === 'pending' && b.startMs <= t) {
        b.status = 'running';
        this.#emit(b.startMs, 'bolus-start', reason(START_REASON[b.kind]), { id: b.id, kind: b.kind, volumeNl: b.volumeNl, durationMs: b.durationMs });
      }
    }
    if (this.rx.basal.mode === 'trial' && !this.#trialEnded && this.#basal.untilMs === Infinity && this.boluses.length === 0) {
      this.#trialEnded = true;
      this.#emit(t, 'trial-end', reason('TRIAL_ENDED'), {});
    }
  }

  #emitRate(t: number): void {
    const b = this.#basal;
    let why = reason(b.reason);
    if (this.rx.basal.mode === 'flexible' && b.step >= 0) {
      const steps = this.rx.basal.steps;
      const detail = `step ${b.step + 1} of ${steps.length}, from ${formatTimeOfDay(steps[b.step]!.startMs)}`;
      why = reason(t === this.timebase.startMs ? 'SCHEDULE_IN_FORCE' : 'SCHEDULE_STEP', detail);
    }
    this.#emit(t, 'rate', why, { rateNlPerDay: b.rateNlPerDay, step: b.step });
  }
}
