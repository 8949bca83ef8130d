// `npm run bench:holdout`: the population bench's figures on rigs the detectors were never tuned
// on. Every threshold of the flow check was set and checked against the bench's sample (seeds
// 1-100 and the corners), so that sample cannot show what the tuning fitted to it. This draws
// 500 more rigs from the same ranges (seeds 1001-1500), runs each as the bench runs its drawn rigs
// (population-run.ts: accuracy before and after calibration, the two occlusions, the stop
// session, a day of normal delivery), and reports the same figures under holdout.*, against the
// same targets. Not part of `npm run bench`: it takes about 3 min more on 2 cores, past the
// bench's 5. Its first run found two false OVER_DELIVERYs at stops and two suctions past 5 uL
// that seeds 1-100 never showed (docs/virtual-rig.md, "A sample the bench never tuned on").

import { pathToFileURL } from 'node:url';
import { POPULATION_SIZE } from '../sim/population';
import { mergeFigures } from './figures-file';
import type { RigResult } from './population-run';
import { drawnPlans, populationFigures, runWithProgress } from './population';
import type { VerdictRow } from './targets';
import { verdictRows } from './targets';

export const HOLDOUT_FIRST_SEED = 1001;
export const HOLDOUT_SIZE = 500;
const PREFIX = 'holdout.';

/** Seeds 1001-1500: none of them the bench's (1-100). */
export function holdoutSeeds(): number[] {
  if (HOLDOUT_FIRST_SEED <= POPULATION_SIZE) throw new Error('the holdout must not share seeds with the bench');
  return Array.from({ length: HOLDOUT_SIZE }, (_, i) => HOLDOUT_FIRST_SEED + i);
}

/** The population's figures over `results`, named holdout.*, and each against the population's target. */
export function holdoutFigures(results: readonly RigResult[]): { figures: Record<string, number>; rows: VerdictRow[] } {
  const figures = Object.fromEntries(Object.entries(populationFigures(results)).map(([k, v]) => [PREFIX + k, v]));
  figures[`${PREFIX}firstSeed`] = HOLDOUT_FIRST_SEED;
  return { figures, rows: verdictRows(figures, (name) => name.slice(PREFIX.length)) };
}

async function main(): Promise<void> {
  const { results, seconds } = await runWithProgress('holdout', drawnPlans(holdoutSeeds()), 50);
  const { figures, rows } = holdoutFigures(results);
  figures[`${PREFIX}seconds`] = seconds;
  rows.push({ figure: `${PREFIX}seconds`, value: seconds, target: '', verdict: '' });
  console.table(rows);
  mergeFigures(figures);
  console.log('wrote build/bench.json');
  if (rows.some((r) => r.verdict === 'MISSED')) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
