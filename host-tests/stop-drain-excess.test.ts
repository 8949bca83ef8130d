// A stopped pump must not raise OVER_DELIVERY while a slow line drains what a fast run left in
// it. The test station found it: on population rigs 10, 39 and 58 its self-test (6 mL/h for a
// minute), then its calibration (500 uL at 6 mL/h), then a stop raised OVER_DELIVERY 5 min into
// the stop, and the station's accuracy step was refused (E430). The line (tau about 150 s) was
// still giving back 15 uL/min when the flow check's estimate of what it held had run out: that
// estimate is in commanded volume, and a drive 1.6 % generous had put more in than it says.
// The excess side had already dropped its allowance to the stopped pump's floor, 3 line lags
// (lagMs, 60 s) after the stop; it now keeps the run's allowance for 5 of the slowest normal
// line's time constants (lineHoldMs, 150 s): with 3, rig 10 still raised OVER_DELIVERY 9 min
// after a drop from 6 to 0.1 mL/h in the bench's session of runs and stops (stopAlarms). Five
// bring what such a line still holds of a run at the top basal rate (10 mL/h) under the 5 uL
// floor, and more, what the drive's error can add to it.
// Once the flow sensor's span error was drawn (5 % of the reading, its datasheet's), rigs 23 and
// 24 (reading 4.1 and 4.7 % high) raised OVER_DELIVERY ten minutes after the session's drop from
// 6 to 0.1 mL/h: in 20 min of steady 6 mL/h the flow check took the sensor's and the drive's
// error as the line emptying (124 uL of a 190 uL line), and the drain then came out as excess.
// Steady reads within the allowance no longer count as the line giving back (flow-check.ts,
// #drainable).
// Virtual time only.
import { describe, expect, it } from 'vitest';
import { createVirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import { stopAlarms } from '../host/bench/population-run';
import { parseRig } from '../host/sim/population';
import { rigFor } from '../host/sim/population';

const MIN = 60_000;

/** The station's sequence on one rig (host/station/steps-*.ts, the default profile); `atStop` runs as its last stop begins. */
async function stationSequence(seed: number, atStop: (rig: ReturnType<typeof createVirtualAccuracyRig>) => void = () => {}) {
  const rig = createVirtualAccuracyRig({ pump: { ...rigFor(seed), keepEvents: false } });
  const alarms = () => rig.vp.controller.pump.alarms.list().map((a) => a.name);
  await rig.pump.program({ rateNlPerH: 6_000_000, name: 'selftest' });
  rig.vp.runFor(MIN);
  await rig.pump.stop();
  rig.vp.runFor(13.5 * MIN);
  await rig.pump.program({ rateNlPerH: 6_000_000, name: 'calibration' });
  rig.vp.runFor(5 * MIN);
  await rig.pump.stop();
  const stoppedAt = rig.vp.nowMs;
  atStop(rig);
  rig.vp.runFor(20 * MIN);
  return { rig, alarms: alarms(), stoppedAt };
}

describe('a stop after a fast run on a slow line', () => {
  it.each([10, 39, 58])('rig %i raises nothing in the 20 min after the stop', async (seed) => {
    const { alarms } = await stationSequence(seed);
    expect(alarms).toEqual([]);
  });

  it.each(['10', '39', '58', 'worst-syringe'])('rig %s goes through the bench session of runs and stops without an alarm', (name) => {
    const r = parseRig(name);
    if (!r.ok) throw new Error(r.message);
    expect(stopAlarms(r.rig.options)).toBe(0);
  });

  it.each(['23', '24', 'worst-sensor'])('rig %s, its sensor reading up to 5 percent high, goes through the session without an alarm', (name) => {
    const r = parseRig(name);
    if (!r.ok) throw new Error(r.message);
    expect(r.rig.options.flowZeroErrors!.spanErrorFraction).toBeGreaterThan(0.04);
    expect(stopAlarms(r.rig.options)).toBe(0);
  });

  // Drawn beyond the bench's sample (seeds 1001-1500): sensors whose zero reads 4.8-4.9 uL/min
  // high, not yet learned after 6 min of delivery, on lines of tau 100-140 s. What the content
  // sums could excuse of the drain fell short by the zero's error over the 5 min run, and the
  // carry-over (16-21 uL) raised OVER_DELIVERY 10 min into the stop, when the threshold dropped.
  it.each([1089, 1433])('rig %i, its zero high and unlearned, raises nothing in the 20 min after the stop', async (seed) => {
    const r = parseRig(String(seed));
    if (!r.ok) throw new Error(r.message);
    expect(r.rig.options.flowZeroErrors!.zeroOffsetNlPerMin).toBeGreaterThan(4_500);
    const { alarms } = await stationSequence(seed);
    expect(alarms).toEqual([]);
  });

  it.each([
    [25_000, 10],
    [10_000, 15],
  ])('on such a rig a %i nl/min siphon from the stop is over-delivery within %i min', async (nlPerMin, withinMin) => {
    // The carry-over is let go at the settle only when the reads would build no excess: a siphon
    // above the stopped line's allowance keeps it, and one below is caught at the latest once the
    // run's peak rate lapses from the allowance (5 lineHoldMs after the stop). On this rig the
    // carry-over with the siphon in it alarms first: 2.7 and 5.6 min.
    let stoppedAt = 0;
    const { rig } = await stationSequence(1089, (r) => {
      stoppedAt = r.vp.nowMs;
      r.vp.line.setFreeFlow(r.vp.nowMs, nlPerMin);
    });
    const over = rig.vp.controller.pump.alarms.list().find((a) => a.name === 'OVER_DELIVERY');
    expect(over).toBeDefined();
    expect(over!.sinceMs - stoppedAt).toBeLessThanOrEqual(withinMin * MIN);
  });

  it('still sees a siphon that starts once the line has drained', async () => {
    // The longer hold must not blind the excess side: a 20 uL/min siphon 20 min after the stop
    // (the plunger loose in its clamp) is over-delivery, and is caught.
    const { rig, alarms } = await stationSequence(10);
    expect(alarms).toEqual([]);
    rig.vp.line.setFreeFlow(rig.vp.nowMs, 20_000);
    rig.vp.runFor(10 * MIN);
    expect(rig.vp.controller.pump.alarms.list().map((a) => a.name)).toContain('OVER_DELIVERY');
  });
});
