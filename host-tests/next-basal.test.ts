// The next basal change (issue 17: "current rate and the next change" on the dashboard, and
// pumpctl status): the NEXT query says when the basal rate changes next on the pump's clock,
// the rate from then and the time of day now, so a host can show "6 mL/day from 00:00 (in 2 h)".
import { describe, expect, it } from 'vitest';
import { nextBasalText, nextBasalView } from '../host/cli/commands/status';
import { createLinkedPump } from '../host/protocol/virtual-link';
import { continuous, LIBRARY_JSON } from './fixtures';

const HOUR = 3_600_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };

describe('NEXT', () => {
  it('names the next schedule step, its rate and clock time, across midnight', () => {
    const schedule = [
      { startMs: 0, rateNlPerDay: 6_000_000 },
      { startMs: 6 * HOUR, rateNlPerDay: 1_500_000 },
      { startMs: 23 * HOUR + 30 * 60_000, rateNlPerDay: 12_000_000 },
    ];
    // Switched on at 22:00: the 06:00 step runs, 23:30 comes next (1.5 h), then midnight.
    const { client, vp } = createLinkedPump({
      mechanics: RIG,
      library: LIBRARY_JSON,
      reservoirNl: 8_000_000,
      timeOfDayMs: 22 * HOUR,
      prescription: { name: 'flex', drug: WATER, mode: 'flexible', schedule },
    });
    const c = client();
    let f = c.query('NEXT').fields;
    expect(f).toMatchObject({ at: String(1.5 * HOUR), rate: '12000000', now: '0', tod: String(22 * HOUR) });
    expect(nextBasalText(nextBasalView(f))).toBe(`${nextBasalText({ inMs: 1.5 * HOUR, rateNlPerDay: 12_000_000, clockMs: 23.5 * HOUR })}`);
    expect(nextBasalView(f)).toEqual({ inMs: 1.5 * HOUR, rateNlPerDay: 12_000_000, clockMs: 23.5 * HOUR });
    vp.runFor(HOUR + 45 * 60_000); // 23:45: midnight's 6 mL/day is next
    f = c.query('NEXT').fields;
    expect(nextBasalView(f)).toEqual({ inMs: 15 * 60_000, rateNlPerDay: 6_000_000, clockMs: 0 });
    expect(nextBasalText(nextBasalView(f))).toMatch(/ from 00:00 \(in 15 min/);
  });

  it('says none for a continuous rate', () => {
    const { client } = createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000) });
    const f = client().query('NEXT').fields;
    expect(f).toMatchObject({ at: 'none', rate: 'none' });
    expect(nextBasalView(f)).toBeNull();
    expect(nextBasalText(null)).toBe('none scheduled');
  });

  it('is null from firmware without NEXT (its ERR carries no at=)', () => {
    expect(nextBasalView({ code: '501' })).toBeNull();
  });
});
