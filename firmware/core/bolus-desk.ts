// Where boluses are asked for and ended: patient boluses within their lockout and 24-hour
// maxima (the ledger), clinician boluses within the drug library's limits, priming; one of
// each kind at a time and never more than the reservoir holds. Interrupting boluses settles
// the ledger here, explicitly, with what each patient bolus may have delivered.

import type { BolusKind } from './bolus';
import { checkClinicianBolus } from './bolus-checks';
import type { DeliveryEngine } from './delivery';
import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { EventQueue } from './event-queue';
import type { TableReason } from './events';
import { reason } from './events';
import type { DrugLibrary } from './library';
import type { Mechanics } from './mechanics';
import { PatientLedger } from './patient';
import type { BolusSpec } from './prescription';
import type { PumpState } from './pump-types';
import type { ReservoirRecord } from './reservoir';
import { MS_PER_DAY } from './units';

export type Started = Result<{ bolusId: number }>;

/**
 * The engine a bolus or priming may be given on: one delivering now, from a reservoir that
 * holds what its prescription is for (E426 after a refill with another drug or concentration).
 */
export function deliveringEngine(engine: DeliveryEngine | undefined, state: PumpState, why: string, reservoir: ReservoirRecord): Result<DeliveryEngine> {
  if (!engine || state === 'idle') return fail(pumpError('NOT_PROGRAMMED', 'no prescription is running'));
  if (state === 'stopped') return fail(pumpError('TRIAL_OVER', 'the trial has finished'));
  const held = reservoir.undeliverable(engine.rx);
  if (held) return fail(held);
  if (state === 'alarm') return fail(pumpError('ALARM_ACTIVE', `delivery is held by ${why}`));
  if (state !== 'running') return fail(pumpError('PAUSED', `delivery is paused (${why})`));
  return ok(engine);
}

/** A clinician bolus or a priming fill given, for the library's counts per 24 hours. */
export interface GivenRecord {
  readonly kind: 'clinician' | 'prime';
  readonly startMs: number;
}

export class BolusDesk {
  readonly ledger = new PatientLedger();
  /** Clinician boluses and priming fills of the last 24 h (kept across resets, dose-memory.ts). */
  readonly given: GivenRecord[] = [];
  /** Counts changes to `given`, for storage. */
  givenRevision = 0;
  readonly #events: EventQueue;

  constructor(events: EventQueue) {
    this.#events = events;
  }

  /**
   * A patient-activated bolus, within lockout and the 24-hour maxima; a refusal is an event
   * too (the patient pressed, the history says why nothing came). `syncedMs`: how far the
   * engine may be integrated (the last booked moment).
   */
  patient(now: number, engine: DeliveryEngine, reservoirNl: number, syncedMs: number): Started {
    const result = this.#patient(now, engine, reservoirNl, syncedMs);
    if (!result.ok) this.#events.push(now, 'bolus-denied', reason('PATIENT_DENIED', result.error.message), { code: result.error.code, kind: 'patient' });
    return result;
  }

