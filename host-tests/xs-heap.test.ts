// The delivery loop on XS allocates nothing per tick in steady state. The firmware runs alone
// (host/xs/steady.ts: the real controller and stepper driver, stub IO and a timer pool that
// keep nothing) with a flow sensor read every second and a battery every minute.
//
// Method. xsnap's reply to every command carries `currentHeapCount`, the slots in use, and XS
// collects garbage only when an allocation finds its heap full (256 k slots here, far above
// what these windows allocate), so without a `gc()` the count can only rise, by exactly the
// slots allocated. The meter is deterministic: the same program gives the same counts on every
// run and machine. For a window of T simulated ms:
//   live      = heap after "gc"
//   overhead  = heap after "run:1" - live          (the command itself: its message buffer)
//   garbage   = heap after "run:T" - heap after "run:1" - overhead
// `garbage` is what T ms of the loop allocated. Windows stay inside one clock hour: the hourly
// total is an event and may allocate (events, commands and alarms are rare and allowed to).
// What xsnap cannot see: chunk-only garbage (a string built and dropped without any object).
// The steady path builds no strings (the stuck-sensor check compares fields, not a text frame).
//
// At 1 mL/day (a pulse every 20 s or so, timer-stepped) the garbage must be exactly 0. At
// 240 mL/day with 256 microsteps (about 190 steps/s: every 100 ms window is one LEDC segment)
// the STEP pin moves from Digital to PWM and back per segment: those two IO objects are the
// only allocation, so the garbage must be exactly (fast segments) x (what the stub's one
// Digital and one PWM cost, measured with "open:"). On the ESP32 that is two host objects per
// fast segment, only while running faster than 100 steps/s (priming, boluses).
import { afterEach, describe, expect, it } from 'vitest';
import { XsWorker } from '../host/xs/runner';
import { bundleForXs } from '../host/xs/bundle';
import { heapHighWater } from '../host/xs/heap-water';

const SECOND = 1_000;
const HOUR = 3_600_000;

interface ProbeState {
  readonly deliveredNl: number;
  readonly state: string;
  readonly alarms: number;
  readonly timerSets: number;
  readonly digitalOpens: number;
  readonly pwmOpens: number;
}

let source: Promise<string> | undefined;
let worker: XsWorker | undefined;

async function probe(rateNlPerDay: number, microsteps: number): Promise<XsWorker> {
  source ??= bundleForXs('steady');
  worker = XsWorker.start();
  await worker.evaluate(await source);
  await worker.command(`start:${rateNlPerDay}:${microsteps}`);
  return worker;
}

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

const heap = async (w: XsWorker, command: string): Promise<number> => (await w.command(command)).meter.currentHeapCount;
const state = async (w: XsWorker): Promise<ProbeState> => JSON.parse((await w.command('state')).body.toString('utf8')) as ProbeState;

/** Slots the loop allocated over `ms` of simulated time (see the method above). */
async function garbage(w: XsWorker, ms: number): Promise<number> {
  const live = await heap(w, 'gc');
  const warm = await heap(w, 'run:1');
  const after = await heap(w, `run:${ms}`);
  return after - warm - (warm - live);
}

describe('steady delivery on XS allocates nothing per tick', () => {
  it('1 mL/day, timer stepping: 0 slots over each of 24 simulated hours, live heap flat', async () => {
    const w = await probe(1_000_000, 16);
    await heap(w, `run:${HOUR + SECOND}`); // warm-up: first samples, first hour closed
    const live: number[] = [];
    for (let h = 0; h < 24; h++) {
      const before = await state(w);
      // One second after the hour to one second before the next: no hourly event inside.
      expect(await garbage(w, HOUR - 2 * SECOND - 1), `hour ${h}`).toBe(0);
      const after = await state(w);
      // It was delivering all along (steps, samples, timers), not idling.
      expect(after.deliveredNl - before.deliveredNl).toBeGreaterThan(30_000);
      expect(after.timerSets - before.timerSets).toBeGreaterThan(100);
      await heap(w, `run:${2 * SECOND}`); // across the hour (its total event may allocate)
      live.push(await heap(w, 'gc'));
    }
    const last = await state(w);
    expect(last.state).toBe('running');
    expect(last.alarms).toBe(0);
    expect(last.deliveredNl).toBeGreaterThan(1_000_000);
    expect(new Set(live)).toEqual(new Set([live[0]]));
  });

  it('240 mL/day, an LEDC segment per window: only the STEP pin reopenings, exactly', async () => {
    const w = await probe(240_000_000, 256);
    await heap(w, `run:${10 * 60 * SECOND + 500}`); // warm-up inside the first hour
    const ioLive = await heap(w, 'gc');
    const ioBase = await heap(w, 'open:0');
    const perSegment = (await heap(w, 'open:100')) - ioBase - (ioBase - ioLive);
    expect(perSegment / 100).toBe(Math.round(perSegment / 100));
    const before = await state(w);
    const slots = await garbage(w, 10 * 60 * SECOND);
    const after = await state(w);
    const segments = after.pwmOpens - before.pwmOpens;
    expect(segments).toBeGreaterThan(5_000); // ten a second: every window used LEDC
    expect(after.digitalOpens - before.digitalOpens).toBe(segments);
    expect(slots).toBe((segments * perSegment) / 100);
    expect(after.state).toBe('running');
    expect(after.alarms).toBe(0);
  });

  it('240 mL/day with 64 microsteps, several timer pulses per window: 0 slots', async () => {
    const w = await probe(240_000_000, 64);
    await heap(w, `run:${10 * 60 * SECOND + 500}`);
    const before = await state(w);
    expect(await garbage(w, 10 * 60 * SECOND)).toBe(0);
    const after = await state(w);
    expect(after.pwmOpens).toBe(0);
    expect(after.deliveredNl - before.deliveredNl).toBeGreaterThan(1_000_000);
    expect(after.alarms).toBe(0);
  });
});

// The high-water mark (host/xs/heap-water.ts): the firmware alone, turn by turn, with a login,
// signed commands, an LEDC bolus and a commit. Its bound is an upper bound of the live heap at
// every moment; here, that the run did what it says and gives the same count on every run.
describe('the heap high-water mark, turn by turn', () => {
  it('bounds every turn, is set by a real turn, and is the same on every run', async () => {
    const [a, b] = [await heapHighWater(4_000), await heapHighWater(4_000)];
    expect(b).toEqual(a);
    expect(a.turns).toBe(4_000);
    // Steady delivery allocates nothing: only the script's lines, the hourly total and the
    // bolus's fast segments allocate.
    expect(a.allocatingTurns).toBeGreaterThan(50);
    expect(a.allocatingTurns).toBeLessThan(a.turns / 4);
    expect(a.slots).toBeGreaterThanOrEqual(a.liveSlots);
    expect(a.liveSlots).toBeGreaterThan(a.bundle.slots - a.engine.slots);
    expect(a.worst).toMatch(/^(the line|boot|timer turn)/);
    expect(a.chunkBytes).toBeGreaterThan(0);
    expect(a.end).toMatchObject({ state: 'running', alarms: 0 });
  });
});
