// Issue 14, item 1: the drug and concentration in the reservoir are facts of the pump, set only
// by a refill (or by the first prescription a pump that never recorded them starts with). A
// program for anything else is refused (E125, "refill first"); a refill with other contents
// needs delivery paused (E423), and the old prescription then delivers nothing (E426: no
// resume, bolus or priming) until one for the new contents is committed. Kept across resets.
// At the pump, through the controller with storage, and through the protocol.
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../firmware/core/errors';
import { Pump } from '../firmware/core/pump';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import type { VirtualPump } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { LIBRARY_JSON, library, mechanics } from './fixtures';

const HOUR = 3_600_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const BOLUS = { volumeNl: 10_000, durationMs: 300_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 40_000 };
const PRIMING = { volumeNl: 100_000, rateNlPerDay: 24_000_000 };

/** Baclofen at `conc` ug/mL and `rateNlPerDay`: the 2000 ug/mL at 0.05 mL/day by default. */
function baclofen(conc = 2000, rateNlPerDay = 50_000, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `bac-${conc}`, drug: { name: 'baclofen', concentrationUgPerMl: conc }, mode: 'continuous', rateNlPerDay, patientBolus: BOLUS, priming: PRIMING, ...extra };
}

function morphine(rateNlPerDay = 100_000): Record<string, unknown> {
  return { name: 'mor', drug: { name: 'morphine', concentrationUgPerMl: 1_000 }, mode: 'continuous', rateNlPerDay };
}

const code = (r: { ok: boolean; error?: { code: number } }): number | 'ok' => (r.ok ? 'ok' : r.error!.code);

function pump(): Pump {
  return new Pump({ mechanics: mechanics(), library: library(), reservoirNl: 10_000_000 }, 0);
}

describe('a program must match what the reservoir holds', () => {
  it("refuses the issue's four-fold overdose: 500 ug/mL at four times the rate over a 2000 ug/mL syringe", () => {
    const p = pump();
    expect(p.program(0, baclofen()).ok).toBe(true);
    p.takeEvents();
    const r = p.program(1_000, baclofen(500, 200_000), { overrideSoftLimits: true, confirmLargeIncrease: true });
    expect(code(r)).toBe(ERRORS.RESERVOIR_CONTENTS_MISMATCH.code);
    expect(!r.ok && r.error.message).toMatch(/reservoir holds baclofen at 2000 ug\/mL.*refill/);
    expect(!r.ok && r.error.field).toBe('drug.concentrationUgPerMl');
    // Nothing changed: the running prescription and no event.
    expect(p.prescription?.drug.concentrationUgPerMl).toBe(2000);
    expect(p.takeEvents()).toEqual([]);
  });

  it('refuses a drug change without a refill, whatever the flags', () => {
    const p = pump();
    expect(p.program(0, baclofen()).ok).toBe(true);
    const r = p.program(1_000, morphine(), { overrideSoftLimits: true, confirmLargeIncrease: true });
    expect(code(r)).toBe(ERRORS.RESERVOIR_CONTENTS_MISMATCH.code);
    expect(!r.ok && r.error.field).toBe('drug.name');
  });

  it('on a pump that never recorded its contents, the first prescription defines them', () => {
    const p = pump();
    expect(p.reservoir.held).toBeUndefined();
    expect(p.program(0, morphine()).ok).toBe(true);
    expect(p.reservoir.held).toEqual({ drug: 'morphine', concentrationUgPerMl: 1_000 });
    expect(code(p.program(1, baclofen()))).toBe(125);
  });
});

