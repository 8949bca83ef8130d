// The flow check (firmware/core/flow-check.ts) on its own, fed as the monitor feeds it (rest, then
// sample, once a second) from a small line model written here: one compliance before the sensor
// that empties with time constant tau, and a stopper that may stick and slip. Each case is one a
// rig of the population (issue 15) showed the firmware getting wrong. Virtual time only.
import { describe, expect, it } from 'vitest';
import { backoffNl } from '../firmware/core/backoff';
import type { FlowFinding, FlowVerdict } from '../firmware/core/flow-check';
import { DEFAULT_FLOW_CHECK, FlowCheck } from '../firmware/core/flow-check';

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const NL_PER_DAY_PER_ML_PER_H = 24_000_000;
/** Plunger areas (mm^2): the bench's BD 10 mL and the false-alarm run's BD 60 mL. */
const AREA_10ML = (Math.PI * 14.427 ** 2) / 4;
const AREA_60ML = (Math.PI * 26.594 ** 2) / 4;

/** A line of one compliance before the sensor, draining with time constant tauMs. */
class Line {
  heldNl = 0;
  constructor(readonly tauMs: number) {}
  /** Pushes `nl` in and returns what passed the sensor over `dtMs`. */
  step(nl: number, dtMs: number): number {
    this.heldNl += nl;
    const out = this.heldNl * (1 - Math.exp(-dtMs / this.tauMs));
    this.heldNl -= out;
    return out;
  }
}

/** Feeds a check second by second; returns every verdict that was not ok, with its time. */
function run(
  fc: FlowCheck,
  line: Line,
  fromMs: number,
  ms: number,
  rateNlPerDay: number,
  pushAt: (t: number) => number = () => (rateNlPerDay * S) / 86_400_000,
): { at: number; verdict: FlowVerdict }[] {
  const out: { at: number; verdict: FlowVerdict }[] = [];
  for (let t = fromMs + S; t <= fromMs + ms; t += S) {
    const pushed = pushAt(t);
    const measured = line.step(pushed, S);
    fc.rest(S, pushed, measured);
    const f = fc.sample(t, S, pushed, measured, rateNlPerDay);
    if (f.verdict !== 'ok') out.push({ at: t, verdict: f.verdict });
  }
  return out;
}

describe('a slow line (tau 150 s, the longest of the range)', () => {
  it('stopped after 2 h at 1 mL/h gives back what it holds: not over-delivery', () => {
    // Seeds 10, 24 and 58 of the population: OVER_DELIVERY a minute or two after the accuracy
    // run stopped, and the calibration that followed was refused (E430).
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, AREA_10ML);
    const line = new Line(150 * S);
    const rate = NL_PER_DAY_PER_ML_PER_H;
    expect(run(fc, line, 0, 2 * HOUR, rate)).toEqual([]);
    expect(line.heldNl).toBeGreaterThan(40_000); // rate x tau, 42 uL
    expect(run(fc, line, 2 * HOUR, 20 * MIN, 0)).toEqual([]);
  });

  it('started at 6 mL/h from drained is not under-delivery while it fills', () => {
    // The slowest corner and seed 25: UNDER_DELIVERY 8 min into the calibration's 6 mL/h, which
    // then stayed raised through the whole accuracy run after it.
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, AREA_10ML);
    const line = new Line(150 * S);
    expect(run(fc, line, 0, 30 * MIN, 6 * NL_PER_DAY_PER_ML_PER_H)).toEqual([]);
  });

  it('still calls a full block at the tip an occlusion', () => {
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, AREA_10ML);
    const line = new Line(150 * S);
    const rate = NL_PER_DAY_PER_ML_PER_H;
    expect(run(fc, line, 0, HOUR, rate)).toEqual([]);
    const blocked = new Line(Infinity);
    blocked.heldNl = line.heldNl;
    const found = run(fc, blocked, HOUR, 10 * MIN, rate);
    expect(found[0]?.verdict).toBe('occlusion');
  });

  it('with flow that keeps arriving short of the rate is under-delivery', () => {
    // A leak before the sensor taking a third of the flow: more than any line holds.
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, AREA_10ML);
    const line = new Line(150 * S);
    const rate = NL_PER_DAY_PER_ML_PER_H;
    expect(run(fc, line, 0, HOUR, rate)).toEqual([]);
    const found = run(fc, line, HOUR, HOUR, rate, () => (rate * S) / 86_400_000).length;
    expect(found).toBe(0);
    const leaky = run(fc, { step: (nl: number, dt: number) => (line.step(nl, dt) * 2) / 3 } as Line, 2 * HOUR, HOUR, rate);
    expect(leaky[0]?.verdict).toBe('under-delivery');
  });
});

