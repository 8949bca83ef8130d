// The simulator's parts on their own: the virtual clock (wrap, Moddable timer semantics, jumps
// over idle time), the mock IO classes and the rig's counting of what reaches the motor.
import { describe, expect, it } from 'vitest';
import { TICK_MODULUS } from '../firmware/core/ticks';
import type { TimerHandle } from '../firmware/ports/timebase';
import type { PinKind } from '../host/sim/io-mocks';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import type { PulseBatch } from '../host/sim/rig';
import { VirtualRig } from '../host/sim/rig';
import { VirtualClock } from '../host/sim/virtual-clock';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('VirtualClock', () => {
  it('wraps ticks at 2^32 while timers fire at the right monotonic time', () => {
    const clock = new VirtualClock({ startTick: TICK_MODULUS - 10 });
    const fired: [number, number][] = [];
    for (const ms of [5, 10, 15, 25]) clock.set(() => fired.push([clock.nowMs, clock.ticks]), ms);
    expect(clock.runFor(30)).toBe(4);
    expect(fired).toEqual([
      [5, TICK_MODULUS - 5],
      [10, 0],
      [15, 5],
      [25, 15],
    ]);
    expect(clock.ticks).toBe(20);
    expect(clock.microseconds()).toBe(30_000);
  });

  it('runs repeat timers without drift, however time is advanced', () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    clock.repeat(() => times.push(clock.nowMs), 7);
    for (let i = 0; i < 1_000; i++) clock.runFor(i % 13); // uneven chunks, some empty
    expect(times.length).toBeGreaterThan(800);
    for (const [i, t] of times.entries()) expect(t).toBe(7 * (i + 1));
  });

  it('fires set(cb, interval, repeat) first after interval, then every repeat', () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    clock.set(() => times.push(clock.nowMs), 10, 3);
    clock.runFor(20);
    expect(times).toEqual([10, 13, 16, 19]);
  });

  it('orders timers by due time, then creation; an immediate timer runs at the same instant', () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.set(() => order.push('b'), 5);
    clock.set(() => {
      order.push('c');
      clock.set(() => order.push('e')); // immediate: still at 5 ms, after the others
    }, 5);
    clock.set(() => order.push('a'), 4);
    clock.set(() => order.push('d'), 5);
    clock.runUntil(5);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(clock.nowMs).toBe(5);
  });

  it('clears like Moddable: undefined is fine, a fired one-shot is no longer a timer', () => {
    const clock = new VirtualClock();
    clock.clear(undefined);
    const once = clock.set(() => {}, 1);
    clock.runFor(2);
    expect(() => clock.clear(once)).toThrow(/invalid timer/);

    let selfCleared = 0;
    clock.set((t: TimerHandle) => {
      selfCleared++;
      clock.clear(t); // allowed from inside its own callback
    }, 1);
    let repeats = 0;
    clock.repeat((t) => {
      if (++repeats === 3) clock.clear(t);
    }, 10);
    const cleared = clock.set(() => expect.unreachable(), 5);
    clock.clear(cleared);
    expect(() => clock.clear(cleared)).toThrow();
    clock.runFor(1_000);
    expect([selfCleared, repeats, clock.pendingTimers]).toEqual([1, 3, 0]);
  });

  it('jumps across 30 idle days, one callback per due timer', () => {
    const clock = new VirtualClock({ startTick: TICK_MODULUS - 1_000 });
    let hourly = 0;
    const hourlyAt: number[] = [];
    clock.repeat(() => {
      hourly++;
      if (hourly % 100 === 0) hourlyAt.push(clock.nowMs);
    }, HOUR);
    let late = 0;
    clock.set(() => {
      late = clock.nowMs;
    }, 20 * DAY);
    const before = clock.callbacksFired;
    const fired = clock.runFor(30 * DAY);
    expect(fired).toBe(30 * 24 + 1);
    expect(clock.callbacksFired - before).toBe(fired);
    expect(hourly).toBe(720);
    expect(hourlyAt).toEqual(Array.from({ length: 7 }, (_, i) => (i + 1) * 100 * HOUR));
    expect(late).toBe(20 * DAY);
    expect(clock.nowMs).toBe(30 * DAY);
    expect(clock.ticks).toBe((TICK_MODULUS - 1_000 + 30 * DAY) % TICK_MODULUS);
    expect(clock.nextDueMs).toBe(721 * HOUR);
  });

  it('refuses what the device would get wrong, and time going backwards', () => {
    const clock = new VirtualClock();
    expect(() => clock.set(() => {}, 2 ** 31)).toThrow(RangeError);
    clock.runFor(10);
    expect(() => clock.runUntil(5)).toThrow(RangeError);
    expect(clock.advanceTo(10)).toBe(0);
  });
});

