// The pulse driver on mock pins, counted by the virtual rig: slow trains from timers, fast ones
// through PWM, and the driver's `position` equal to what the motor took (timed in us, as on the
// board), or above it by a bounded few (timed in ms). Late timers: late-stop.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PulseStepper, PWM_STOP_EARLY_MS, SLOW_STEP_INTERVAL_US } from '../firmware/drivers/pulse-stepper';
import type { PwmOptions, PwmOutput } from '../firmware/ports/io';
import { TICK_MODULUS } from '../firmware/core/ticks';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import { VirtualRig } from '../host/sim/rig';
import { VirtualClock } from '../host/sim/virtual-clock';

const PINS = { step: 4, dir: 5, enable: 6 };

interface BenchOptions {
  startTick?: number;
  pwm?: boolean;
  /** Time PWM runs with the microsecond clock (default true, as on the board). */
  microseconds?: boolean;
}

function bench(o: BenchOptions = {}) {
  const clock = new VirtualClock({ startTick: o.startTick ?? 0 });
  const bus = new PinBus();
  const io = createIoMocks(clock, bus);
  const rig = new VirtualRig({ bus, clock, pins: PINS, flPerMicrostep: 229_123_456.75, reservoirNl: 30_000_000 });
  const stepper = new PulseStepper({
    Digital: io.Digital,
    PWM: o.pwm === false ? undefined : io.PWM,
    timer: clock,
    ticks: clock,
    microseconds: o.microseconds === false ? undefined : clock.microseconds,
    pins: PINS,
  });
  stepper.enable(true);
  return { clock, bus, io, rig, stepper };
}

/** floor(k * intervalUs / 1000) from the segment start: the ms each pulse is due. */
function dueTimes(startMs: number, count: number, intervalUs: number): number[] {
  return Array.from({ length: count }, (_, k) => startMs + Math.floor((k * intervalUs) / 1_000));
}

describe('slow segments (timer stepping)', () => {
  it('emits the first pulse at once and each later one at its exact ms, without drift', () => {
    const { clock, rig, stepper } = bench();
    clock.runFor(1_234);
    stepper.run({ count: 100_000, intervalUs: 33_333 }); // 30.0003 steps/s
    expect(rig.pulsesCounted).toBe(1);
    expect(stepper.busy).toBe(true);
    clock.runFor(100_000 * 34);
    expect(stepper.busy).toBe(false);
    expect(stepper.position).toBe(100_000);
    expect(rig.pulsesCounted).toBe(100_000);
    // Pulse k at start + floor(k * 33.333 ms): the last is 3,333,266 ms in, where adding a
    // rounded 33 ms each time would have put it 33,332 ms early.
    expect(rig.pulseTimes).toEqual(dueTimes(1_234, 100_000, 33_333));
  });

  it('takes one timer callback per pulse and leaves no timer behind', () => {
    const { clock, stepper } = bench();
    stepper.run({ count: 50, intervalUs: 20_000 });
    expect(clock.runFor(10_000)).toBe(49);
    expect(clock.pendingTimers).toBe(0);
  });

  it(`treats ${SLOW_STEP_INTERVAL_US} us as slow and opens no PWM`, () => {
    const { clock, io, rig, stepper } = bench();
    stepper.run({ count: 20, intervalUs: SLOW_STEP_INTERVAL_US });
    clock.runFor(1_000);
    expect(io.pwms).toHaveLength(0);
    expect(rig.pulseTimes).toEqual(dueTimes(0, 20, SLOW_STEP_INTERVAL_US));
  });
});

