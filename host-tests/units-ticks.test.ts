import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MonotonicClock, tickAdd, tickDiff, tickReached, TICK_MODULUS, toTick } from '../firmware/core/ticks';
import { UnsignedTicks } from '../firmware/drivers/timebase';
import { VirtualClock } from '../host/sim/virtual-clock';
import { addRateTime, mlPerDayToNlPerDay, mlPerHourToNlPerDay, RATE_TIME_PER_NL, volumeAtRateNl } from '../firmware/core/units';

describe('32-bit tick arithmetic', () => {
  it('measures differences across the wrap', () => {
    expect(tickDiff(5, TICK_MODULUS - 5)).toBe(10);
    expect(tickDiff(TICK_MODULUS - 5, 5)).toBe(-10);
    expect(tickReached(3, TICK_MODULUS - 1)).toBe(true);
    expect(tickAdd(TICK_MODULUS - 1, 2)).toBe(1);
  });

  it('agrees with true differences within +/- 2^31 ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TICK_MODULUS - 1 }), fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), (start, d) => {
        expect(tickDiff(tickAdd(start, d), start)).toBe(d);
      }),
    );
  });

  it('extends the counter monotonically over 60 days of wrapping ticks', () => {
    const start = TICK_MODULUS - 1_000;
    const clock = new MonotonicClock(start);
    let truth = 0;
    for (let i = 0; i < 60 * 24; i++) {
      truth += 3_600_000;
      expect(clock.update((start + truth) % TICK_MODULUS)).toBe(truth);
    }
  });
});

// Time.ticks on the ESP32 is a signed 32-bit integer (modTime.c): 2^31 - 1 is followed by
// -2^31, and -1 by 0. Both boundaries, fed signed or unsigned, must read as 1 ms apart.
const HALF = 2 ** 31;
const signed = (t: number): number => toTick(t) | 0;

describe('ticks across 2^31 and 2^32, signed as the ESP32 gives them', () => {
  it.each([
    ['2^31', HALF],
    ['2^32', TICK_MODULUS],
  ])('measures a step across %s in either form', (_name, boundary) => {
    for (const form of [toTick, signed]) {
      const before = form(boundary - 1);
      const after = form(boundary);
      expect(tickDiff(after, before)).toBe(1);
      expect(tickDiff(before, after)).toBe(-1);
      expect(tickReached(after, before)).toBe(true);
      expect(tickReached(before, after)).toBe(false);
      expect(tickDiff(form(boundary + 3_600_000), form(boundary - 3_600_000))).toBe(7_200_000);
      // A deadline computed before the boundary is reached after it, to the millisecond.
      const due = tickAdd(before, 1_000);
      expect(tickReached(form(boundary + 998), due)).toBe(false);
      expect(tickReached(form(boundary + 999), due)).toBe(true);
    }
    expect(signed(HALF)).toBe(-HALF); // the case this guards: the device's counter is negative here
  });

  it('agrees with true differences for any signed pair within +/- 2^31 ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: -HALF, max: HALF - 1 }), fc.integer({ min: -HALF + 1, max: HALF - 1 }), (start, d) => {
        expect(tickDiff(signed(start + d), start)).toBe(d);
        expect(tickReached(signed(start + d), start)).toBe(d >= 0);
      }),
    );
  });

  it('extends a signed counter monotonically through 2^31 and 2^32', () => {
    const start = HALF - 90_000;
    const clock = new MonotonicClock(signed(start));
    let truth = 0;
    for (let i = 0; i < 30 * 24; i++) {
      truth += 3_600_000;
      expect(clock.update(signed(start + truth))).toBe(truth); // crosses 2^31 first, 2^32 at 24.8 days
    }
  });

  it('the timebase driver reads the signed counter as unsigned 32-bit', () => {
    const clock = new VirtualClock({ startTick: HALF - 2, signedTicks: true });
    const ticks = new UnsignedTicks(clock);
    const seen: number[][] = [];
    for (let i = 0; i < 4; i++) {
      seen.push([clock.ticks, ticks.ticks]);
      clock.runFor(1);
    }
    expect(seen).toEqual([
      [HALF - 2, HALF - 2],
      [HALF - 1, HALF - 1],
      [-HALF, HALF],
      [-HALF + 1, HALF + 1],
    ]);
    const wrap = new VirtualClock({ startTick: TICK_MODULUS - 1, signedTicks: true });
    expect([wrap.ticks, new UnsignedTicks(wrap).ticks]).toEqual([-1, TICK_MODULUS - 1]);
    wrap.runFor(1);
    expect([wrap.ticks, new UnsignedTicks(wrap).ticks]).toEqual([0, 0]);
  });
});

describe('rate-time accumulation', () => {
  it('is exact against BigInt arithmetic for any rate and duration split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_400_000_000 }), fc.array(fc.integer({ min: 0, max: 5 * 86_400_000 }), { minLength: 1, maxLength: 20 }), (rate, pieces) => {
        const out = [0];
        let acc = 0;
        let nl = 0;
        for (const p of pieces) {
          nl += addRateTime(acc, rate, p, out);
          acc = out[0]!;
        }
        const total = pieces.reduce((a, b) => a + b, 0);
        const exact = (BigInt(rate) * BigInt(total)) / BigInt(RATE_TIME_PER_NL);
        expect(BigInt(nl)).toBe(exact);
        expect(volumeAtRateNl(rate, total)).toBe(Number(exact));
      }),
    );
  });

  it('represents mL/day and mL/h exactly in nl/day', () => {
    expect(mlPerDayToNlPerDay(0.048)).toBe(48_000);
    expect(mlPerHourToNlPerDay(1)).toBe(24_000_000);
    expect(volumeAtRateNl(1_000_000, 86_400_000)).toBe(1_000_000);
  });
});
