// The dose guard (issue 13): an independent count of STEP pulses against an allowance derived
// from the prescription alone. Each case breaks the engine or the driver on purpose and checks
// that the guard stops the motor through the one fault path, with at most a few microliters
// delivered beyond the allowance; and that normal delivery never trips it.
import { describe, expect, it } from 'vitest';
import { allowanceFor, DoseGuard, GUARD_SPANS } from '../firmware/core/dose-guard';
import { readPrescription } from '../firmware/core/prescription';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { runawayDriver, underReportingDriver } from '../host/sim/broken-driver';
import type { VirtualPump, VirtualPumpOptions } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

function pump(extra: Partial<VirtualPumpOptions>, rx: unknown = continuous(24_000_000, { patientBolus: PATIENT })): VirtualPump {
  // No flow sensor: it would see most of these faults first (it measures what really flows),
  // and the point here is that the guard alone catches them.
  return createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: rx, flowSensor: false, ...extra });
}

function guardAlarm(vp: VirtualPump) {
  return vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === 'OVER_DELIVERY' && e.reason.text.includes('dose guard'));
}

/** Microliters the plunger pushed beyond what the guard allowed over the windows (the run is < 1 h). */
function excessUl(vp: VirtualPump): number {
  const allowed = vp.controller.guard!.allowed(vp.nowMs).hourNl;
  return (vp.rig.pushedNl - allowed) / 1_000;
}

describe('allowance', () => {
  it('is the peak basal over the span plus every bolus the prescription allows', () => {
    const rx = readPrescription(continuous(2_400_000, { patientBolus: PATIENT }));
    if (!rx.ok) throw new Error(rx.error.message);
    // 0.1 mL/h over 61 min, and two 50 uL boluses (a 60 min lockout, a 10 min bolus: two can
    // deliver in 61 min), within the 150 uL a day.
    expect(allowanceFor(rx.value, GUARD_SPANS.hourMs)).toBe(101_667 + 100_000);
    // A day and 10 min: 2.42 mL of basal and the 150 uL daily maximum.
    // A day and 10 min: 2.42 mL of basal, the 150 uL daily maximum and one more bolus that
    // began before the window and delivers into it.
    expect(allowanceFor(rx.value, GUARD_SPANS.dayMs)).toBe(2_416_667 + 200_000);
  });

  it('a breach is the counted volume over the allowance plus its margin; windows roll', () => {
    const rx = readPrescription(continuous(2_400_000));
    if (!rx.ok) throw new Error(rx.error.message);
    const g = new DoseGuard(0, 1_000_000_000); // 1 uL a pulse
    g.prescribe(0, rx.value);
    expect(g.check(0, 0)).toBeUndefined();
    // 101.7 uL allowed in the hour window, +10 uL margin: 111 pulses pass, 112 breach.
    expect(g.check(1_000, 111)).toBeUndefined();
    expect(g.check(2_000, 112)?.window).toBe('hour');
    // Two hours later the hour window has rolled: the same pulses no longer count there.
    expect(g.check(2 * HOUR, 112)).toBeUndefined();
  });
});

describe('the occlusion back-off (issue 15)', () => {
  // 0.1 mL/h, 1 uL a pulse: 111 pulses an hour pass (101.7 uL + the 10 uL margin).
  function atTenthMlPerHour(): DoseGuard {
    const rx = readPrescription(continuous(2_400_000));
    if (!rx.ok) throw new Error(rx.error.message);
    const g = new DoseGuard(0, 1_000_000_000);
    g.prescribe(0, rx.value);
    g.check(0, 0);
    return g;
  }

  it('reverse pulses are not delivery, nor are the forward pulses that make them good', () => {
    // An hour at the rate, then a 40 uL back-off and the 40 uL that take the line up again on
    // the resume: counted as delivery, 180 pulses against 111 (the back-off of a population rig
    // at 0.1 mL/h tripped the guard, which cut the back-off short).
    const g = atTenthMlPerHour();
    expect(g.check(HOUR - 1_000, 100)).toBeUndefined();
    g.direction(-1);
    expect(g.check(HOUR, 140)).toBeUndefined();
    expect(g.behindPulses).toBe(40);
    // The 40 behind are made good before anything counts: a forward segment of 11 + 40 may run.
    expect(g.headroomPulses).toBe(11 + 40);
    g.direction(1);
    expect(g.check(HOUR + 1_000, 180)).toBeUndefined();
    expect(g.behindPulses).toBe(0);
    // Past the furthest point, forward pulses count again: 12 more breach the hour.
    expect(g.check(HOUR + 2_000, 192)?.window).toBe('hour');
  });

  it('reverse pulses are not subtracted: a runaway after a back-off is caught as soon as without it', () => {
    const g = atTenthMlPerHour();
    g.check(1_000, 50);
    g.direction(-1);
    g.check(2_000, 60);
    g.direction(1);
    // 10 back, 10 made good, then 61 more: 111 counted, and one more breaches, as it would have.
    expect(g.check(3_000, 131)).toBeUndefined();
    expect(g.check(4_000, 132)?.window).toBe('hour');
  });

  it('a DIR line that claims reverse can hide no more than the day counted forward', () => {
    const g = atTenthMlPerHour();
    g.check(1_000, 20);
    g.direction(-1);
    // 200 pulses "reverse" with only 20 counted forward before: 180 of them count as delivery.
    expect(g.check(2_000, 220)?.window).toBe('hour');
    expect(g.behindPulses).toBe(20);
  });
});

