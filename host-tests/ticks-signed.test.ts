// Delivery across 2^31 ms with the tick counter signed, as Time.ticks is on the ESP32
// (modTime.c returns it with xsmcSetInteger, so it turns negative 24.8 days after boot), and
// across 2^32 where the signed counter passes from -1 to 0: the right volume, lockouts to the
// millisecond, and the same events as a pump whose counter started at 0.
import { describe, expect, it } from 'vitest';
import type { VirtualPump } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous, LIBRARY_JSON, mechanics, PATIENT } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const FL = mechanics().flPerMicrostep;
const BASAL = 2_400_000; // 0.1 mL/h
/** The first bolus is asked for 40 min before the boundary: its lockout ends 20 min after it. */
const LEAD = 40 * MIN;

interface Run {
  readonly vp: VirtualPump;
  readonly answers: (number | true)[];
  readonly ticksSeen: number[];
}

/** Boluses at 0, lockout - 1 (refused), lockout and 2 x lockout; 4 h in all. */
function run(startTick: number | undefined, signedTicks: boolean): Run {
  const vp = createVirtualPump({
    mechanics: RIG,
    library: LIBRARY_JSON,
    reservoirNl: 30_000_000,
    prescription: continuous(BASAL, { patientBolus: PATIENT }),
    ...(startTick !== undefined && { startTick }),
    signedTicks,
  });
  const answers: (number | true)[] = [];
  const ticksSeen: number[] = [];
  const ask = (): void => {
    const r = vp.controller.patientBolus();
    answers.push(r.ok ? true : r.error.code);
    ticksSeen.push(vp.clock.ticks);
  };
  ask();
  vp.runFor(PATIENT.lockoutMs - 1);
  ask();
  vp.runFor(1);
  ask();
  vp.runFor(PATIENT.lockoutMs);
  ask();
  vp.runFor(4 * HOUR - 2 * PATIENT.lockoutMs);
  return { vp, answers, ticksSeen };
}

const events = (vp: VirtualPump): unknown[] => vp.events.map((e) => [e.at, e.type, e.reason.code, e.data]);

describe('signed Time.ticks', () => {
  const reference = run(undefined, false);

  it.each([
    ['2^31 (the signed counter turns negative)', 2 ** 31],
    ['2^32 (the signed counter passes -1 to 0)', 2 ** 32],
  ])('across %s: right volume, lockouts hold, same events as from tick 0', (_name, boundary) => {
    const { vp, answers, ticksSeen } = run(boundary - LEAD, true);
    // The scenario did cross the boundary with the counter as the device gives it.
    if (boundary === 2 ** 31) {
      expect(ticksSeen[0]).toBeGreaterThan(0);
      expect(ticksSeen[1]).toBeLessThan(0);
    } else {
      expect(ticksSeen[0]).toBeLessThan(0);
      expect(ticksSeen[1]).toBeGreaterThan(0);
    }
    // 411: still in lockout one millisecond before it ends, across the boundary.
    expect(answers).toEqual([true, 411, true, true]);
    const starts = vp.events.filter((e) => e.type === 'bolus-start').map((e) => e.at);
    const ends = vp.events.filter((e) => e.type === 'bolus-end').map((e) => [e.at, e.data['deliveredNl']]);
    expect(starts).toEqual([0, PATIENT.lockoutMs, 2 * PATIENT.lockoutMs]);
    expect(ends).toEqual(starts.map((s) => [s + PATIENT.durationMs, PATIENT.volumeNl]));
    // 4 h of basal and three boluses, to the microstep.
    const nl = (BASAL * 4) / 24 + 3 * PATIENT.volumeNl;
    expect(Math.abs(vp.rig.position - (nl * 1e6) / FL)).toBeLessThanOrEqual(1);
    expect(vp.controller.status().deliveredNl).toBe(reference.vp.controller.status().deliveredNl);
    // Nothing in the firmware depends on where the counter started or on its sign.
    expect(vp.rig.position).toBe(reference.vp.rig.position);
    expect(events(vp)).toEqual(events(reference.vp));
  });
});
