// Late timers (issue 13, hole 2): the virtual clock's ESP32 timing (tick and stalls), and the
// pulse driver on it: a stop timer that comes late in a fast (LEDC) segment lets the train run
// on, and every pulse the motor took must be booked (booked >= emitted, never short).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PulseStepper } from '../firmware/drivers/pulse-stepper';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import type { Stall } from '../host/sim/late-timers';
import { LateTimers, MAX_STALL_MS } from '../host/sim/late-timers';
import { VirtualRig } from '../host/sim/rig';
import { VirtualClock } from '../host/sim/virtual-clock';

const PINS = { step: 4, dir: 5, enable: 6 };

function bench(stalls: readonly Stall[], o: { randomStalls?: boolean; microseconds?: boolean; seed?: number } = {}) {
  const clock = new VirtualClock({ lateTimers: { seed: o.seed ?? 7, randomStalls: o.randomStalls ?? false, stalls } });
  const bus = new PinBus();
  const io = createIoMocks(clock, bus);
  const rig = new VirtualRig({ bus, clock, pins: PINS, flPerMicrostep: 1e8, reservoirNl: 1e9 });
  const stepper = new PulseStepper({
    Digital: io.Digital,
    PWM: io.PWM,
    timer: clock,
    ticks: clock,
    microseconds: o.microseconds === false ? undefined : clock.microseconds,
    pins: PINS,
  });
  stepper.enable(true);
  return { clock, io, rig, stepper };
}

describe('the virtual clock with late timers', () => {
  it('runs a callback on the tick after its due ms, and one already due at once', () => {
    const clock = new VirtualClock({ lateTimers: { seed: 1, randomStalls: false } });
    const at: [string, number][] = [];
    clock.set(() => {
      at.push(['10 ms', clock.nowMs]);
      clock.set(() => at.push(['next turn', clock.nowMs]));
    }, 10);
    clock.runFor(100);
    expect(at).toEqual([
      ['10 ms', 11],
      ['next turn', 11],
    ]);
    expect(clock.lateness).toEqual({ late: 1, maxLateMs: 1 });
  });

  it('holds every callback due in a stall until it ends, in due order, and repeat timers do not drift', () => {
    const clock = new VirtualClock({ lateTimers: { seed: 1, randomStalls: false, stalls: [{ atMs: 100, ms: 40 }] } });
    const at: number[] = [];
    clock.set(() => at.push(-clock.nowMs), 120);
    clock.repeat(() => at.push(clock.nowMs), 50);
    clock.runFor(260);
    // Repeat due at 50, 100, 150, 200, 250: fired 51, then 140 (stalled), 151, 201, 251.
    expect(at).toEqual([51, 140, -140, 151, 201, 251]);
  });

  it('leaves a callback whose late time is past the run target for the next run', () => {
    const clock = new VirtualClock({ lateTimers: { seed: 1, randomStalls: false, stalls: [{ atMs: 8, ms: 30 }] } });
    let firedAt = -1;
    clock.set(() => (firedAt = clock.nowMs), 10);
    clock.runFor(20);
    expect(firedAt).toBe(-1);
    expect(clock.nextDueMs).toBe(38);
    clock.runFor(20);
    expect(firedAt).toBe(38);
  });

  it('draws stalls from the seed alone, at the stated rates and lengths', () => {
    const a = new LateTimers({ seed: 3 });
    const b = new LateTimers({ seed: 3 });
    const windows = 36_000; // ten hours of 1 s windows
    let stalls = 0;
    let long = 0;
    let worst = 0;
    for (let k = 0; k < windows; k++) {
      const s = a.stallOfWindow(k);
      expect(s).toEqual(b.stallOfWindow(k));
      if (s === undefined) continue;
      stalls++;
      expect(s.ms).toBeGreaterThanOrEqual(5);
      expect(s.ms).toBeLessThanOrEqual(MAX_STALL_MS);
      if (s.ms >= 40) long++;
      if (s.ms > 180) worst++;
    }
    // 1/10 + 1/60 + 1/120 + 1/3600 per window: 4510 expected; all but the GC pauses 40 ms or
    // more; the datasheet's worst-case erases (100-400 ms, about 10 in ten hours) past 180 ms
    // about 7 times.
    expect(stalls).toBeGreaterThan(4_200);
    expect(stalls).toBeLessThan(4_800);
    expect(long).toBeGreaterThan(800);
    expect(long).toBeLessThan(1_000);
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(20);
    const first = (t: LateTimers) => Array.from({ length: 100 }, (_, k) => t.stallOfWindow(k));
    expect(first(new LateTimers({ seed: 4 }))).not.toEqual(first(a));
  });
});