describe('a stopper that sticks and slips (8 um a jump, the top of the range)', () => {
  /**
   * The pusher advances at the rate; the stopper holds until it lags by a jump, then jumps a whole
   * one (host/sim/rig-mechanics.ts), and the drive's microstep error wobbles it by 1 um every 4
   * full steps (40 um). What the stopper moves is what enters the line.
   */
  function slipping(areaMm2: number, rateNlPerDay: number, slipUm: number): (t: number) => number {
    const umPerMs = rateNlPerDay / 86_400_000 / areaMm2;
    let stopperUm = 0;
    return (t) => {
      const pusherUm = t * umPerMs + Math.sin((2 * Math.PI * t * umPerMs) / 40);
      const before = stopperUm;
      while (pusherUm - stopperUm >= slipUm) stopperUm += slipUm;
      return (stopperUm - before) * areaMm2;
    };
  }

  it.each([
    ['60 mL at 0.6 mL/day', AREA_60ML, 600_000],
    ['60 mL at 1.2 mL/day', AREA_60ML, 1_200_000],
    ['10 mL at 0.1 mL/h', AREA_10ML, 2_400_000],
  ])('%s: a day of delivery raises nothing', (_, area, rate) => {
    // worst-syringe, 30 days of the normal schedule: OVER_DELIVERY once, 5849 nl over a 5833 nl
    // threshold 38 min after a periodic bolus (a 4.4 uL jump is most of the 5 uL floor).
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, area);
    const line = new Line(39 * S);
    // The check counts what the firmware commanded (the pusher), the line gets what the stopper moved.
    const stopper = slipping(area * 1.02, rate, 8); // the bore 2 % wide, as on worst-syringe
    const pushed = (rate * S) / 86_400_000;
    const out: FlowVerdict[] = [];
    let excess = 0;
    for (let t = S; t <= 24 * HOUR; t += S) {
      // The sensor: its zero drifts with the lab's day (+-400 nl/min: 200 nl/min per deg C, a
      // 2 deg C swing), and it reads in steps of 100 nl/min (the SLF3S-0600F's resolution).
      const zero = 400 * Math.sin((2 * Math.PI * t) / (24 * HOUR));
      const measured = (Math.round((line.step(stopper(t), S) * 60 + zero) / 100) * 100) / 60;
      fc.rest(S, pushed, measured);
      const f = fc.sample(t, S, pushed, measured, rate);
      if (f.verdict !== 'ok') out.push(f.verdict);
      excess = Math.max(excess, fc.excessNl);
    }
    expect(out).toEqual([]);
    // Every jump comes in as excess (2.5-3.5 uL here), and with the zero's swing one in a month
    // crossed a threshold that did not allow for it: the threshold carries a whole jump and the
    // drive's position error now, and the worst day stays under half of it.
    const c = DEFAULT_FLOW_CHECK;
    const threshold = c.thresholdNl + (c.slipUm + c.positionErrorUm) * area; // the rate steady all day: no lag term
    expect(2 * excess).toBeLessThan(threshold);
  });
});

describe('a block at the tip after an hour of steady delivery', () => {
  /** Runs to the first occlusion finding on a blocked line; the finding and when it came (ms after the block). */
  function block(tauMs: number, rateNlPerDay: number): { finding: FlowFinding; afterMs: number; truthNl: number } {
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, AREA_10ML);
    // A drive whose slack is taken up (the monitor passes 0 once the plunger has moved): the slack
    // forgiven at a first start is left out of the back-off, as it may be the drive's.
    fc.reset(0);
    const line = new Line(tauMs);
    expect(run(fc, line, 0, HOUR, rateNlPerDay)).toEqual([]);
    const blocked = new Line(Infinity);
    blocked.heldNl = line.heldNl;
    const pushed = (rateNlPerDay * S) / 86_400_000;
    for (let t = HOUR + S; t <= 2 * HOUR; t += S) {
      const measured = blocked.step(pushed, S);
      fc.rest(S, pushed, measured);
      const f = fc.sample(t, S, pushed, measured, rateNlPerDay);
      if (f.verdict === 'occlusion') return { finding: f, afterMs: t - HOUR, truthNl: blocked.heldNl };
    }
    throw new Error('no occlusion in an hour');
  }

  it.each([10, 35, 150])('tau %s s at 1 mL/h: the back-off is what the line holds less the volume floor, and the alarm comes within 90 s', (tauS) => {
    // The back-off used to be the deficit since the flow stopped plus 30 s of flow: 33 uL short on
    // a tau 150 s line (a bolus when it clears), 5.6 uL too much at tau 10 s (suction). It leaves
    // the floor a volume sum must pass to mean anything (thresholdNl) in the line, so that the
    // estimate's error comes out as a small bolus, not suction.
    const rate = NL_PER_DAY_PER_ML_PER_H;
    const { finding, afterMs, truthNl } = block(tauS * S, rate);
    const back = backoffNl(finding.storedEstimateNl, rate, finding.arrivedNlPerDay);
    const floor = DEFAULT_FLOW_CHECK.thresholdNl;
    expect(back).toBeGreaterThan(truthNl - floor - 2_000);
    expect(back).toBeLessThan(truthNl - floor + 2_000);
    // Steady for an hour: the threshold is the floor, not the floor plus a minute of the rate.
    expect(afterMs).toBeLessThanOrEqual(90 * S);
  });
});

