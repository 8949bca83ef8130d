// Issue 13, holes 4, 5 (pressure drop) and 6 on the virtual rig: a stuck flow sensor at implant
// rates, delivery once occlusion detection is lost, a disconnection the load cell sees, the force
// baseline before the first push, a reset during an occlusion alarm, and `ack` of a blocked line.
import { describe, expect, it } from 'vitest';
import type { AlarmName } from '../firmware/core/alarms';
import { ALARMS } from '../firmware/core/alarms';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import type { VirtualPump, VirtualPumpOptions } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON } from './fixtures';

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const ML_PER_H = 24_000_000;
const ML_PER_DAY = 1_000_000;

function pump(rateNlPerDay: number, extra: Partial<VirtualPumpOptions> = {}): VirtualPump {
  return createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: continuous(rateNlPerDay), ...extra });
}

function alarmAt(vp: VirtualPump, name: AlarmName, after = 0): number | undefined {
  return vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === name && e.at >= after)?.at;
}

/** Runs until `name` is raised after `fromMs` or `limitMs` passes; ms from `fromMs` (Infinity: never). */
function timeTo(vp: VirtualPump, name: AlarmName, fromMs: number, limitMs: number): number {
  while (alarmAt(vp, name, fromMs) === undefined && vp.nowMs < fromMs + limitMs) vp.runFor(10 * S);
  const at = alarmAt(vp, name, fromMs);
  return at === undefined ? Infinity : at - fromMs;
}

function alarms(vp: VirtualPump): string[] {
  return vp.events.filter((e) => e.type === 'alarm').map((e) => e.data['alarm'] as string);
}

describe('a stuck flow sensor at implant rates, with the line blocked (hole 4)', () => {
  it.each([
    ['1 mL/day', ML_PER_DAY],
    ['0.1 mL/h', ML_PER_H / 10],
  ])('at %s: FLOW_SENSOR_FAULT within 62 s, then LINE_UNWATCHED stops delivery within 60 min and 25 uL', (_label, rate) => {
    const vp = pump(rate, { faults: ['sensor-stuck@1h', 'occlusion@1h'] });
    vp.runFor(HOUR);
    expect(timeTo(vp, 'FLOW_SENSOR_FAULT', HOUR, 2 * MIN)).toBeLessThanOrEqual(62 * S);
    const lostAt = alarmAt(vp, 'FLOW_SENSOR_FAULT')!;
    const pushedAtLoss = vp.line.pushedNl;
    expect(timeTo(vp, 'LINE_UNWATCHED', lostAt, 2 * HOUR)).toBeLessThanOrEqual(HOUR);
    vp.runFor(12 * HOUR);
    expect(vp.controller.status().state).toBe('alarm');
    // Before: 12 h into the blockage, 67 kPa (1 mL/day) and 160 kPa (0.1 mL/h), no alarm.
    expect(vp.line.pushedNl - pushedAtLoss).toBeLessThanOrEqual(25_000 + 200);
    expect(vp.line.pressureKpa).toBeLessThan(10);
  });

  it('at 1 mL/h the bound is the volume: 25 uL after the fault, not the reservoir (7 mL before)', () => {
    const vp = pump(ML_PER_H, { faults: ['sensor-stuck@1h', 'occlusion@1h'] });
    vp.runFor(HOUR);
    expect(timeTo(vp, 'LINE_UNWATCHED', HOUR, 10 * MIN)).toBeLessThanOrEqual(3 * MIN);
    const pushed = vp.line.pushedNl;
    vp.runFor(6 * HOUR);
    expect(vp.line.pushedNl).toBe(pushed);
    expect(vp.line.pushedNl - HOUR * (ML_PER_H / 86_400_000)).toBeLessThan(50_000);
  });

  it('clears when the sensor reads again: acknowledged, delivery resumes', () => {
    const vp = pump(ML_PER_H, { faults: ['sensor-stuck@1h', 'clear-sensor-stuck@2h'] });
    vp.runFor(HOUR);
    expect(timeTo(vp, 'LINE_UNWATCHED', HOUR, 10 * MIN)).toBeLessThanOrEqual(3 * MIN);
    // Acknowledged while the sensor is still stuck: the alarm stays, delivery stays stopped.
    expect(vp.controller.acknowledge().ok).toBe(true);
    vp.runFor(MIN);
    expect(vp.controller.status().state).toBe('alarm');
    expect(vp.controller.status().alarms.map((a) => a.name)).toContain('LINE_UNWATCHED');
    vp.runFor(HOUR);
    expect(vp.controller.status().state).toBe('running');
    expect(vp.controller.status().alarms).toEqual([]);
  });
});