describe('fast segments (PWM)', () => {
  it('runs LEDC at round(1e6 / intervalUs) Hz, 50% duty, stops a tick early, and books the exact count', () => {
    const { clock, bus, io, rig, stepper } = bench();
    clock.runFor(10);
    stepper.run({ count: 1_000, intervalUs: 500 });
    expect(bus.ownerOf(PINS.step)).toBe('pwm');
    clock.runFor(2_000);
    const pwm = io.pwms[0]!;
    expect(pwm.hz).toBe(2_000);
    // 500 ms would hold the 1000 pulses; the stop is due 1 ms before, so that a stop one tick
    // late still holds no more. The two pulses left follow from timers.
    expect(PWM_STOP_EARLY_MS).toBe(1);
    expect(pwm.changes.map((c) => [c.atMs, c.duty])).toEqual([
      [10, 0],
      [10, 2 ** (pwm.resolution - 1)],
      [509, 0],
    ]);
    expect(rig.pulseLog.map((r) => [r.source, r.atMs, r.count])).toEqual([
      ['pwm', 509, 998],
      ['step', 510, 1],
      ['step', 511, 1],
    ]);
    expect(pwm.closed).toBe(true);
    expect(stepper.position).toBe(1_000);
    expect(rig.pulsesCounted).toBe(1_000);
    // STEP is a Digital output, driven low, again.
    expect(bus.ownerOf(PINS.step)).toBe('digital');
    expect(io.digitals.at(-1)!.pin).toBe(PINS.step);
    expect(io.digitals.at(-1)!.read()).toBe(0);
  });

  it('counts the rising edge of a period cut short: 150 Hz for 45 ms is 7 pulses, not 6', () => {
    const { clock, rig, stepper } = bench();
    stepper.run({ count: 7, intervalUs: 6_667 }); // 150 Hz: the stop is due at 46 - 1 ms
    clock.runFor(1_000);
    // Edges at 0, 6.7, ... 40 ms: 6.75 periods, 7 rising edges. Whole periods (6) plus a timer
    // pulse for the "missing" one was the old count: 8 pulses, 7 booked.
    expect(rig.pulseLog.map((r) => [r.source, r.atMs, r.count])).toEqual([['pwm', 45, 7]]);
    expect(stepper.position).toBe(7);
    expect(rig.pulsesCounted).toBe(7);
  });

  it('finishes a count the run does not hold with timer pulses after it', () => {
    const { clock, rig, stepper } = bench();
    stepper.run({ count: 10, intervalUs: 500 }); // 2 kHz: the stop is due at 5 - 1 ms
    clock.runFor(1_000);
    expect(rig.pulseLog.map((r) => [r.source, r.atMs, r.count])).toEqual([
      ['pwm', 4, 8],
      ['step', 5, 1],
      ['step', 6, 1],
    ]);
    expect(stepper.position).toBe(10);
  });

  it('never books or emits more than asked on time, stopped at any time; books what the rig counted (us) or a bounded few more (ms)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_000 }),
        fc.integer({ min: 50, max: SLOW_STEP_INTERVAL_US - 1 }),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        fc.boolean(),
        (count, intervalUs, stopAfterMs, micro) => {
          const { clock, rig, stepper } = bench({ microseconds: micro });
          stepper.run({ count, intervalUs });
          if (stopAfterMs !== undefined) {
            clock.runFor(stopAfterMs);
            stepper.stop();
          } else {
            clock.runFor(Math.ceil((count * intervalUs) / 1_000) + count + 10);
            expect(stepper.busy).toBe(false);
            if (micro) expect(stepper.position).toBe(count);
          }
          clock.runFor(1_000);
          expect(rig.pulsesCounted).toBeLessThanOrEqual(count);
          if (micro) {
            expect(rig.pulsesCounted).toBe(stepper.position);
          } else {
            // Time.ticks truncates both ends of the run: one ms more is booked than timed.
            const hz = Math.round(1_000_000 / intervalUs);
            expect(stepper.position).toBeGreaterThanOrEqual(rig.pulsesCounted);
            expect(stepper.position - rig.pulsesCounted).toBeLessThanOrEqual(Math.ceil(hz / 1_000));
          }
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('books ceil(elapsed * hz / 1000) rising edges when stopped mid-run', () => {
    const { clock, rig, stepper } = bench();
    stepper.run({ count: 10_000, intervalUs: 700 }); // 1429 Hz
    clock.runFor(333);
    stepper.stop();
    expect(stepper.position).toBe(Math.ceil((333 * 1_429) / 1_000));
    expect(rig.pulsesCounted).toBe(stepper.position);
    expect(stepper.busy).toBe(false);
  });

  it('steps from timers at 1 ms spacing without a PWM class', () => {
    const { clock, io, rig, stepper } = bench({ pwm: false });
    stepper.run({ count: 20, intervalUs: 250 });
    clock.runFor(100);
    expect(io.pwms).toHaveLength(0);
    expect(rig.pulseTimes).toEqual(dueTimes(0, 20, 1_000));
    expect(stepper.position).toBe(20);
  });

  it('falls back to timer stepping when the PWM cannot open', () => {
    class NoChannel implements PwmOutput {
      readonly hz = 0;
      readonly resolution = 0;
      constructor(_options: PwmOptions) {
        throw new Error('no LEDC channel free');
      }
      write(): void {}
      close(): void {}
    }
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const rig = new VirtualRig({ bus, clock, pins: PINS, flPerMicrostep: 1e8, reservoirNl: 1_000 });
    const stepper = new PulseStepper({ Digital: io.Digital, PWM: NoChannel, timer: clock, ticks: clock, pins: PINS });
    stepper.enable(true);
    stepper.run({ count: 5, intervalUs: 100 });
    clock.runFor(10);
    expect(stepper.position).toBe(5);
    expect(rig.pulseTimes).toEqual([0, 1, 2, 3, 4]);
    expect(io.digitals.filter((d) => d.pin === PINS.step && !d.closed)).toHaveLength(1);
  });
});

describe('run, stop, enable, direction', () => {
  it('keeps position equal to what the rig counted when run() replaces segments mid-way', () => {
    const { clock, rig, stepper } = bench();
    const plan = [
      { segment: { count: 500, intervalUs: 25_000 }, forMs: 1_010 },
      { segment: { count: 5_000, intervalUs: 400 }, forMs: 777 },
      { segment: { count: 3, intervalUs: 900 }, forMs: 1 },
      { segment: { count: 2_000, intervalUs: 9_000 }, forMs: 5_003 },
      { segment: { count: 40, intervalUs: 12_345 }, forMs: 10_000 },
    ];
    for (const { segment, forMs } of plan) {
      stepper.run(segment);
      expect(rig.pulsesCounted).toBe(stepper.position);
      // Mid-run too: a PWM run's position includes the periods made so far.
      for (let t = 0; t < forMs; t += 97) {
        clock.runFor(Math.min(97, forMs - t));
        expect(rig.pulsesCounted).toBe(stepper.position);
      }
    }
    // 41 timer pulses; PWM at 2500 Hz for 777 ms; 1111 Hz for its 1 ms run (the third pulse,
    // due from a timer a ms later, is dropped by the next run); 111 Hz for 5003 ms; 40.
    expect(stepper.position).toBe(41 + Math.ceil((777 * 2_500) / 1_000) + 2 + Math.ceil((5_003 * 111) / 1_000) + 40);
  });

  it('stop() drops the rest and leaves nothing scheduled', () => {
    const { clock, rig, stepper } = bench();
    stepper.run({ count: 100, intervalUs: 50_000 });
    clock.runFor(120);
    stepper.stop();
    expect(stepper.busy).toBe(false);
    expect(stepper.position).toBe(3);
    clock.runFor(60_000);
    expect(rig.pulsesCounted).toBe(3);
    expect(clock.pendingTimers).toBe(0);
    stepper.stop(); // twice is harmless
  });

  it('moves nothing while disabled, and enable(false) stops the segment in flight', () => {
    const { clock, rig, stepper } = bench();
    stepper.enable(false);
    expect(rig.enabled).toBe(false);
    stepper.run({ count: 10, intervalUs: 20_000 });
    clock.runFor(1_000);
    expect(stepper.position).toBe(0);
    expect(rig.pulsesCounted).toBe(0);
    expect(rig.pulsesWhileDisabled).toBe(0);

    stepper.enable(true);
    stepper.run({ count: 10, intervalUs: 20_000 });
    clock.runFor(50);
    stepper.enable(false);
    clock.runFor(1_000);
    expect(stepper.position).toBe(3);
    expect(rig.pulsesCounted).toBe(3);
  });

  it('drives EN high-active when asked', () => {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const rig = new VirtualRig({ bus, clock, pins: PINS, enableActiveLow: false, flPerMicrostep: 1e8, reservoirNl: 1_000 });
    const stepper = new PulseStepper({ Digital: io.Digital, timer: clock, ticks: clock, pins: PINS, enableActiveLow: false });
    const en = io.digitals.find((d) => d.pin === PINS.enable)!;
    expect(en.read()).toBe(0);
    stepper.enable(true);
    expect(en.read()).toBe(1);
    stepper.run({ count: 2, intervalUs: 10_000 });
    clock.runFor(100);
    expect(rig.pulsesCounted).toBe(2);
  });

  it('signs position by DIR (1 for +1) and stops before changing direction', () => {
    const { clock, io, rig, stepper } = bench();
    const dir = io.digitals.find((d) => d.pin === PINS.dir)!;
    expect(dir.read()).toBe(1);
    stepper.setDirection(-1);
    expect(dir.read()).toBe(0);
    stepper.run({ count: 5, intervalUs: 10_000 });
    clock.runFor(100);
    expect(stepper.position).toBe(-5);
    expect(rig.positionMicrosteps).toBe(-5);

    stepper.setDirection(1);
    stepper.run({ count: 1_000, intervalUs: 1_000 });
    clock.runFor(200);
    stepper.setDirection(-1); // mid-PWM: the run stops and is credited as +1
    expect(stepper.busy).toBe(false);
    expect(stepper.position).toBe(-5 + 200);
    expect(rig.pulsesCounted).toBe(stepper.position);
  });

  it('reports no fault handler until one is set', () => {
    const { stepper } = bench();
    expect(stepper.onFault).toBeUndefined();
  });

  it('rejects malformed segments', () => {
    const { stepper } = bench();
    expect(() => stepper.run({ count: -1, intervalUs: 1_000 })).toThrow(RangeError);
    expect(() => stepper.run({ count: 1.5, intervalUs: 1_000 })).toThrow(RangeError);
    expect(() => stepper.run({ count: 1, intervalUs: 0 })).toThrow(RangeError);
    stepper.run({ count: 0, intervalUs: 1_000 });
    expect(stepper.busy).toBe(false);
  });
});

describe('across the 32-bit tick wrap', () => {
  it('times a slow train exactly through the wrap', () => {
    const { clock, rig, stepper } = bench({ startTick: TICK_MODULUS - 1_000 });
    stepper.run({ count: 200, intervalUs: 15_500 });
    clock.runFor(5_000);
    expect(clock.ticks).toBe(4_000);
    expect(rig.pulseTimes).toEqual(dueTimes(0, 200, 15_500));
  });

  it('books a PWM run that spans the wrap, timed in ms or in us', () => {
    for (const microseconds of [false, true]) {
      const { clock, rig, stepper } = bench({ startTick: TICK_MODULUS - 100, microseconds });
      stepper.run({ count: 1_000, intervalUs: 500 });
      clock.runFor(250);
      expect(rig.pulsesCounted).toBe(500); // the rig counts as it goes
      clock.runFor(1_000);
      // Timed in us: exact. In ms: the run of 499 ms made 998 edges and is booked as up to
      // 500 ms (1000 edges), so no timer pulses follow: the history errs high by 2.
      expect(stepper.position).toBe(1_000);
      expect(rig.pulsesCounted).toBe(microseconds ? 1_000 : 998);
    }
  });
});
