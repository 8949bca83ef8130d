// The normally-closed pinch valve (issue 13, hole 5): after a free-flow OVER_DELIVERY the safe
// state closes the line, so the siphon stops (it went on at 5 uL/min for the hour after the
// alarm without it); the valve opens only while the motor runs, stays shut through a reset or
// a power cut, and a pin map entry that cannot drive it is a numbered error.
import { describe, expect, it } from 'vitest';
import { BACKOFF_SETTLE_MS } from '../firmware/core/backoff';
import { boardPin } from '../firmware/app/board';
import { openPinchValve, PinchValve } from '../firmware/drivers/pinch-valve';
import type { DigitalConstructor, DigitalOutputOptions } from '../firmware/ports/io';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import type { VirtualPump, VirtualPumpOptions } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { DEFAULT_PINCH_VALVE } from '../host/sim/valve';
import { VirtualClock } from '../host/sim/virtual-clock';
import { continuous, LIBRARY_JSON } from './fixtures';

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const ML_PER_H = 24_000_000;
const FREE_FLOW = 'free-flow:5ul/min@1h';

function pump(extra: Partial<VirtualPumpOptions> = {}): VirtualPump {
  return createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: continuous(ML_PER_H), ...extra });
}

/** Everything that has left the line: into the beaker and out of any leak. */
const leftNl = (vp: VirtualPump): number => vp.line.outletNl + vp.line.leakedNl;

/** Runs second by second until `name` is raised; returns when (fails after `limitMs`). */
function runUntilAlarm(vp: VirtualPump, name: string, limitMs: number): number {
  const end = vp.nowMs + limitMs;
  const at = (): number | undefined => vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === name)?.at;
  while (at() === undefined && vp.nowMs < end) vp.runFor(S);
  const found = at();
  if (found === undefined) throw new Error(`${name} not raised within ${limitMs} ms`);
  return found;
}

/** Free flow at 5 uL/min from 1 h at 1 mL/h: the alarm, then what leaves in the next hour. */
function freeFlowHour(valve: boolean): { alarmAfterMs: number; nextHourNl: number; heldKpa: number; vp: VirtualPump } {
  const vp = pump({ faults: [FREE_FLOW], valve });
  vp.runFor(HOUR);
  const alarmAt = runUntilAlarm(vp, 'OVER_DELIVERY', 15 * MIN);
  const before = leftNl(vp);
  vp.runFor(S);
  const heldKpa = vp.line.pressureKpa;
  vp.runFor(HOUR - S);
  return { alarmAfterMs: alarmAt - HOUR, nextHourNl: leftNl(vp) - before, heldKpa, vp };
}

describe('free flow after OVER_DELIVERY', () => {
  it('with the valve fitted, the safe state closes the line: well under 1 uL leaves in the next hour', () => {
    const { nextHourNl, heldKpa, vp } = freeFlowHour(true);
    expect(vp.controller.status().state).toBe('alarm');
    expect(vp.valve!.closed).toBe(true);
    // What still leaves: the flow during the valve's 50 ms closing time and the half of its
    // pinched tubing pushed out of the outlet (0.75 uL), never the siphon.
    expect(nextHourNl).toBeGreaterThanOrEqual(0);
    expect(nextHourNl).toBeLessThan(1_000);
    // The siphon stopped at the valve: the line holds the pressure it had when the valve shut
    // (1.8 kPa, the flow of 1 mL/h plus the siphon through R), and the siphon adds nothing.
    expect(vp.line.pressureKpa).toBeCloseTo(heldKpa, 6);
    expect(heldKpa).toBeLessThan(2);
  });

  it('without the valve (the rig as the BOM builds it), the siphon goes on: about 310 uL in the hour', () => {
    const { nextHourNl, vp } = freeFlowHour(false);
    expect(vp.valve).toBeUndefined();
    expect(vp.controller.status().state).toBe('alarm');
    expect(nextHourNl).toBeGreaterThan(300_000);
    expect(nextHourNl).toBeLessThan(320_000);
  });

  it('the valve does not slow the alarm much: it is raised within 30 s either way', () => {
    // Equal to the millisecond until the flow check excused from the excess what the line gives
    // back of what it holds (issue 15): the valve's first opening leaves 0.74 uL more in that
    // estimate (half the jaw's tubing), and at 5 uL/min of siphon over 1 mL/h that is about 20 s
    // later (383 s against 362 s).
    expect(Math.abs(freeFlowHour(true).alarmAfterMs - freeFlowHour(false).alarmAfterMs)).toBeLessThanOrEqual(30_000);
  });
});