describe("the guard's memory", () => {
  it('is kept at the time its buckets cover, even when no check ran since (found by a false trip)', () => {
    const rx = readPrescription(continuous(2_400_000));
    if (!rx.ok) throw new Error(rx.error.message);
    const g = new DoseGuard(0, 1_000_000_000);
    g.prescribe(0, rx.value);
    g.check(0, 0);
    expect(g.check(MIN, 100)).toBeUndefined(); // 100 uL in the first minute
    // No pulse and so no check for two hours; then the memory is saved and a reset restores it.
    const kept = g.memory(2 * HOUR);
    const h = new DoseGuard(2 * HOUR, 1_000_000_000);
    h.prescribe(2 * HOUR, rx.value);
    h.restore(2 * HOUR, kept);
    // The 100 uL are two hours old: out of the hour window, so 110 more uL fit in it.
    expect(h.check(2 * HOUR, 0)).toBeUndefined();
    expect(h.check(2 * HOUR + MIN, 110)).toBeUndefined();
  });
});

describe('the guard catches a broken engine or driver', () => {
  it('a driver that reports a third of its steps', () => {
    const vp = pump({ wrapStepper: underReportingDriver });
    vp.runFor(HOUR);
    expect(guardAlarm(vp)).toBeDefined();
    expect(vp.controller.status().state).toBe('alarm');
    expect(vp.rig.enabled).toBe(false);
    expect(excessUl(vp)).toBeLessThanOrEqual(25);
  });

  it('a runaway at the top step rate that ignores stop()', () => {
    let runaway = false;
    const vp = pump({ wrapStepper: runawayDriver(() => runaway) });
    vp.runFor(10 * MIN);
    runaway = true;
    vp.runFor(MIN);
    expect(guardAlarm(vp)).toBeDefined();
    expect(vp.rig.enabled).toBe(false);
    const pushed = vp.rig.pushedNl;
    vp.runFor(10 * MIN);
    expect(vp.rig.pushedNl).toBe(pushed); // the EN line holds it, whatever the driver does
    expect(excessUl(vp)).toBeLessThanOrEqual(25);
  });

  it('an engine that asks for a burst is refused before the motor moves', () => {
    const vp = pump({});
    vp.runFor(10 * MIN);
    const pump0 = vp.controller.pump;
    const update = pump0.update.bind(pump0);
    pump0.update = (now, emitted) => {
      const plan = update(now, emitted);
      if (plan.segment) (plan.segment as { count: number }).count += 20_000; // 2 mL at once
      return plan;
    };
    const before = vp.rig.pushedNl;
    vp.runFor(MIN);
    const alarm = guardAlarm(vp);
    expect(alarm?.reason.text).toMatch(/refused before the motor moved/);
    expect(vp.rig.pushedNl - before).toBeLessThan(2_000); // nothing of the burst ran
  });

  it('acknowledging while still over the allowance brings the alarm straight back', () => {
    let runaway = false;
    const vp = pump({ wrapStepper: runawayDriver(() => runaway) });
    vp.runFor(10 * MIN);
    runaway = true;
    vp.runFor(MIN);
    expect(guardAlarm(vp)).toBeDefined();
    vp.controller.acknowledge();
    expect(vp.controller.status().alarms.map((a) => a.name)).toContain('OVER_DELIVERY');
    expect(vp.rig.enabled).toBe(false);
  });
});