describe('the refill, then program procedure', () => {
  it('a refill with other contents needs delivery paused (E423)', () => {
    const p = pump();
    expect(p.program(0, baclofen()).ok).toBe(true);
    expect(code(p.refill(1_000, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 500 }))).toBe(ERRORS.REFILL_WHILE_DELIVERING.code);
    expect(code(p.refill(1_000, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 1_000, drug: 'morphine' }))).toBe(423);
    expect(p.reservoir.held).toEqual({ drug: 'baclofen', concentrationUgPerMl: 2000 });
    // The same contents need no pause.
    expect(p.refill(1_000, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 2000 }).ok).toBe(true);
  });

  it('refuses contents the library does not list, and a refill naming no drug on a pump that knows none', () => {
    const p = pump();
    expect(code(p.refill(0, 5_000_000, { removedNl: 0, concentrationUgPerMl: 2000 }))).toBe(ERRORS.FIELD_MISSING.code);
    expect(code(p.refill(0, 5_000_000, { removedNl: 0, concentrationUgPerMl: 2000, drug: 'heroin' }))).toBe(ERRORS.DRUG_UNKNOWN.code);
    expect(code(p.refill(0, 5_000_000, { removedNl: 0, concentrationUgPerMl: 700, drug: 'baclofen' }))).toBe(ERRORS.CONCENTRATION_UNKNOWN.code);
    expect(p.refill(0, 5_000_000, { removedNl: 0, concentrationUgPerMl: 500, drug: 'baclofen' }).ok).toBe(true);
    expect(p.reservoir.held).toEqual({ drug: 'baclofen', concentrationUgPerMl: 500 });
    // Recorded by a refill, the contents refuse a program for anything else.
    expect(code(p.program(1, baclofen(2000)))).toBe(125);
    expect(p.program(1, baclofen(500, 100_000)).ok).toBe(true);
  });

  it('after the refill the old prescription delivers nothing: no resume, bolus or priming (E426) until a matching one is committed', () => {
    const p = pump();
    expect(p.program(0, baclofen()).ok).toBe(true);
    expect(p.pause(1_000).ok).toBe(true);
    expect(p.refill(2_000, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 500 }).ok).toBe(true);
    const refill = p.takeEvents().find((e) => e.type === 'refill');
    expect(refill?.data).toMatchObject({ drug: 'baclofen', concentrationUgPerMl: 500 });
    expect(refill?.reason.text).toMatch(/not delivered until/);
    const changed = ERRORS.RESERVOIR_CHANGED.code;
    expect(code(p.resume(3_000))).toBe(changed);
    expect(code(p.patientBolus(3_000))).toBe(changed);
    expect(code(p.clinicianBolus(3_000, { volumeNl: 1_000, durationMs: 60_000 }))).toBe(changed);
    expect(code(p.prime(3_000))).toBe(changed);
    expect(p.state).toBe('paused');
    expect(p.status(3_000).why).toMatch(/reservoir now holds baclofen at 500 ug\/mL/);
    // The old prescription again, the new concentration's: refused; matching it, it runs.
    expect(code(p.program(4_000, baclofen()))).toBe(125);
    expect(p.program(4_000, baclofen(500, 200_000)).ok).toBe(true);
    expect(p.state).toBe('running');
    expect(p.patientBolus(5_000).ok).toBe(true);
  });

  it('a refill with other contents under an alarm the operator did not pause under is refused: delivery would resume by itself', () => {
    const p = pump();
    expect(p.program(0, baclofen()).ok).toBe(true);
    p.raiseAlarm(1_000, 'OCCLUSION', 'test');
    expect(p.state).toBe('alarm');
    expect(p.acknowledge(1_500).ok).toBe(true);
    expect(code(p.refill(2_000, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 500 }))).toBe(423);
    expect(p.pause(2_500).ok).toBe(true); // paused under the alarm: stays paused when it clears
    expect(p.refill(3_000, 10_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 500 }).ok).toBe(true);
  });
});

