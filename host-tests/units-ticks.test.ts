import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MonotonicClock, tickAdd, tickDiff, tickReached, TICK_MODULUS } from '../firmware/core/ticks';
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

describe('rate-time accumulation', () => {
  it('is exact against BigInt arithmetic for any rate and duration split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_400_000_000 }),
        fc.array(fc.integer({ min: 0, max: 5 * 86_400_000 }), { minLength: 1, maxLength: 20 }),
        (rate, pieces) => {
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
        },
      ),
    );
  });

  it('represents mL/day and mL/h exactly in nl/day', () => {
    expect(mlPerDayToNlPerDay(0.048)).toBe(48_000);
    expect(mlPerHourToNlPerDay(1)).toBe(24_000_000);
    expect(volumeAtRateNl(1_000_000, 86_400_000)).toBe(1_000_000);
  });
});