describe('the valve opens only while the motor runs', () => {
  it('delivers as without a valve; closed while paused, open again on resume', () => {
    const fitted = pump({ valve: true });
    const bare = pump();
    fitted.runFor(HOUR);
    bare.runFor(HOUR);
    expect(fitted.valve!.energised).toBe(true);
    expect(fitted.rig.position).toBe(bare.rig.position);
    // The same steps; what reached the outlet is short by exactly the tubing under the jaw,
    // which the first opening filled (half drawn back from the outlet tip, half from the line).
    expect(leftNl(bare) - leftNl(fitted)).toBeCloseTo(DEFAULT_PINCH_VALVE.pinchNl, 6);
    expect(fitted.controller.pause().ok).toBe(true);
    expect(fitted.valve!.energised).toBe(false);
    fitted.runFor(10 * MIN);
    expect(fitted.valve!.closed).toBe(true);
    expect(fitted.controller.resume().ok).toBe(true);
    fitted.runFor(10 * S);
    expect(fitted.valve!.energised).toBe(true);
    // Between steps (a step every 0.37 s here) the valve stays open: one switch per change of state.
    expect(fitted.valve!.switches).toBe(3);
  });

  it('stays open through the occlusion back-off, then closes', () => {
    const vp = pump({ valve: true, faults: ['occlusion@1h'] });
    vp.runFor(HOUR);
    runUntilAlarm(vp, 'OCCLUSION', 10 * MIN);
    // The alarm's cycle plans the back-off: the plunger reverses with the valve still open, so
    // the relief reaches the blocked line past the valve.
    expect(vp.rig.enabled).toBe(true);
    expect(vp.valve!.energised).toBe(true);
    // And through the back-off's hold, while the line evens out across the sensor (backoff.ts).
    vp.runFor(BACKOFF_SETTLE_MS / 2);
    expect(vp.rig.enabled).toBe(true);
    expect(vp.valve!.energised).toBe(true);
    vp.runFor(BACKOFF_SETTLE_MS / 2 + MIN);
    expect(vp.rig.enabled).toBe(false);
    expect(vp.valve!.energised).toBe(false);
    expect(vp.valve!.closed).toBe(true);
  });
});

describe('reset and power cut', () => {
  const boot = (kv: MockKeyValueStore, faults: string[] = []): VirtualPump =>
    createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: continuous(ML_PER_H), storage: kv, valve: true, faults });

  it('closes when the power goes, and a new board on the same state boots with it closed until delivery runs', () => {
    const kv = new MockKeyValueStore();
    const first = boot(kv);
    first.runFor(HOUR);
    expect(first.valve!.energised).toBe(true);
    first.valve!.powerCut(first.nowMs);
    first.runFor(S);
    expect(first.valve!.closed).toBe(true);

    // The next board boots from the same storage with a siphon already pulling on the line.
    const second = boot(kv, ['free-flow:5ul/min@0']);
    expect(second.controller.status().alarms.map((a) => a.name)).toEqual(['UNEXPECTED_RESET']);
    const before = leftNl(second);
    second.runFor(HOUR);
    // Held by UNEXPECTED_RESET: the coil was never energised, not even for the boot cycle.
    expect(second.valve!.switches).toBe(0);
    expect(second.valve!.closed).toBe(true);
    expect(leftNl(second) - before).toBe(0);
    // Acknowledged: delivery runs, and the valve opens with it.
    expect(second.controller.acknowledge().ok).toBe(true);
    second.runFor(S);
    expect(second.controller.status().state).toBe('running');
    expect(second.valve!.energised).toBe(true);
  });
});

describe('the driver (firmware/drivers/pinch-valve.ts)', () => {
  const io = () => createIoMocks(new VirtualClock(), new PinBus());

  it('drives the gate low at start and writes only when the state changes', () => {
    const mocks = io();
    const valve = new PinchValve({ Digital: mocks.Digital, pin: { gpio: boardPin('valve').gpio } });
    const gate = mocks.digitals[0]!;
    expect(gate.read()).toBe(0);
    expect(valve.isOpen).toBe(false);
    valve.open();
    valve.open();
    expect(gate.read()).toBe(1);
    valve.close();
    valve.close();
    expect(gate.read()).toBe(0);
    expect(gate.writeCount).toBe(3); // the start, one open, one close
  });

  it('refuses a pin map entry that cannot drive the gate with E103, naming it', () => {
    // The SDK's Digital on the ESP32 throws for an output on GPIO 34-39.
    const InputOnly = class {
      static readonly Output = 'output';
      static readonly Input = 'input';
      static readonly InputPullUp = 'input-pull-up';
      constructor(o: DigitalOutputOptions) {
        throw new Error(`input only (pin ${o.pin})`);
      }
    } as unknown as DigitalConstructor;
    const inputOnly = openPinchValve({ Digital: InputOnly, pin: { gpio: 34 } });
    expect(!inputOnly.ok && [inputOnly.error.code, inputOnly.error.message]).toEqual([103, expect.stringMatching(/valve: GPIO 34 cannot drive the valve's MOSFET gate \(input only \(pin 34\)\)/)]);
    const activeLow = openPinchValve({ Digital: io().Digital, pin: { gpio: 33, activeLow: true } });
    expect(!activeLow.ok && activeLow.error.code).toBe(103);
    expect(!activeLow.ok && activeLow.error.message).toMatch(/active high/);
    const notAPin = openPinchValve({ Digital: io().Digital, pin: { gpio: 4.5 } });
    expect(!notAPin.ok && notAPin.error.message).toMatch(/gpio 4.5 is not a GPIO number/);
    // A pin another part already holds.
    const mocks = io();
    new mocks.Digital({ pin: 33, mode: mocks.Digital.Output });
    const taken = openPinchValve({ Digital: mocks.Digital, pin: { gpio: 33 } });
    expect(!taken.ok && taken.error.message).toMatch(/GPIO 33 cannot drive .*already in use/);
  });
});