describe('across a reset (the dose memory)', () => {
  function boot(kv: MockKeyValueStore): VirtualPump {
    return createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: baclofen(), storage: kv });
  }

  it('the contents a refill recorded survive; the old prescription comes back held', () => {
    const kv = new MockKeyValueStore();
    const first = boot(kv);
    first.runFor(HOUR);
    expect(first.controller.pause().ok).toBe(true);
    expect(first.controller.refill(10_000_000, { removedNl: 9_000_000, concentrationUgPerMl: 500 }).ok).toBe(true);
    first.runFor(HOUR);
    first.persistence!.shutdown();
    const second = boot(kv);
    const c = second.controller;
    expect(c.pump.reservoir.held).toEqual({ drug: 'baclofen', concentrationUgPerMl: 500 });
    expect(c.pump.prescription?.drug.concentrationUgPerMl).toBe(2000);
    expect(c.pump.state).toBe('paused');
    expect(code(c.resume())).toBe(ERRORS.RESERVOIR_CHANGED.code);
    second.runFor(HOUR);
    expect(second.rig.position).toBe(0); // nothing moved
    expect(code(c.program(baclofen(2000)))).toBe(125);
    expect(c.program(baclofen(500, 200_000)).ok).toBe(true);
    expect(c.pump.state).toBe('running');
  });

  it('the contents survive a power cut too (no clean shutdown), and a new board with no record takes the prescription it starts with', () => {
    const kv = new MockKeyValueStore();
    const first = boot(kv);
    expect(first.controller.pump.reservoir.held).toEqual({ drug: 'baclofen', concentrationUgPerMl: 2000 });
    expect(first.controller.pause().ok).toBe(true);
    expect(first.controller.refill(8_000_000, { removedNl: 10_000_000, concentrationUgPerMl: 1_000, drug: 'morphine' }).ok).toBe(true);
    const second = boot(kv); // power cut: the run simply ends
    expect(second.controller.acknowledge().ok).toBe(true); // UNEXPECTED_RESET
    expect(second.controller.pump.reservoir.held).toEqual({ drug: 'morphine', concentrationUgPerMl: 1_000 });
    expect(code(second.controller.resume())).toBe(426);
    expect(second.controller.program(morphine()).ok).toBe(true);
  });
});

describe('through the protocol', () => {
  function linked() {
    const lp = createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: baclofen() });
    const c = lp.client();
    c.login('clinician', exampleKey('clinician'));
    return { lp, c };
  }

  it('SHOW and COMMIT refuse the concentration change with E125; nothing runs', () => {
    const { lp, c } = linked();
    const { crc32, reply } = c.stage(baclofen(500, 200_000));
    expect(reply.ok).toBe(true);
    const show = c.send('SHOW');
    expect(show.code).toBe(125);
    expect(show.line).toMatch(/the reservoir holds baclofen at 2000 ug\/mL/);
    expect(c.send('COMMIT', crc32, 'soft=1', 'big=1').code).toBe(125);
    expect(lp.vp.controller.pump.prescription?.drug.concentrationUgPerMl).toBe(2000);
  });

  it('the procedure: STOP, REFILL with the new drug, RESUME refused, program for it; INFO shows the contents', () => {
    const { lp, c } = linked();
    expect(c.query('INFO').fields).toMatchObject({ drug: 'baclofen', conc: '2000' });
    expect(c.send('REFILL', 10_000_000, 8_000_000, 1_000, 'morphine').code).toBe(423);
    expect(c.send('STOP').ok).toBe(true);
    expect(c.send('REFILL', 10_000_000, 8_000_000, 1_000, 'morphine').ok).toBe(true);
    expect(c.query('INFO').fields).toMatchObject({ drug: 'morphine', conc: '1000', reservoirNl: '8000000' });
    expect(c.send('RESUME').code).toBe(426);
    expect(c.send('BOLUS').code).toBe(426);
    expect(c.send('PRIME').code).toBe(426);
    expect(c.program(baclofen()).code).toBe(125);
    expect(c.program(morphine()).ok).toBe(true);
    expect(c.query('STATUS').fields['state']).toBe('running');
    // Without a drug the drug stays: a refill at another morphine concentration, paused.
    expect(c.send('PAUSE').ok).toBe(true);
    expect(c.send('REFILL', 8_000_000, 8_000_000, 10_000).ok).toBe(true);
    expect(c.query('INFO').fields).toMatchObject({ drug: 'morphine', conc: '10000' });
    expect(lp.vp.controller.pump.reservoir.held).toEqual({ drug: 'morphine', concentrationUgPerMl: 10_000 });
  });
});