describe('mock IO', () => {
  function setup() {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const heard: [number, PinKind, number, number, number][] = [];
    bus.subscribe((...e) => heard.push(e));
    return { clock, bus, io, heard };
  }

  it('records Digital writes with virtual times and tells the bus', () => {
    const { clock, io, heard } = setup();
    const d = new io.Digital({ pin: 2, mode: io.Digital.Output });
    clock.runFor(3);
    d.write(1);
    clock.runFor(4);
    d.write(0);
    expect(d.writes).toEqual([
      { atMs: 3, value: 1 },
      { atMs: 7, value: 0 },
    ]);
    expect(d.writeCount).toBe(2);
    expect(heard).toEqual([
      [2, 'digital', 0, 0, 0], // an output opens low
      [2, 'digital', 1, 0, 3],
      [2, 'digital', 0, 0, 7],
    ]);
    expect(io.digitals).toEqual([d]);
  });

  it('reads inputs from the bus, pull-ups high by default', () => {
    const { bus, io } = setup();
    const up = new io.Digital({ pin: 3, mode: io.Digital.InputPullUp });
    const plain = new io.Digital({ pin: 4, mode: io.Digital.Input });
    expect([up.read(), plain.read()]).toEqual([1, 0]);
    bus.setInput(3, 0);
    expect(up.read()).toBe(0);
    expect(() => up.write(1)).toThrow();
  });

  it('refuses a second IO object on a pin until the first is closed', () => {
    const { io } = setup();
    const d = new io.Digital({ pin: 9, mode: io.Digital.Output });
    expect(() => new io.PWM({ pin: 9, hz: 1_000 })).toThrow(/pin 9/);
    expect(() => new io.Digital({ pin: 9, mode: io.Digital.Output })).toThrow(/pin 9/);
    d.close();
    const p = new io.PWM({ pin: 9, hz: 1_000 });
    expect(() => d.write(1)).toThrow();
    p.close();
    new io.Digital({ pin: 9, mode: io.Digital.Output });
  });

  it('records PWM frequency and duty changes with virtual times', () => {
    const { clock, io, heard } = setup();
    const p = new io.PWM({ pin: 12, hz: 2_000, resolution: 10 });
    clock.runFor(5);
    p.write(512);
    clock.runFor(10);
    p.close();
    expect(p.changes).toEqual([
      { atMs: 0, hz: 2_000, duty: 0, resolution: 10 },
      { atMs: 5, hz: 2_000, duty: 512, resolution: 10 },
      { atMs: 15, hz: 2_000, duty: 0, resolution: 10 },
    ]);
    expect(heard).toEqual([
      [12, 'pwm', 0, 2_000, 0],
      [12, 'pwm', 512 / 1_023, 2_000, 5],
      [12, 'pwm', 0, 2_000, 15],
    ]);
    expect(() => new io.PWM({ pin: 13, hz: 1.5 })).toThrow(RangeError);
    expect(() => new io.PWM({ pin: 13, hz: 100_000, resolution: 10 })).toThrow(RangeError);
    const q = new io.PWM({ pin: 13, hz: 100, resolution: 10 });
    expect(() => q.write(1_024)).toThrow(RangeError);
  });
});

