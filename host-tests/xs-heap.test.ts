// The delivery loop on XS over a long steady run: the firmware alone (host/xs/steady.ts: the
// real controller and stepper driver, stub IO that keeps nothing) at 1 mL/day with the flow
// sensor read every second. After each simulated hour the garbage is collected and the live
// heap counted: it must not move at all over a day. A slot kept per tick, per step or per
// sample (a growing history, a timer never released) shows up here within hours, long before
// it would fill the ESP32's fixed heap (manifest.json creation.heap).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XsWorker } from '../host/xs/runner';
import { bundleSteadyProbe } from '../host/xs/steady-bundle';

const HOUR = 3_600_000;
let worker: XsWorker | undefined;

beforeAll(async () => {
  const source = await bundleSteadyProbe();
  worker = XsWorker.start();
  await worker.evaluate(source);
});

afterAll(async () => {
  await worker?.close();
});

async function step(command: string): Promise<{ heap: number; state: { deliveredNl: number; state: string; alarms: number } }> {
  const r = await worker!.command(command);
  return { heap: r.meter.currentHeapCount, state: JSON.parse(r.body.toString('utf8')) as { deliveredNl: number; state: string; alarms: number } };
}

describe('steady delivery on XS', () => {
  it('keeps the live heap flat over 24 simulated hours', async () => {
    await step(`run:${HOUR}`); // warm-up: first samples, first hour closed
    const live: number[] = [];
    for (let h = 0; h < 24; h++) {
      await step(`run:${HOUR}`);
      live.push((await step('gc')).heap);
    }
    const last = await step('gc');
    // Delivering all along, with no alarm: this is the steady state, not a stopped pump.
    expect(last.state.state).toBe('running');
    expect(last.state.alarms).toBe(0);
    expect(last.state.deliveredNl).toBeGreaterThan(1_000_000);
    expect(new Set(live)).toEqual(new Set([live[0]]));
  });
});
