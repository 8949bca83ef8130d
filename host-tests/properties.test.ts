// Property: whatever the prescription and whatever the sequence of commands (patient bolus
// requests, pauses, resumes, reprogramming), the volume the rig delivers in any 24-hour window
// never exceeds what the prescription allows there: the basal over the window plus the
// patient's 24-hour maximum, plus at most one microstep of rounding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { LIBRARY_JSON, mechanics, WATER } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const RUN_MS = 3 * DAY;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const FL = mechanics().flPerMicrostep;

interface Step {
  startMs: number;
  rateNlPerDay: number;
}

const rate = fc.integer({ min: 0, max: 4_000_000 });
const schedule = fc
  .uniqueArray(fc.integer({ min: 0, max: DAY - 1 }), { minLength: 1, maxLength: 6 })
  .chain((starts) => fc.tuple(...[...starts].sort((a, b) => a - b).map((s) => rate.map((r): Step => ({ startMs: s, rateNlPerDay: r })))));
const patient = fc
  .record({
    volumeNl: fc.integer({ min: 1_000, max: 200_000 }),
    durationMs: fc.integer({ min: MIN, max: 30 * MIN }),
    lockoutExtraMs: fc.integer({ min: 0, max: 4 * HOUR }),
    maxPer24h: fc.integer({ min: 1, max: 8 }),
    volumeFactor: fc.integer({ min: 1, max: 8 }),
  })
  .map((p) => ({
    volumeNl: p.volumeNl,
    durationMs: p.durationMs,
    lockoutMs: Math.max(10 * MIN, p.durationMs + p.lockoutExtraMs),
    maxPer24h: p.maxPer24h,
    maxVolumeNlPer24h: p.volumeNl * p.volumeFactor,
  }));
const command = fc.record({
  atMs: fc.integer({ min: 0, max: RUN_MS - 1 }),
  kind: fc.constantFrom('bolus', 'bolus', 'bolus', 'pause', 'resume', 'reprogram'),
});

/** Basal rate-time (nl/day x ms) over [0, t) for a daily schedule starting at time of day tod0. */
function basalRateTime(steps: readonly Step[], tod0: number, t: number): bigint {
  let total = 0n;
  // Walk the schedule from the previous day's last step through each day of the run.
  for (let day = -1; day * DAY - tod0 < t; day++) {
    steps.forEach((s, i) => {
      const from = day * DAY + s.startMs - tod0;
      const to = i + 1 < steps.length ? day * DAY + steps[i + 1]!.startMs - tod0 : (day + 1) * DAY + steps[0]!.startMs - tod0;
      const a = Math.max(0, from);
      const b = Math.min(t, to);
      if (b > a) total += BigInt(s.rateNlPerDay) * BigInt(b - a);
    });
  }
  return total;
}

describe('delivery never exceeds the prescription', () => {
  it('in any 24-hour window, under random prescriptions and command sequences', () => {
    fc.assert(
      fc.property(schedule, patient, fc.integer({ min: 0, max: DAY - 1 }), fc.array(command, { maxLength: 40 }), (steps, patientBolus, tod0, commands) => {
        const rx = { name: 'prop', drug: WATER, mode: 'flexible', schedule: steps, patientBolus };
        const vp = createVirtualPump({ mechanics: RIG, library: LIBRARY_JSON, prescription: rx, timeOfDayMs: tod0, reservoirNl: 30_000_000 });
        for (const c of [...commands].sort((a, b) => a.atMs - b.atMs)) {
          vp.runFor(c.atMs - vp.nowMs);
          if (c.kind === 'bolus') vp.controller.patientBolus();
          else if (c.kind === 'pause') vp.controller.pause();
          else if (c.kind === 'resume') vp.controller.resume();
          else vp.controller.program(rx, { confirmLargeIncrease: true });
        }
        vp.runFor(RUN_MS - vp.nowMs);

        const times = vp.pulseTimes;
        const rtOf = (t: number): bigint => basalRateTime(steps, tod0, t);
        // The worst windows start at a pulse: slide [w, w + 24 h) over every pulse.
        let j = 0;
        for (let i = 0; i < times.length; i++) {
          const w = times[i]!;
          while (j < times.length && times[j]! < w + DAY) j++;
          const deliveredSteps = j - i;
          const end = Math.min(w + DAY, RUN_MS + 1);
          const allowedNl = (rtOf(end) - rtOf(w)) / 86_400_000n + BigInt(patientBolus.maxVolumeNlPer24h);
          const allowedSteps = Number((allowedNl * 1_000_000n) / BigInt(FL)) + 1;
          if (deliveredSteps > allowedSteps) {
            throw new Error(`window from ${w} ms delivered ${deliveredSteps} microsteps; the prescription allows ${allowedSteps}`);
          }
        }
        // The firmware's account matches the rig to the nanolitre.
        expect(vp.controller.status().deliveredNl).toBe(Math.floor((vp.rig.position * FL) / 1e6));
      }),
      { numRuns: 25 },
    );
  });
});
