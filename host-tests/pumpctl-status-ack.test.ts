// What a new tester needs from status and ack (issue 21, item 3): status names the running
// prescription, its drug, concentration and mode; ack says for each alarm whether its cause is
// gone, still present, or (an occlusion at rest) not knowable until delivery runs, from the
// pump's own alarm-ack and alarm-cleared events, instead of "no alarms left".
import { describe, expect, it } from 'vitest';
import { EXIT } from '../host/errors';
import { board, keyFile, MIN, pumpctl } from './pumpctl-mock';

describe('status and ack say what a tester needs (issue 21, item 3)', () => {
  it('status names the prescription, drug, concentration and mode, in text and JSON', async () => {
    const b = board();
    const r = await pumpctl(b.respond, ['status']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^prescription +"test": water-bench at 1000000 µg\/mL, continuous mode$/m);
    const json = JSON.parse((await pumpctl(b.respond, ['--json', 'status'])).stdout);
    expect(json.prescription).toEqual({ name: 'test', mode: 'continuous', drug: 'water-bench', concentrationUgPerMl: 1_000_000 });
    expect(json.state).toBe('running');
  });

  it('ack of an alarm whose cause is still present says so, not "no alarms left"', async () => {
    const b = board({ reservoirNl: 2_000_000 });
    const keys = keyFile();
    // 1 mL/day takes 10 uL from the reservoir in about 15 minutes.
    expect(b.vp.controller.setLowReservoirThreshold(1_990_000).ok).toBe(true);
    b.vp.runFor(20 * MIN);
    expect(b.vp.controller.status().alarms.map((a) => a.name)).toContain('RESERVOIR_LOW');
    const r = await pumpctl(b.respond, ['--keys', keys, 'ack']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/A\d+ RESERVOIR_LOW: its cause is still present/);
    expect(r.stdout).toMatch(/still active: A\d+ RESERVOIR_LOW \(acknowledged\)/);
    expect(r.stdout).not.toMatch(/no alarms left/);
  });

  it('ack of an occlusion: cleared, but whether the line is clear shows only once delivery runs', async () => {
    // At 1 mL/h the occlusion alarm follows the blockage within minutes.
    const b = board({ faults: ['occlusion@1h'], rateNlPerDay: 24_000_000 });
    const keys = keyFile();
    b.vp.runFor(90 * MIN);
    expect(b.vp.controller.status().alarms.map((a) => a.name)).toEqual(['OCCLUSION']);
    const r = await pumpctl(b.respond, ['--keys', keys, 'ack', 'A10']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/A10 OCCLUSION: cleared, but the pump cannot tell at rest whether its cause is gone/);
    expect(r.stdout).toMatch(/no alarm active for now/);
    expect(r.stdout).not.toMatch(/no alarms left/);
    const json = JSON.parse((await pumpctl(b.respond, ['--keys', keys, '--json', 'ack'])).stdout);
    expect(json.error).toMatchObject({ code: 821, pumpCode: 432 }); // nothing left to acknowledge
  });

  it('a stall line still active: the alarm is raised again at once, and ack says its cause is present', async () => {
    const b = board({ faults: ['stall@1h'] });
    const keys = keyFile();
    b.vp.runFor(61 * MIN);
    const r = await pumpctl(b.respond, ['--keys', keys, 'ack', 'A20']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/A20 MOTOR_STALL: its cause is still present/);
    expect(r.stdout).toMatch(/still active: A20 MOTOR_STALL/);
  });
});
