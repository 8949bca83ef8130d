// Node/XS parity scenarios, delivery: boluses, pauses and the dose memory across resets.
// See scenarios.ts.

import { createLinkedPump } from '../protocol/virtual-link';
import { MockFlash } from '../storage/flash-mock';
import { MockKeyValueStore } from '../storage/kv-mock';
import type { Scenario } from './scenario-kit';
import { MIN, HOUR, DAY, RIG_30, RIG_10, WATER, PATIENT, continuous, BAC_BOLUS, baclofen, Recorder, finalRow } from './scenario-kit';

export const DELIVERY_SCENARIOS: Readonly<Record<string, Scenario>> = {
  /** 24 h at 1 mL/day, continuous. */
  'continuous-24h'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(1_000_000), reservoirNl: 30_000_000 });
    const rec = new Recorder(vp);
    rec.run(DAY);
    return rec.finish();
  },

  /** A flexible schedule switched on at 22:00, across midnight and on into the next evening. */
  'flexible-across-midnight'(createVirtualPump, lib) {
    const schedule = [
      { startMs: 0, rateNlPerDay: 6_000_000 },
      { startMs: 6 * HOUR, rateNlPerDay: 1_500_000 },
      { startMs: 23 * HOUR + 30 * MIN, rateNlPerDay: 12_000_000 },
    ];
    const vp = createVirtualPump({
      mechanics: RIG_30,
      library: lib.library,
      timeOfDayMs: 22 * HOUR,
      prescription: { name: 'flex', drug: WATER, mode: 'flexible', schedule },
    });
    const rec = new Recorder(vp);
    rec.run(DAY + 2 * HOUR);
    return rec.finish();
  },

  /** A patient bolus, a refusal one millisecond before the lockout ends, then a second bolus. */
  'patient-bolus-lockout'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(1_000_000, { patientBolus: PATIENT }) });
    const rec = new Recorder(vp);
    rec.run(10 * MIN);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(PATIENT.lockoutMs - 1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(2 * HOUR);
    return rec.finish();
  },

  /**
   * The same lockout with Time.ticks signed, as on the ESP32, starting 40 min before 2^31 ms:
   * the counter turns negative inside the lockout, which must still hold to the millisecond.
   */
  'patient-bolus-lockout-signed-2^31'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(1_000_000, { patientBolus: PATIENT }), startTick: 2 ** 31 - 40 * MIN, signedTicks: true });
    const rec = new Recorder(vp);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(PATIENT.lockoutMs - 1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(2 * HOUR);
    return rec.finish();
  },

  /** Pause for 30 min (missed time is not delivered), resume, and a bolus refused while paused. */
  'pause-resume'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(2_400_000, { patientBolus: PATIENT }) });
    const rec = new Recorder(vp);
    rec.run(HOUR);
    rec.command('pause', vp.controller.pause());
    rec.run(10 * MIN);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(20 * MIN);
    rec.command('resume', vp.controller.resume());
    rec.run(HOUR);
    return rec.finish();
  },

  /**
   * The dose memory across a power cut (issue 13, hole 1): a patient bolus, the power goes a
   * quarter of an hour later, the next board boots from the same NVS, the reset is
   * acknowledged and a second request within the 1 h lockout is refused (E411); both boards'
   * streams in one, the clock carrying on across the boot.
   */
  'dose-memory-reset'(createVirtualPump, lib) {
    const kv = new MockKeyValueStore();
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(2_400_000, { patientBolus: PATIENT }), storage: kv };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    a.command('bolus', first.controller.patientBolus());
    a.run(15 * MIN);
    const rows = a.finish();
    const second = createVirtualPump(options);
    const b = new Recorder(second);
    b.command('acknowledge', second.controller.acknowledge());
    b.command('bolus', second.controller.patientBolus());
    b.run(HOUR);
    b.command('bolus', second.controller.patientBolus());
    b.run(15 * MIN);
    return [...rows, ...b.finish()];
  },

  /**
   * Issue 13, hole 6: the library's count of clinician boluses survives a power cut (baclofen:
   * two a day soft, four hard), and an OCCLUSION restored at boot is not backed off again.
   */
  'counts-and-backoff-across-reset'(createVirtualPump, lib) {
    const kv = new MockKeyValueStore();
    const bac = { name: 'bac', drug: { name: 'baclofen', concentrationUgPerMl: 500 }, mode: 'continuous', rateNlPerDay: 1_000_000 };
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: bac, storage: kv };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    for (let i = 0; i < 2; i++) {
      a.command('cbolus', first.controller.clinicianBolus({ volumeNl: 20_000, durationMs: 600_000 }));
      a.run(30 * MIN);
    }
    first.line.occlude(first.nowMs);
    a.run(HOUR);
    const rows = a.finish();
    const second = createVirtualPump(options);
    const b = new Recorder(second);
    b.run(MIN);
    b.command('acknowledge', second.controller.acknowledge());
    b.command('cbolus', second.controller.clinicianBolus({ volumeNl: 20_000, durationMs: 600_000 }));
    b.command('cbolus-override', second.controller.clinicianBolus({ volumeNl: 20_000, durationMs: 600_000, overrideSoftLimits: true }));
    b.run(30 * MIN);
    return [...rows, ...b.finish()];
  },

  /**
   * Issue 14, item 1: baclofen at 500 ug/mL runs; a program for 2000 ug/mL is refused (E125,
   * the reservoir holds 500), so is a refill at 2000 while delivering (E423). Delivery goes on.
   */
  'concentration-change-refused'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: baclofen(500, 1_000_000) });
    const rec = new Recorder(vp);
    rec.run(30 * MIN);
    rec.command('program-2000', vp.controller.program(baclofen(2000, 250_000), { overrideSoftLimits: true, confirmLargeIncrease: true }));
    rec.command('refill-2000', vp.controller.refill(10_000_000, { removedNl: 9_000_000, concentrationUgPerMl: 2000 }));
    rec.run(30 * MIN);
    return rec.finish();
  },

  /**
   * The refill-then-program path across a power cut: paused, refilled at 2000 ug/mL; the next
   * board restores the contents and holds the old prescription (RESUME and a bolus: E426),
   * a program for 2000 ug/mL then runs.
   */
  'refill-then-program'(createVirtualPump, lib) {
    const kv = new MockKeyValueStore();
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: baclofen(500, 1_000_000, { patientBolus: BAC_BOLUS }), storage: kv };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    a.run(30 * MIN);
    a.command('pause', first.controller.pause());
    a.command('refill-2000', first.controller.refill(10_000_000, { removedNl: 9_500_000, concentrationUgPerMl: 2000, drug: 'baclofen' }));
    a.command('resume', first.controller.resume());
    a.run(10 * MIN);
    const rows = a.finish();
    const second = createVirtualPump(options);
    const b = new Recorder(second);
    b.command('acknowledge', second.controller.acknowledge());
    b.command('resume', second.controller.resume());
    b.command('bolus', second.controller.patientBolus());
    b.command('program-500', second.controller.program(baclofen(500, 1_000_000, { patientBolus: BAC_BOLUS })));
    b.command('program-2000', second.controller.program(baclofen(2000, 250_000, { patientBolus: BAC_BOLUS })));
    b.run(30 * MIN);
    return [...rows, ...b.finish()];
  },

  /**
   * Issue 14, item 4: a patient bolus cut by a power cut 4 min in; the next board boots from
   * the same NVS and log and closes it there (BOLUS_CUT_BY_RESET) with the bound from the
   * write-ahead counters. The first board's stream, then every LOG line the second one gives.
   */
  'bolus-cut-closed-at-boot'(createVirtualPump, lib) {
    const options = {
      mechanics: RIG_10,
      library: lib.library,
      reservoirNl: 10_000_000,
      prescription: continuous(2_400_000, { patientBolus: PATIENT }),
      storage: new MockKeyValueStore(),
      flash: new MockFlash(),
    };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    a.run(30 * MIN);
    a.command('bolus', first.controller.patientBolus());
    a.run(4 * MIN);
    const rows = a.finish();
    const lp = createLinkedPump(options);
    const client = lp.client();
    for (let from = 0, pages = 0; pages < 10; pages++) {
      const before = client.received.length;
      const r = client.query('LOG', from, 7);
      for (const l of client.received.slice(before)) rows.push([lp.vp.nowMs, 'reply', 'LOG', l]);
      if (!r.ok || r.fields['n'] === '0') break;
      from = Number(r.fields['next']);
    }
    // Acknowledged, the basal runs again (the bolus does not resume).
    rows.push([lp.vp.nowMs, 'cmd', 'acknowledge', lp.vp.controller.acknowledge().ok, null]);
    lp.vp.runFor(10 * MIN);
    return finalRow(lp, rows);
  },

  /**
   * Issue 20: a patient bolus 4 min into its 10 when the loop stalls for 30 min (LOOP_STALLED).
   * The ledger is settled with what it commanded up to the planned wake plus the 1 s allowed
   * (about 20 uL), so after the lockout the patient gets two more 50 uL boluses and the third is
   * refused (E413) by that part, not by the whole dose. 'ledger' rows: bolus id, start, end and
   * counted nl of each record. (Through the controller a request is booked after the late wake
   * is seen, so a bolus is never still pending at a stall; host-tests/loop-stall.test.ts covers
   * that case at the core.)
   */
  'patient-bolus-through-stall'(createVirtualPump, lib) {
    const vp = createVirtualPump({
      mechanics: RIG_10,
      library: lib.library,
      reservoirNl: 10_000_000,
      prescription: continuous(2_400_000, { patientBolus: PATIENT }),
      lateTimers: { seed: 1, randomStalls: false, stalls: [{ atMs: HOUR, ms: 30 * MIN }] },
    });
    const rec = new Recorder(vp);
    const ledger = (): void => {
      rec.rows.push([vp.nowMs, 'ledger', ...vp.controller.pump.ledger.records.map((r) => `${r.bolusId} ${r.startMs}-${r.endMs} ${r.countedNl}`)]);
    };
    rec.run(56 * MIN);
    rec.command('bolus', vp.controller.patientBolus());
    rec.run(34 * MIN);
    rec.command('bolus-in-lockout', vp.controller.patientBolus());
    ledger();
    rec.run(27 * MIN);
    for (const name of ['bolus-2', 'bolus-3', 'bolus-4-over-volume']) {
      rec.command(name, vp.controller.patientBolus());
      rec.run(HOUR);
    }
    ledger();
    return rec.finish();
  },
};
