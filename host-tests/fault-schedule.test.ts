// The fault schedule (host/sim/fault-schedule.ts): faults applied to their parts at their times
// on the virtual clock, a missing part named up front, late attachment and detaching.
import { describe, expect, it } from 'vitest';
import { FaultSchedule } from '../host/sim/fault-schedule';
import { FluidLine } from '../host/sim/line';
import { BatteryModel, DriveFaultModel, FlowSensorModel } from '../host/sim/sensor-models';
import { VirtualClock } from '../host/sim/virtual-clock';
import { DAY, HOUR, MIN } from './line-fixtures';

describe('FaultSchedule', () => {
  it('applies each fault to its part at its time on the virtual clock', () => {
    const clock = new VirtualClock();
    const line = new FluidLine();
    const flowSensor = new FlowSensorModel({ line });
    const drive = new DriveFaultModel();
    const battery = new BatteryModel();
    const text =
      'sensor-offset:200@0 occlusion@2h release@3h air:20ul@90m leak:20%@4h clear-leak@5h stall@5h clear-stall@6h ' +
      'driver-fault@7h sensor-unplugged@1h clear-sensor-unplugged@2h sensor-crc@1h sensor-stuck@2h battery-sag:300@1d brown-out@2d clear-brown-out@3d';
    const parsed = FaultSchedule.parse(text, { line, flowSensor, drive, battery });
    if (!parsed.ok) throw new Error(parsed.message);
    const schedule = parsed.schedule;
    const heard: string[] = [];
    schedule.onApply = (a) => heard.push(`${a.atMs} ${a.fault.text}`);
    schedule.attach(clock);
    expect(flowSensor.offsetNlPerMin).toBe(200); // due at once
    clock.runUntil(HOUR);
    expect([flowSensor.unplugged, flowSensor.crcError]).toEqual([true, true]);
    clock.runUntil(90 * MIN);
    expect(line.airInLine).toBe(true);
    clock.runUntil(2 * HOUR);
    expect([line.occluded, flowSensor.unplugged, flowSensor.stuck]).toEqual([true, false, true]);
    clock.runUntil(3 * HOUR);
    expect(line.occluded).toBe(false);
    clock.runUntil(4 * HOUR);
    expect(line.leakFraction).toBeCloseTo(0.2, 12);
    clock.runUntil(5 * HOUR);
    expect([line.leakFraction, drive.stalled]).toEqual([0, true]);
    clock.runUntil(6 * HOUR);
    expect(drive.stalled).toBe(false);
    clock.runUntil(7 * HOUR);
    expect(drive.driverFault).toBe(true);
    clock.runUntil(DAY);
    expect(battery.millivolts(DAY)).toBe(battery.curveMillivolts() - 300);
    clock.runUntil(2 * DAY);
    expect(battery.millivolts(2 * DAY)).toBe(2_300);
    clock.runUntil(3 * DAY);
    expect(battery.brownOut).toBe(false);
    expect(schedule.pending).toHaveLength(0);
    expect(schedule.applied).toHaveLength(schedule.faults.length);
    expect(heard[0]).toBe('0 sensor-offset:200@0');
    expect(heard[heard.length - 1]).toBe(`${3 * DAY} clear-brown-out@3d`);
  });

  it('names the missing part instead of failing later', () => {
    const r = FaultSchedule.parse('stall@1h battery-sag:100@2h', { line: new FluidLine() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/no drive, battery in the target for stall@1h, battery-sag:100@2h/);
  });

  it('applies faults already due when attached late, and detaches cleanly', () => {
    const clock = new VirtualClock();
    const drive = new DriveFaultModel();
    const parsed = FaultSchedule.parse('stall@1h clear-stall@3h', { drive });
    if (!parsed.ok) throw new Error(parsed.message);
    clock.runUntil(2 * HOUR);
    parsed.schedule.attach(clock);
    expect(drive.stalled).toBe(true);
    expect(parsed.schedule.applied[0]!.atMs).toBe(2 * HOUR);
    parsed.schedule.detach();
    clock.runUntil(4 * HOUR);
    expect(drive.stalled).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});
