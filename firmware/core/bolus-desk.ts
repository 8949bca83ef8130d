// Where boluses are asked for and ended: patient boluses within their lockout and 24-hour
// maxima (the ledger), clinician boluses within the drug library's limits, priming; one of
// each kind at a time and never more than the reservoir holds. Interrupting boluses settles
// the ledger here, explicitly, with what each patient bolus may have delivered.

import { type BolusKind } from './bolus';
import { checkClinicianBolus } from './bolus-checks';
import { type DeliveryEngine } from './delivery';
import { fail, ok, pumpError, type Result } from './errors';
import { type EventQueue } from './event-queue';
import { reason, type TableReason } from './events';
import { type DrugLibrary } from './library';
import { type Mechanics } from './mechanics';
import { PatientLedger } from './patient';
import { type BolusSpec } from './prescription';
import { MS_PER_DAY } from './units';

export type Started = Result<{ bolusId: number }>;

export class BolusDesk {
  readonly ledger = new PatientLedger();
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
    return req.ok ? this.#start(engine, 'clinician', req.value, now + req.value.delayMs, limits.reservoirNl, limits.syncedMs) : req;
  }

  /** Fills the catheter dead volume at the priming rate the prescription sets. */
  prime(now: number, engine: DeliveryEngine, reservoirNl: number, syncedMs: number): Started {
    const p = engine.rx.priming;
    if (!p) return fail(pumpError('MODE_CONTENT', 'the prescription has no priming settings', 'priming'));
    return this.#start(engine, 'prime', { volumeNl: p.volumeNl, durationMs: Math.ceil((p.volumeNl * MS_PER_DAY) / p.rateNlPerDay) }, now, reservoirNl, syncedMs);
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

  #start(engine: DeliveryEngine, kind: BolusKind, spec: BolusSpec, startMs: number, reservoirNl: number, syncedMs: number): Started {
    if (engine.boluses.some((b) => b.kind === kind)) return fail(pumpError('BOLUS_ACTIVE', `a ${kind} bolus is already scheduled or running`));
    if (spec.volumeNl > reservoirNl) return fail(pumpError('RESERVOIR_TOO_LOW', `the bolus needs ${spec.volumeNl} nl and the reservoir holds ${reservoirNl} nl`));
    engine.advance(syncedMs);
    const b = engine.addBolus(kind, spec, startMs);
    return ok({ bolusId: b.id });
  }
}