  #patient(now: number, engine: DeliveryEngine, reservoirNl: number, syncedMs: number): Started {
    const spec = engine.rx.patientBolus;
    if (!spec) return fail(pumpError('NO_PATIENT_BOLUS', 'the prescription has no patient bolus'));
    const allowed = this.ledger.check(now, spec);
    if (!allowed.ok) return allowed;
    const started = this.#start(engine, 'patient', spec, now, reservoirNl, syncedMs);
    if (started.ok) this.ledger.add(started.value.bolusId, now, spec.durationMs, spec.volumeNl);
    return started;
  }

  /** A clinician bolus: volume over a duration, optionally after a delay. */
  clinician(now: number, engine: DeliveryEngine, input: unknown, limits: { library: DrugLibrary; mechanics: Mechanics; reservoirNl: number; syncedMs: number }): Started {
    const req = checkClinicianBolus(input, engine.rx, limits.library, limits.mechanics);
    if (!req.ok) return req;
    const counted = this.#countCheck(now, 'clinician', engine, limits.library, req.value.overrideSoftLimits);
    if (!counted.ok) return counted;
    return this.#given(now, 'clinician', this.#start(engine, 'clinician', req.value, now + req.value.delayMs, limits.reservoirNl, limits.syncedMs));
  }

  /** Fills the catheter dead volume at the priming rate the prescription sets. */
  prime(now: number, engine: DeliveryEngine, reservoirNl: number, syncedMs: number, library: DrugLibrary): Started {
    const p = engine.rx.priming;
    if (!p) return fail(pumpError('MODE_CONTENT', 'the prescription has no priming settings', 'priming'));
    // Priming has no override: its soft count is as binding as the hard one would be, so it is
    // checked against the hard count alone.
    const counted = this.#countCheck(now, 'prime', engine, library, true);
    if (!counted.ok) return counted;
    return this.#given(now, 'prime', this.#start(engine, 'prime', { volumeNl: p.volumeNl, durationMs: Math.ceil((p.volumeNl * MS_PER_DAY) / p.rateNlPerDay) }, now, reservoirNl, syncedMs));
  }

  /**
   * The library's count of clinician boluses (or priming fills) in any 24 hours: each counts
   * from the moment it was asked for. Refused at the hard count; at the soft count unless the
   * request overrides soft limits.
   */
  #countCheck(now: number, kind: 'clinician' | 'prime', engine: DeliveryEngine, library: DrugLibrary, overrideSoft: boolean): Result<true> {
    const entry = library.drugs.find((d) => d.name === engine.rx.drug.name);
    if (!entry) return ok(true);
    while (this.given.length > 0 && this.given[0]!.startMs <= now - MS_PER_DAY) this.given.shift();
    const recent = this.given.filter((g) => g.kind === kind);
    const field = kind === 'clinician' ? 'maxClinicianBolusesPer24h' : 'maxPrimingsPer24h';
    const what = kind === 'clinician' ? 'clinician boluses' : 'priming fills';
    const next = recent.length > 0 ? `; the next is allowed in ${Math.ceil((recent[0]!.startMs + MS_PER_DAY - now) / 60_000)} min` : '';
    if (recent.length >= entry.hard[field])
      return fail(pumpError('HARD_LIMIT', `${recent.length} ${what} in 24 h for ${entry.name}: the hard limit is ${entry.hard[field]} (library hard.${field})${next}`, field));
    if (recent.length >= entry.soft[field] && !overrideSoft)
      return fail(pumpError('SOFT_LIMIT', `${recent.length} ${what} in 24 h for ${entry.name}: the soft limit is ${entry.soft[field]} (library soft.${field}); override to go on${next}`, field));
    return ok(true);
  }

  #given(now: number, kind: 'clinician' | 'prime', started: Started): Started {
    if (started.ok) {
      this.given.push({ kind, startMs: now });
      this.givenRevision++;
    }
    return started;
  }

  /**
   * Ends the engine's boluses as interrupted (see DeliveryEngine.interruptBoluses). A patient
   * bolus cut short counts against the 24-hour maxima what it may have delivered: everything
   * commanded, emitted or dropped unemitted (erring high), from now on for 24 h.
   */
  interrupt(engine: DeliveryEngine, at: number, why: TableReason, droppedSteps: number, keep: 'nothing' | 'trials' | 'pending'): void {
    const patient = engine.boluses.find((b) => b.kind === 'patient');
    const commandedNl = patient ? patient.commandedNl : 0;
    engine.interruptBoluses(at, why, droppedSteps, keep);
    if (patient && patient.status === 'interrupted') this.ledger.settle(patient.id, at, commandedNl);
  }

  /**
   * Restarts the engine's integration at `now` (DeliveryEngine.resumeAt): doses due in the time
   * skipped are missed. A patient bolus among them (asked for, not yet started: it is pending
   * from the request until the engine is next integrated) delivered nothing, and is settled
   * here with what it commanded, 0 nl, from now on for 24 h. Left to the engine alone, the ledger
   * counted its whole dose (issue 20). Returns the doses missed.
   */
  resume(engine: DeliveryEngine, now: number, why?: TableReason): number {
    const patient = engine.boluses.find((b) => b.kind === 'patient' && b.status === 'pending');
    const skipped = engine.resumeAt(now, why);
    if (patient && patient.status === 'interrupted') this.ledger.settle(patient.id, now, patient.commandedNl);
    return skipped;
  }

  #start(engine: DeliveryEngine, kind: BolusKind, spec: BolusSpec, startMs: number, reservoirNl: number, syncedMs: number): Started {
    if (engine.boluses.some((b) => b.kind === kind)) return fail(pumpError('BOLUS_ACTIVE', `a ${kind} bolus is already scheduled or running`));
    if (spec.volumeNl > reservoirNl) return fail(pumpError('RESERVOIR_TOO_LOW', `the bolus needs ${spec.volumeNl} nl and the reservoir holds ${reservoirNl} nl`));
    engine.advance(syncedMs);
    const b = engine.addBolus(kind, spec, startMs);
    return ok({ bolusId: b.id });
  }

  /**
   * The loop did not run from `plannedMs` (its planned wake) to `now`: what was due up to
   * `fromMs` (the ordinary lateness allowed) is delivered as usual, the rest is skipped like a
   * pause (running boluses end as interrupted and count what they may have delivered; periodic
   * and trial doses that fell due are missed, and a patient bolus asked for after `fromMs` never
   * starts and counts nothing). Both settle the ledger here. Returns what LOOP_STALLED says was
   * not delivered.
   */
  stalled(engine: DeliveryEngine, plannedMs: number, fromMs: number, now: number): string {
    engine.advance(fromMs);
    const basal = engine.basalRateNlPerDay;
    const running = engine.boluses.filter((b) => b.status === 'running').length;
    this.interrupt(engine, now, 'INTERRUPTED_BY_STALL', 0, 'pending');
    const skipped = this.resume(engine, now, 'INTERRUPTED_BY_STALL');
    const missedNl = Math.round((basal * (now - fromMs)) / MS_PER_DAY);
    return `the control loop did not run for ${Math.round((now - plannedMs) / 1_000)} s; about ${missedNl} nl of basal not delivered, ${running} bolus(es) interrupted, ${skipped} scheduled dose(s) missed`;
  }
}