describe('a late stop in a fast (LEDC) segment', () => {
  it.each([5, 20])('a stop timer %i ms late: every pulse of the overrun is booked', (lateMs) => {
    // 20 000 steps at 4 kHz: the stop is due at 4999 ms; a stall makes it run lateMs later.
    const count = 20_000;
    const dueMs = (count * 1_000) / 4_000 - 1;
    const { clock, io, rig, stepper } = bench([{ atMs: dueMs, ms: lateMs }]);
    stepper.run({ count, intervalUs: 250 });
    clock.runFor(10_000);
    expect(io.pwms[0]!.changes.at(-1)!.atMs).toBe(dueMs + lateMs);
    const emitted = rig.pulsesCounted;
    // The train ran on: 4 pulses a ms for lateMs - 1 ms past the segment's end.
    expect(emitted).toBe(count + 4 * (lateMs - 1));
    expect(stepper.position).toBeGreaterThanOrEqual(emitted);
    expect(stepper.position).toBe(emitted); // timed in us, the virtual board's booking is exact
    expect(stepper.busy).toBe(false);
  });

  it('a late stop timed in ms only is booked high, never low', () => {
    const { clock, rig, stepper } = bench([{ atMs: 4_999, ms: 20 }], { microseconds: false });
    stepper.run({ count: 20_000, intervalUs: 250 });
    clock.runFor(10_000);
    expect(stepper.position).toBeGreaterThanOrEqual(rig.pulsesCounted);
    expect(stepper.position - rig.pulsesCounted).toBeLessThanOrEqual(4);
  });

  it('a stall while the engine stops the run itself (stop(), run() mid-segment) books what ran', () => {
    const { clock, rig, stepper } = bench([{ atMs: 300, ms: 90 }]);
    stepper.run({ count: 100_000, intervalUs: 333 });
    clock.set(() => stepper.stop(), 310); // due at 310, runs at 390
    clock.runFor(1_000);
    expect(rig.pulsesCounted).toBe(Math.ceil((390 * 3_003) / 1_000));
    expect(stepper.position).toBe(rig.pulsesCounted);
  });

  it('random segments, stops and stalls: booked >= emitted at every instant, and equal at rest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.record({ count: fc.integer({ min: 1, max: 5_000 }), intervalUs: fc.integer({ min: 40, max: 40_000 }), forMs: fc.integer({ min: 1, max: 3_000 }) }), { minLength: 1, maxLength: 8 }),
        (seed, plan) => {
          const { clock, rig, stepper } = bench([], { randomStalls: true, seed });
          for (const { count, intervalUs, forMs } of plan) {
            stepper.run({ count, intervalUs });
            for (let t = 0; t < forMs; t += 7) {
              clock.runFor(Math.min(7, forMs - t));
              expect(stepper.position).toBeGreaterThanOrEqual(rig.pulsesCounted);
            }
          }
          clock.runFor(300_000); // the slowest segment lasts 200 s
          expect(stepper.busy).toBe(false);
          expect(stepper.position).toBe(rig.pulsesCounted);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a late timer in a slow (timer-stepped) segment', () => {
  it('emits the pulses due during a stall at once, each one booked as it is written', () => {
    const { clock, rig, stepper } = bench([{ atMs: 1_000, ms: 100 }]);
    stepper.run({ count: 300, intervalUs: 20_000 });
    clock.runFor(1_099);
    expect(stepper.position).toBe(rig.pulsesCounted);
    const before = rig.pulsesCounted;
    clock.runFor(1);
    // The pulses due at 1000, 1020 ... 1100 all come out when the stall ends.
    expect(rig.pulsesCounted - before).toBe(6);
    clock.runFor(10_000);
    expect(stepper.position).toBe(300);
    expect(rig.pulsesCounted).toBe(300);
  });
});

describe('a day of fast delivery on the virtual pump with late timers', () => {
  it('books every microstep the motor took: booked - emitted >= 0 at every second, and small', { timeout: 300_000 }, async () => {
    const { createVirtualPump } = await import('../host/sim/virtual-pump');
    const { LIBRARY_JSON, continuous } = await import('./fixtures');
    // 0.25 mm lead at 256 microsteps (1.8 nl each): 28.8 mL/day is about 185 steps/s, LEDC.
    const vp = createVirtualPump({
      mechanics: { syringe: 'bd-30ml', leadUm: 250, fullStepsPerRev: 200, microsteps: 256 },
      library: LIBRARY_JSON,
      reservoirNl: 30_000_000,
      keepEvents: false,
      lateTimers: true,
      prescription: continuous(28_800_000),
    });
    let worstShort = -Infinity;
    let worstHigh = 0;
    for (let s = 0; s < 86_400; s++) {
      vp.runFor(1_000);
      const d = vp.stepper.position - vp.rig.pulsesCounted;
      worstShort = Math.max(worstShort, -d);
      worstHigh = Math.max(worstHigh, d);
    }
    expect(vp.rig.pulseLog.some((r) => r.source === 'pwm')).toBe(true);
    expect(vp.clock.lateness.maxLateMs).toBeGreaterThanOrEqual(40); // stalls did come
    expect(vp.rig.pulsesCounted).toBeGreaterThan(15_000_000);
    expect(worstShort).toBeLessThanOrEqual(0);
    expect(worstHigh).toBeLessThanOrEqual(2);
  });
});

describe('an exact segment (the occlusion back-off) under a late timer', () => {
  it('runs from timers at the fast rate, never more than its count, and slips rather than bursts', () => {
    // The return of a back-off: 256 microsteps at 1 kHz, with a 136 ms stall in the middle (what
    // population rig 1 met at 0.1 mL/h). As a PWM train it ran on 137 pulses past its count.
    const { clock, io, rig, stepper } = bench([{ atMs: 100, ms: 136 }]);
    stepper.run({ count: 256, intervalUs: 1_000, exact: true });
    clock.runFor(2_000);
    expect(io.pwms).toHaveLength(0);
    expect(rig.pulsesCounted).toBe(256);
    expect(stepper.position).toBe(256);
    const gaps = rig.pulseTimes.slice(1).map((t, i) => t - rig.pulseTimes[i]!);
    // No two pulses in the same ms: the stall delays the rest of the train (one gap of 136 ms or so).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(130);
  });

  it('the same segment without exact runs on past its count while its stop is late', () => {
    const { clock, rig, stepper } = bench([{ atMs: 254, ms: 136 }]);
    stepper.run({ count: 256, intervalUs: 1_000 });
    clock.runFor(2_000);
    expect(rig.pulsesCounted).toBeGreaterThan(256 + 100);
  });
});
