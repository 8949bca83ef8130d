// `npm run bench`: runs every benchmark, prints a table with targets, and writes
// build/bench.json as one flat object of named figures (later issues add theirs here).
import { benchAccuracy } from './accuracy';
import { benchBolus } from './bolus';
import { benchGuard } from './guard';
import { benchLinkStops } from './link-stops';
import { benchDeliveryAccuracy } from './delivery';
import { mergeFigures } from './figures-file';
import { benchOcclusion } from './occlusion';
import { benchProtocol } from './protocol';
import { benchProgramming } from './programming';
import { benchProtocolPty } from './protocol-pty';
import { benchSimSpeed } from './sim-speed';
import { benchStorage } from './storage';
import { benchXs } from './xs';
import { benchNe1000 } from './ne1000';
import { benchPopulation, idealBeside } from './population';
import { benchWeb } from './web';
import { benchNewcomer } from './newcomer';
import { benchStation } from './station';
import { benchLint } from './lint';

/** Figure name -> [comparison, target]. Figures without a target are context. */
const TARGETS: Record<string, ['<=' | '>=', number]> = {
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
  // Against the fair load-cell baseline, median over the nine lines (occlusion-lines.ts).
  'occlusion.baselineRatio.p50': ['>=', 5],
  'occlusion.falseAlarms30d.population': ['<=', 0],
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
};

// Each benchmark in turn, with a line on stderr before and after it (issue 21: the bench used to
// print nothing for minutes). Figures merge in this order; a later name would overwrite.
const BENCHES: readonly [string, () => Record<string, number> | Promise<Record<string, number>>][] = [
  ['delivery', benchDeliveryAccuracy],
  ['sim speed', benchSimSpeed],
  ['occlusion', benchOcclusion],
  ['protocol fuzz', benchProtocol],
  ['storage', benchStorage],
  ['bolus', benchBolus],
  ['dose guard', benchGuard],
  ['programming', benchProgramming],
  ['link stops', benchLinkStops],
  ['XS engine', benchXs],
  ['protocol over a pty', benchProtocolPty],
  ['accuracy', benchAccuracy],
  ['NE-1000', benchNe1000],
  ['rig population', benchPopulation],
  ['dashboard in Chromium', () => benchWeb({ write: false })],
  ['README walkthrough', benchNewcomer],
  ['test station', benchStation],
  ['lint', benchLint],
];
const figures: Record<string, number> = {};
const started = performance.now();
for (const [i, [name, run]] of BENCHES.entries()) {
  const t0 = performance.now();
  process.stderr.write(`bench [${i + 1}/${BENCHES.length}] ${name}...\n`);
  Object.assign(figures, await run());
  process.stderr.write(`bench [${i + 1}/${BENCHES.length}] ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s (${((performance.now() - started) / 1000).toFixed(0)} s in all)\n`);
}
Object.assign(figures, idealBeside(figures));

const rows = Object.entries(figures).map(([name, value]) => {
  const t = TARGETS[name];
  const verdict = !t ? '' : (t[0] === '<=' ? value <= t[1] : value >= t[1]) ? 'ok' : 'MISSED';
  return { figure: name, value, target: t ? `${t[0]} ${t[1]}` : '', verdict };
});
// Every injected over-delivery must be caught: a figure pair, not a target on one figure.
if (figures['guard.faultsCaught'] !== figures['guard.faultsInjected'])
  rows.push({ figure: 'guard.faultsCaught = guard.faultsInjected', value: figures['guard.faultsCaught'] ?? 0, target: `= ${figures['guard.faultsInjected']}`, verdict: 'MISSED' });
console.table(rows);

// Merged: the test checks' figures (tests.*, `npm run test:load`) stay.
mergeFigures(figures);
console.log('wrote build/bench.json');
if (rows.some((r) => r.verdict === 'MISSED')) process.exitCode = 1;
