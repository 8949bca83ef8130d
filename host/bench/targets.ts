// The bench's targets (issue by issue), and the table of figures against them that
// `npm run bench` and `npm run bench:holdout` print.

/** Figure name -> [comparison, target]. Figures without a target are context. */
export const TARGETS: Record<string, ['<=' | '>=', number]> = {
  'delivery.maxErrorMicrosteps': ['<=', 1],
  // Steps the motor took that the driver had not booked, with late timers on (delivery.ts).
  'delivery.unbookedMicrosteps': ['<=', 0],
  'sim.speedup': ['>=', 100_000],
  'occlusion.timeToAlarmS.1mlh': ['<=', 120],
  'occlusion.timeToAlarmS.0_1mlh': ['<=', 900],
  'occlusion.releaseBolusUl': ['<=', 10],
  'occlusion.falseAlarmsPer30d': ['<=', 0],
  'occlusion.baselineRatio': ['>=', 10],
  'protocol.fuzzFrames': ['>=', 1_000_000],
  'protocol.fuzzViolations': ['<=', 0],
  // The dose guard (guard.ts) and the dose memory across resets (bolus.ts), issue 13.
  'guard.maxExcessUl': ['<=', 25],
  'guard.falseTripsPer30d': ['<=', 0],
  'bolus.powerCycleExtraBoluses': ['<=', 0],
  // Commits that book another dose than flows, or jump ten-fold unconfirmed (programming.ts), issue 14.
  'programming.unsafeCommits': ['<=', 0],
  'programming.unsafeRuns': ['<=', 0],
  // STOPs behind random bursts, on the link and through the UART model (link-stops.ts), issue 14.
  'link.stopsLost': ['<=', 0],
  // Issue 15: the drawn rigs' worst 1 mL/h error after calibrate --balance (accuracy.ts).
  'accuracy.secondHourErrorPct.calibrated.1mlh': ['<=', 1],
  'storage.powerCutPoints': ['>=', 10_000],
  'storage.powerCutViolations': ['<=', 0],
  // IEC 60601-2-24 style gravimetric figures from a virtual-rig run at 1 mL/h (magnitudes).
  'accuracy.secondHourErrorPct.1mlh': ['<=', 1],
  'accuracy.trumpetMaxPct.2min.1mlh': ['<=', 3],
  // NE-1000 mode (ne1000.ts): clients poll every 50 ms; a dispense ends within a microstep.
  'ne1000.roundTripsPerS': ['>=', 20],
  'ne1000.dispenseErrorPct': ['<=', 1],
  // Issue 15: p95 / worst over 100 drawn rigs and the corners (population.ts); the ideal rig's beside them as *.ideal.
  'accuracy.secondHourErrorPct.p95.1mlh': ['<=', 1],
  'accuracy.trumpetMaxPct.2min.p95.1mlh': ['<=', 5],
  'occlusion.timeToAlarmS.p95.1mlh': ['<=', 180],
  'occlusion.timeToAlarmS.p95.0_1mlh': ['<=', 1200],
  // The occlusion.releaseBolusUl.worst: that name is the nine-line spread's already.
  'occlusion.releaseBolusUl.population.worst': ['<=', 20],
  'occlusion.suctionUl.population.worst': ['<=', 5],
  // Against the fair load-cell baseline, median over the nine lines (occlusion-lines.ts).
  'occlusion.baselineRatio.p50': ['>=', 5],
  'occlusion.falseAlarms30d.population': ['<=', 0],
  // The same rigs through a bench session's runs and stops (population-run.ts stopAlarms).
  'occlusion.falseAlarmsAtStops.population': ['<=', 0],
  // The same rigs with the load cell fitted, feeling the rig's own drive (population-load-cell.ts).
  'force.falseAlarms.population': ['<=', 0],
  // The fair baseline on the same rigs' drives, nothing blocked (population-load-cell.ts).
  'occlusion.baselineFalseAlarms.population': ['<=', 0],
  // Issue 17: the dashboard in Chromium against the virtual board (web.ts).
  'web.eventToPaintMs.p95': ['<=', 250],
  'web.pageKb': ['<=', 300],
  'web.hoursChartedSmooth': ['>=', 24],
  // Issue 21: the README's and the hardware guide's walkthrough, run as written (newcomer.ts).
  'newcomer.readmeStepsFailing': ['<=', 0],
  // Issue 19: virtual boards run by the test station at once without a missed deadline (station.ts).
  'station.boardsInParallel': ['>=', 8],
  // Issue 20: Biome's diagnostics on the tree, infos included (lint.ts).
  'lint.problems': ['<=', 0],
  // Issue 15: the whole bench in about 5 minutes on 2 cores (wall time, so only on a quiet machine).
  'bench.seconds': ['<=', 300],
};

export interface VerdictRow {
  readonly figure: string;
  readonly value: number;
  readonly target: string;
  readonly verdict: '' | 'ok' | 'MISSED';
}

/** Each figure with its target (looked up under `targetName(name)`) and whether it is met. */
export function verdictRows(figures: Readonly<Record<string, number>>, targetName: (name: string) => string = (n) => n): VerdictRow[] {
  return Object.entries(figures).map(([figure, value]) => {
    const t = TARGETS[targetName(figure)];
    const verdict = !t ? '' : (t[0] === '<=' ? value <= t[1] : value >= t[1]) ? 'ok' : 'MISSED';
    return { figure, value, target: t ? `${t[0]} ${t[1]}` : '', verdict };
  });
}