describe('VirtualRig', () => {
  const PINS = { step: 4, dir: 5, enable: 6 };

  function setup(reservoirNl = 1_000, flPerMicrostep = 229_000_000.5, enableActiveLow = true) {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const rig = new VirtualRig({ bus, clock, pins: PINS, flPerMicrostep, reservoirNl, enableActiveLow });
    const step = new io.Digital({ pin: PINS.step, mode: io.Digital.Output });
    const dir = new io.Digital({ pin: PINS.dir, mode: io.Digital.Output });
    const en = new io.Digital({ pin: PINS.enable, mode: io.Digital.Output });
    const pulse = (n = 1) => {
      for (let i = 0; i < n; i++) {
        step.write(1);
        step.write(0);
      }
    };
    return { clock, io, rig, step, dir, en, pulse };
  }

  it('counts STEP rising edges only while EN is active, signed by DIR', () => {
    const { clock, rig, dir, en, pulse } = setup();
    en.write(1); // active low: disabled
    dir.write(1);
    pulse(3);
    expect(rig.pulsesCounted).toBe(0);
    expect(rig.pulsesWhileDisabled).toBe(3);
    en.write(0);
    pulse(4);
    clock.runFor(10);
    dir.write(0);
    pulse(1);
    expect(rig.pulsesCounted).toBe(3);
    expect(rig.positionMicrosteps).toBe(3);
    expect(rig.pulseTimes).toEqual([0, 0, 0, 0, 10]);
    expect(rig.pulseLog.map((r) => [r.atMs, r.count, r.direction])).toEqual([
      [0, 4, 1],
      [10, 1, -1],
    ]);
  });

  it('honours a high-active EN', () => {
    const { rig, dir, en, pulse } = setup(1_000, 1e8, false);
    dir.write(1);
    pulse(); // EN opened low: inactive here
    en.write(1);
    pulse();
    expect(rig.pulsesCounted).toBe(1);
  });

  it('counts PWM rising edges as ceil(elapsed * hz / 1000), split where EN or DIR change', () => {
    const { clock, io, rig, step, dir, en } = setup();
    dir.write(1);
    en.write(0);
    step.close();
    const pwm = new io.PWM({ pin: PINS.step, hz: 1_500, resolution: 10 });
    pwm.write(512);
    clock.runFor(7);
    // 10.5 periods, 11 rising edges: LEDC starts each period high, and STEP steps on the edge.
    expect(rig.pulsesCounted).toBe(11);
    clock.runFor(3);
    dir.write(0); // 15 edges forward (the 16th falls at 10 ms, after the change), then backward
    clock.runFor(11);
    en.write(1); // 32 edges before 21 ms: 17 backward; the rest is lost on a free motor
    clock.runFor(9);
    pwm.write(0); // 45 edges in all
    clock.runFor(100);
    pwm.close();
    expect(rig.pulsesCounted).toBe(15 - 17);
    expect(rig.pulsesWhileDisabled).toBe(45 - 32);
    const times = rig.pulseTimes;
    expect(times).toHaveLength(32);
    for (const [i, t] of times.entries()) expect(t).toBe(Math.floor((i * 1_000) / 1_500));
  });

  it('counts no pulses at full-scale duty (the pin just sits high)', () => {
    const { clock, io, rig, step, en } = setup();
    en.write(0);
    step.close();
    const pwm = new io.PWM({ pin: PINS.step, hz: 1_000, resolution: 8 });
    pwm.write(255);
    clock.runFor(50);
    pwm.write(0);
    expect(rig.pulsesCounted).toBe(0);
  });

  it('moves the plunger by the true volume and stops at empty', () => {
    // 1000 nl at 229,000,000.5 fl per microstep: empty after 4.37 steps, so 5 steps move.
    const { rig, dir, en, pulse } = setup(1_000, 229_000_000.5);
    dir.write(1);
    en.write(0);
    pulse(2);
    expect(rig.pushedFl).toBe(458_000_001);
    expect(rig.pushedNl).toBeCloseTo(458.000001, 9);
    expect(rig.reservoirFl).toBe(1_000_000_000 - 458_000_001);
    pulse(10);
    expect(rig.positionMicrosteps).toBe(5);
    expect(rig.stepsPastEmpty).toBe(7);
    expect(rig.pulsesCounted).toBe(12);
    expect(rig.reservoirNl).toBe(0);
    expect(rig.pushedNl).toBe(1_000);
    dir.write(0);
    pulse(1); // drawing back from empty takes back one step's worth
    expect(rig.positionMicrosteps).toBe(4);
    expect(rig.reservoirFl).toBeCloseTo(1_000_000_000 - 4 * 229_000_000.5, 3);
  });

  it('tells listeners about every batch the motor takes', () => {
    const { clock, io, rig, step, dir, en, pulse } = setup();
    const batches: PulseBatch[] = [];
    const stop = rig.onPulses((b) => batches.push(b));
    dir.write(1);
    en.write(0);
    pulse();
    step.close();
    const pwm = new io.PWM({ pin: PINS.step, hz: 200, resolution: 10 });
    pwm.write(512);
    clock.runFor(20);
    pwm.close();
    stop();
    new io.Digital({ pin: PINS.step, mode: io.Digital.Output }).write(1);
    expect(batches).toEqual([
      { source: 'step', atMs: 0, count: 1, direction: 1 },
      { source: 'pwm', atMs: 20, count: 4, direction: 1 },
    ]);
    expect(rig.pulsesCounted).toBe(6);
  });
});