describe("the guard's own counter", () => {
  it('dead (its buffer unpowered): STEP_COUNT_MISMATCH stops delivery within 64 microsteps and 2 %', () => {
    const vp = pump({ deadStepCounter: true });
    vp.runFor(10 * MIN);
    const alarm = vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === 'STEP_COUNT_MISMATCH');
    expect(alarm?.reason.text).toMatch(/the STEP line counter saw 0/);
    expect(vp.controller.status().state).toBe('alarm');
    // 1 mL/h on a 10 mL syringe is about 2.7 microsteps a second: seen within half a minute.
    expect(alarm!.at).toBeLessThan(30_000);
  });

  it('healthy: no mismatch over a day of delivery and boluses with late timers', () => {
    const vp = pump({ lateTimers: { seed: 9 } }, continuous(7_200_000, { patientBolus: PATIENT }));
    for (let h = 0; h < 24; h++) {
      vp.controller.patientBolus();
      vp.runFor(HOUR);
    }
    expect(vp.events.filter((e) => e.type === 'alarm').map((e) => e.reason.code)).toEqual([]);
  });
});

describe('across resets', () => {
  it('a power cut does not empty the guard: what it counted still counts after the boot', () => {
    const kv = new MockKeyValueStore();
    let runaway = false;
    const first = pump({ storage: kv, wrapStepper: runawayDriver(() => runaway) });
    first.runFor(10 * MIN);
    runaway = true;
    first.runFor(MIN);
    expect(guardAlarm(first)).toBeDefined();
    // The power goes; the board comes back with a healthy driver, the over-delivery still in
    // the guard's hour window: the alarm is back at boot and nothing moves until it ages out.
    const second = pump({ storage: kv });
    expect(guardAlarm(second)?.reason.text).toMatch(/still over/);
    second.controller.acknowledge();
    second.runFor(10 * MIN);
    expect(second.rig.pushedNl).toBe(0);
  });

  it('lost with the dose memory: the bolus part of the day counts as used, the basal runs on', () => {
    const kv = new MockKeyValueStore();
    const first = pump({ storage: kv });
    first.runFor(HOUR);
    for (const slot of ['doses.a', 'doses.b']) for (let i = 0; i < 16; i++) kv.corrupt(slot, i);
    const second = pump({ storage: kv });
    second.controller.acknowledge();
    const allowed = second.controller.guard!.allowed(second.nowMs);
    second.runFor(2 * HOUR);
    expect(guardAlarm(second)).toBeUndefined();
    expect(second.rig.pushedNl).toBeGreaterThan(1_900_000); // two hours of 1 mL/h
    expect(allowed.dayNl).toBeGreaterThan(0);
  });
});

describe('no false trips', () => {
  it('a day at 0.3 mL/h with every patient bolus allowed, a reprogram mid-bolus, priming and late timers', () => {
    const vp = pump({ lateTimers: { seed: 3 } }, continuous(7_200_000, { patientBolus: PATIENT, priming: { volumeNl: 200_000, rateNlPerDay: 24_000_000 } }));
    for (let h = 0; h < 24; h++) {
      vp.controller.patientBolus();
      vp.runFor(5 * MIN);
      if (h === 3) vp.controller.program(continuous(7_200_000, { name: 'again', patientBolus: PATIENT, priming: { volumeNl: 200_000, rateNlPerDay: 24_000_000 } }));
      if (h === 5) vp.controller.prime();
      vp.runFor(HOUR - 5 * MIN);
    }
    expect(vp.events.filter((e) => e.type === 'alarm').map((e) => e.reason.code)).toEqual([]);
  });

  it('30 days at 1 mL/day with boluses on a 60 mL syringe', () => {
    const vp = createVirtualPump({
      mechanics: { ...RIG, syringe: 'bd-60ml' },
      library: LIBRARY_JSON,
      reservoirNl: 60_000_000,
      prescription: continuous(1_000_000, { patientBolus: PATIENT }),
      keepEvents: true,
    });
    for (let d = 0; d < 30; d++) {
      for (let k = 0; k < 3; k++) {
        vp.controller.patientBolus();
        vp.runFor(8 * HOUR);
      }
    }
    expect(vp.events.filter((e) => e.type === 'alarm').map((e) => e.reason.code)).toEqual([]);
    expect(vp.runFor).toBeDefined();
    void DAY;
  });
});