describe('a block at the tip with compliance past the sensor, at 0.1 mL/h (issue 15 population)', () => {
  /**
   * Two compliances: c1 before the sensor, c2 past it (a soft catheter), r1 between them, r2 to the
   * tip. When the tip blocks, the flow at the sensor settles at c2 / (c1 + c2) of the plunger's.
   */
  class TwoCompliances {
    v1 = 0;
    v2 = 0;
    blocked = false;
    constructor(
      readonly c1: number,
      readonly c2: number,
      readonly r1: number,
      readonly r2: number,
    ) {}
    /** Pushes `nl` and returns what passed the sensor over `dtMs` (ten Euler steps: tau >= 15 s). */
    step(nl: number, dtMs: number): number {
      this.v1 += nl;
      let out = 0;
      const h = dtMs / 10 / 1_000;
      for (let i = 0; i < 10; i++) {
        const p1 = this.v1 / this.c1;
        const p2 = this.v2 / this.c2;
        const q1 = ((p1 - p2) / this.r1) * h;
        const q2 = this.blocked ? 0 : (p2 / this.r2) * h;
        this.v1 -= q1;
        this.v2 += q1 - q2;
        out += q1;
      }
      return out;
    }
  }

  it.each([0.49, 0.3])('with %s of the compliance past the sensor, a sensor 4.9 uL/min off zero and 7.6 um jumps: OCCLUSION within 1200 s', (share) => {
    // Seed 3 of the population (7.8 uL/kPa, 49 % past the sensor, zero -4.9 uL/min, 7.6 um
    // jumps): the zero, learned sample by sample, took in the block's first minutes (a sixth of
    // the rate), and the stopped-flow test compared every later share with a first part one jump
    // had pushed low: no OCCLUSION in 2 h (865 s with 30 % past the sensor).
    const rate = 2_400_000;
    const C = 7_800; // nl/kPa
    const line = new TwoCompliances(C * (1 - share), C * share, 1e-3, 1e-3); // kPa s/nl: tau about 16 s
    const fc = new FlowCheck(DEFAULT_FLOW_CHECK, AREA_10ML);
    const stopper = (() => {
      // As `slipping` above, 7.6 um jumps.
      const umPerMs = rate / 86_400_000 / (AREA_10ML * 1.02);
      let stopperUm = 0;
      return (t: number): number => {
        const pusherUm = t * umPerMs + Math.sin((2 * Math.PI * t * umPerMs) / 40);
        const before = stopperUm;
        while (pusherUm - stopperUm >= 7.6) stopperUm += 7.6;
        return (stopperUm - before) * AREA_10ML * 1.02;
      };
    })();
    const pushed = (rate * S) / 86_400_000;
    let alarmAfterMs = -1;
    for (let t = S; t <= 4 * HOUR && alarmAfterMs < 0; t += S) {
      if (t === 2 * HOUR + S) line.blocked = true;
      const measured = (Math.round((line.step(stopper(t), S) * 60 - 4_900) / 100) * 100) / 60;
      fc.rest(S, pushed, measured);
      const f = fc.sample(t, S, pushed, measured, rate);
      if (t <= 2 * HOUR) expect(f.verdict).toBe('ok');
      else if (f.verdict === 'occlusion') alarmAfterMs = t - 2 * HOUR;
    }
    expect(alarmAfterMs).toBeGreaterThan(0);
    expect(alarmAfterMs).toBeLessThanOrEqual(1_200 * S);
  });
});