describe('with a load cell, the lost flow check falls back on the force (holes 4 and 6)', () => {
  it('keeps delivering, finds the occlusion by force, and an ack on the still-pressed line keeps the alarm', () => {
    const vp = pump(ML_PER_H, { loadCell: true, faults: ['sensor-stuck@1h', 'occlusion@1h'] });
    vp.runFor(HOUR);
    expect(timeTo(vp, 'FLOW_SENSOR_FAULT', HOUR, 2 * MIN)).toBeLessThanOrEqual(62 * S);
    expect(vp.events.find((e) => e.data['alarm'] === 'FLOW_SENSOR_FAULT')!.reason.text).toMatch(/falls back on the plunger force/);
    // 66 kPa in a 7.5 uL/kPa line: about 30 min at 1 mL/h.
    expect(timeTo(vp, 'OCCLUSION', HOUR, 2 * HOUR)).toBeLessThan(45 * MIN);
    expect(alarms(vp)).not.toContain('LINE_UNWATCHED');
    vp.runFor(MIN);
    // The line is still blocked and under pressure: the ack says so, and delivery stays stopped.
    const ack = vp.controller.acknowledge(ALARMS.OCCLUSION.code);
    expect(ack.ok && ack.value.cleared).toBe(0);
    expect(vp.events.filter((e) => e.type === 'alarm-ack').at(-1)!.reason.text).toMatch(/condition persists/);
    vp.runFor(10 * MIN);
    expect(vp.controller.status().state).toBe('alarm');
    expect(vp.controller.status().alarms.find((a) => a.name === 'OCCLUSION')?.acknowledged).toBe(true);
    // Cleared: the pressure falls through the catheter, the alarm goes, delivery resumes.
    vp.line.release(vp.nowMs);
    vp.runFor(5 * MIN);
    expect(vp.controller.status().alarms.map((a) => a.name)).not.toContain('OCCLUSION');
    expect(vp.controller.status().state).toBe('running');
  });
});

describe('a disconnection downstream of the flow sensor, load cell fitted (hole 5)', () => {
  it('at 1 mL/h the line pressure falls from 1.3 kPa to 0: UNDER_DELIVERY within 60 s, delivery goes on', () => {
    const vp = pump(ML_PER_H, { loadCell: true, faults: ['disconnect@1h'] });
    vp.runFor(HOUR);
    expect(timeTo(vp, 'UNDER_DELIVERY', HOUR, 10 * MIN)).toBeLessThanOrEqual(60 * S);
    expect(vp.events.find((e) => e.data['alarm'] === 'UNDER_DELIVERY')!.reason.text).toMatch(/disconnection or leak/);
    expect(vp.controller.status().state).toBe('running');
  });

  it('raises nothing in 24 h of normal delivery with patient boluses (rate changes relearn the level)', () => {
    const vp = pump(ML_PER_DAY, {
      loadCell: true,
      prescription: continuous(ML_PER_DAY, { patientBolus: { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 150_000 } }),
    });
    for (let h = 0; h < 24; h++) {
      if (h % 8 === 3) expect(vp.controller.patientBolus().ok).toBe(true);
      vp.runFor(HOUR);
    }
    expect(alarms(vp)).toEqual([]);
  });
});

describe('the force baseline before the first push (hole 6)', () => {
  it('a 1 mL syringe at 0.1 mL/day raises no OCCLUSION (before: after 11 s)', () => {
    const vp = createVirtualPump({ mechanics: { ...RIG, syringe: 'bd-1ml' }, library: LIBRARY_JSON, reservoirNl: 1_000_000, prescription: continuous(100_000), loadCell: true });
    vp.runFor(2 * HOUR);
    expect(alarms(vp).filter((a) => a !== 'RESERVOIR_LOW')).toEqual([]);
    expect(vp.controller.status().state).toBe('running');
  });
});

describe('a reset during an OCCLUSION alarm (hole 6)', () => {
  it('restores the alarm without backing the plunger off a second time', () => {
    const kv = new MockKeyValueStore();
    const first = pump(ML_PER_H, { storage: kv, faults: ['occlusion@1h'] });
    first.runFor(HOUR);
    expect(timeTo(first, 'OCCLUSION', HOUR, 3 * MIN)).toBeLessThanOrEqual(120 * S);
    first.runFor(MIN); // the back-off runs
    expect(first.events.filter((e) => e.type === 'backoff')).toHaveLength(1);
    // Power cut: the next board boots from the same storage with the alarm still active.
    const second = pump(ML_PER_H, { storage: kv });
    second.runFor(MIN);
    expect(second.controller.status().alarms.map((a) => a.name)).toContain('OCCLUSION');
    expect(second.events.filter((e) => e.type === 'backoff')).toEqual([]);
    expect(second.rig.position).toBe(0);
  });
});

describe('ack of an occlusion on a line that is still blocked, flow sensor only (hole 6)', () => {
  it('does not claim the condition is gone: delivery resumes on trial and the alarm returns at once', () => {
    const vp = pump(ML_PER_H, { faults: ['occlusion@1h'] });
    vp.runFor(HOUR);
    expect(timeTo(vp, 'OCCLUSION', HOUR, 3 * MIN)).toBeLessThanOrEqual(120 * S);
    vp.runFor(MIN);
    const ackAt = vp.nowMs;
    expect(vp.controller.acknowledge(ALARMS.OCCLUSION.code).ok).toBe(true);
    const cleared = vp.events.find((e) => e.type === 'alarm-cleared' && e.at >= ackAt)!;
    expect(cleared.reason.text).not.toMatch(/condition is gone/);
    expect(cleared.reason.text).toMatch(/raised again if the cause persists/);
    expect(timeTo(vp, 'OCCLUSION', ackAt, 3 * MIN)).toBeLessThanOrEqual(120 * S);
  });
});
