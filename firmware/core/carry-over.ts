// What the pump carries over a reset (dose-memory.ts says what and why): restored when the pump
// is built (the ledger and the clinician and priming counts into the bolus desk, the bolus
// numbers, the reservoir's contents, the running prescription's schedule for the first engine)
// and read back out for storage. Kept apart from the state machine in pump.ts: it runs at boot
// and when storage asks, never in the loop.

import type { BolusDesk } from './bolus-desk';
import type { Emit } from './delivery';
import { DeliveryEngine } from './delivery';
import type { DoseMemory, DOSES_LOST, ProgramMemory } from './dose-memory';
import type { Prescription } from './prescription';
import { ReservoirRecord } from './reservoir';

export class CarryOver {
  /** The pump's reservoir record, seeded with what the reservoir held before the reset. */
  readonly reservoir: ReservoirRecord;
  /** Bolus numbers go on from here until an engine exists (never reused across resets). */
  readonly firstBolusId: number = 1;
  /** The running prescription's schedule as storage kept it: for the first program after boot. */
  #restoring: ProgramMemory | undefined;

  constructor(doses: DoseMemory | typeof DOSES_LOST | undefined, desk: BolusDesk, now: number) {
    // Lost with the dose memory, the contents are unknown: the restored prescription defines them.
    this.reservoir = doses && doses !== 'lost' ? new ReservoirRecord(doses.reservoir, doses.references) : new ReservoirRecord(undefined);
    if (doses === 'lost') desk.ledger.lost(now);
    else if (doses) {
      desk.ledger.restore(doses.patient);
      for (const g of doses.given) desk.given.push({ ...g });
      this.firstBolusId = doses.nextBolusId;
      this.#restoring = doses.program;
    }
  }

  /**
   * An engine for `rx` from `now`. The first one after a reset carries on the schedule storage
   * kept instead (taken once; unless none was stored or it starts after `now`): its original
   * start (a trial does not restart), the periodic dose already given not due again, and nothing
   * due before now given late. Events from building that one are not news: dropped.
   */
  engine(now: number, rx: Prescription, pump: { todOffsetMs: number; flPerMicrostep: number; firstBolusId: number }, emit: Emit): DeliveryEngine {
    const restoring = this.#restoring;
    this.#restoring = undefined;
    const { todOffsetMs, flPerMicrostep: fl, firstBolusId: first } = pump;
    if (!restoring || restoring.startMs > now) return new DeliveryEngine(rx, { startMs: now, todOffsetMs }, fl, first, emit);
    let quiet = true;
    const engine = new DeliveryEngine(rx, { startMs: restoring.startMs, todOffsetMs }, fl, first, (t, type, why, data) => {
      if (!quiet) emit(t, type, why, data);
    });
    quiet = false;
    engine.continueAfterReset(now, restoring.nextPeriodicMs);
    return engine;
  }

  /** Counts changes to what `snapshot` gives (the ledger, the clinician counts, the reservoir). */
  revision(desk: BolusDesk): number {
    return desk.ledger.revision + desk.givenRevision + this.reservoir.revision;
  }

  /** What storage keeps, as copies: storage never holds an object the pump goes on changing. */
  snapshot(now: number, engine: DeliveryEngine | undefined, nextBolusId: number, desk: BolusDesk): DoseMemory {
    const program = engine && { startMs: engine.timebase.startMs, nextPeriodicMs: engine.nextPeriodicMs === Infinity ? undefined : engine.nextPeriodicMs };
    const { held, references } = this.reservoir;
    return { nowMs: now, nextBolusId, patient: desk.ledger.records.map((r) => ({ ...r })), given: desk.given.map((g) => ({ ...g })), program, reservoir: held, references };
  }
}
