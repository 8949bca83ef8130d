// `npm run bench:holdout`: the population bench's figures on rigs the detectors were never tuned
// on. Every threshold of the flow check was set and checked against the bench's sample (seeds
// 1-100 and the corners), so that sample cannot show what the tuning fitted to it. This draws
// 500 more rigs from the same ranges (seeds 1001-1500), runs each as the bench runs its drawn rigs
// (population-run.ts: accuracy before and after calibration, the two occlusions, the stop
// session, a day of normal delivery), and reports the same figures under holdout.*, against the
// same targets. Not part of `npm run bench`: it takes about 2 min more on 2 cores, past the
// bench's 5. Its first run found two false OVER_DELIVERYs at stops and two suctions past 5 uL
// that seeds 1-100 never showed (docs/virtual-rig.md, "A sample the bench never tuned on").
//
// `--first-seed N --count M` runs another sample (seeds N..N+M-1) the same way: the third and
// fourth samples each found or cleared something the holdout had not, and were run by hand with
// scratch code before this. Such a sample's figures are printed as sample.*, not written: build/bench.json
// names one holdout, and a figure there must say which rigs it is over. After the table, the
// rigs worst on each figure, to replay with `npm start -- --rig SEED`.

import { pathToFileURL } from 'node:url';
import { HostError } from '../errors';
import { benchError } from '../errors/bench';
import { POPULATION_SIZE } from '../sim/population';
import { mergeFigures } from './figures-file';
import type { RigResult } from './population-run';
import { drawnPlans, populationFigures, runWithProgress } from './population';
import type { VerdictRow } from './targets';
import { verdictRows } from './targets';

export const HOLDOUT_FIRST_SEED = 1001;
export const HOLDOUT_SIZE = 500;
/** The most rigs one run takes (about 25 min on 2 cores). */
export const SAMPLE_MAX = 5000;
const PREFIX = 'holdout.';
/** Another sample's figures, printed only: not to be mistaken for the holdout's. */
const SAMPLE_PREFIX = 'sample.';

/** Which drawn rigs to run: seeds firstSeed..firstSeed+count-1. */
export interface Sample {
  readonly firstSeed: number;
  readonly count: number;
}

export const HOLDOUT: Sample = { firstSeed: HOLDOUT_FIRST_SEED, count: HOLDOUT_SIZE };

/** The sample is the holdout whose figures build/bench.json keeps. */
export const isHoldout = (s: Sample): boolean => s.firstSeed === HOLDOUT.firstSeed && s.count === HOLDOUT.count;

/** The sample's seeds (1001-1500 by default): never one of the bench's (1-100). */
export function holdoutSeeds(s: Sample = HOLDOUT): number[] {
  if (s.firstSeed <= POPULATION_SIZE) throw new Error('the holdout must not share seeds with the bench');
  return Array.from({ length: s.count }, (_, i) => s.firstSeed + i);
}

/**
 * `--first-seed N` and `--count M` from `args` (npm run bench:holdout -- ...). Each range is
 * named in its error: a sample that took the bench's own seeds would judge the tuning by the
 * rigs it was tuned on, and a count past SAMPLE_MAX is hours of a lab machine by mistake.
 */
export function parseSample(args: readonly string[]): Sample {
  let firstSeed = HOLDOUT.firstSeed;
  let count = HOLDOUT.count;
  const last = Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < args.length; i += 2) {
    const [name, text] = [args[i]!, args[i + 1]];
    if (name !== '--first-seed' && name !== '--count') throw benchError('OPTION', `unknown option "${name}": bench:holdout takes --first-seed N and --count M`);
    if (text === undefined) throw benchError('OPTION', `${name} needs a value`);
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (name === '--first-seed') {
      if (!(Number.isSafeInteger(value) && value > POPULATION_SIZE))
        throw benchError('OPTION', `--first-seed takes a whole number from ${POPULATION_SIZE + 1} (seeds 1-${POPULATION_SIZE} are the bench's own sample), not "${text}"`);
      firstSeed = value;
    } else {
      if (!(Number.isSafeInteger(value) && value >= 1 && value <= SAMPLE_MAX)) throw benchError('OPTION', `--count takes a whole number from 1 to ${SAMPLE_MAX}, not "${text}"`);
      count = value;
    }
  }
  if (firstSeed > last - count) throw benchError('OPTION', `--first-seed ${firstSeed} with --count ${count} runs past the largest seed (${last})`);
  return { firstSeed, count };
}

/** Where a sample's figures are named: holdout.* for the holdout, sample.* for any other. */
export const samplePrefix = (s: Sample): string => (isHoldout(s) ? PREFIX : SAMPLE_PREFIX);

/**
 * The population's figures over `results`, each against the population's target, named by the
 * sample they came from (samplePrefix), with its first seed.
 */
export function sampleFigures(results: readonly RigResult[], sample: Sample = HOLDOUT): { figures: Record<string, number>; rows: VerdictRow[] } {
  const prefix = samplePrefix(sample);
  const figures = Object.fromEntries(Object.entries(populationFigures(results)).map(([k, v]) => [prefix + k, v]));
  figures[`${prefix}firstSeed`] = sample.firstSeed;
  return { figures, rows: verdictRows(figures, (name) => name.slice(prefix.length)) };
}

/** The figures a rig's worst is shown for, as the rig's own result gives them (higher is worse). */
const PER_RIG: readonly { readonly figure: string; readonly of: (r: RigResult) => number; readonly anyOnly?: true }[] = [
  { figure: 'release uL', of: (r) => r.releaseBolusUl },
  { figure: 'suction uL', of: (r) => r.suctionUl, anyOnly: true },
  { figure: 'OCCLUSION s, 1 mL/h', of: (r) => r.timeToAlarmS1 },
  { figure: 'OCCLUSION s, 0.1 mL/h', of: (r) => r.timeToAlarmS01 },
  { figure: 'error % calibrated', of: (r) => (Number.isFinite(r.calibratedPct) ? r.calibratedPct : Number.POSITIVE_INFINITY) },
  { figure: 'trumpet % 2 min', of: (r) => r.trumpet2MinPct },
  { figure: 'alarms at stops', of: (r) => r.stopAlarms, anyOnly: true },
  { figure: 'alarms in normal days', of: (r) => r.falseAlarms, anyOnly: true },
  { figure: 'alarms, load cell fitted', of: (r) => r.loadCell.alarms, anyOnly: true },
  { figure: 'disconnection s, 1 mL/h', of: (r) => r.loadCell.disconnectS },
  { figure: 'fair baseline alarms', of: (r) => r.loadCell.baselineAlarms, anyOnly: true },
];

/** The `k` rigs worst on each figure, as `seed 2200 20.352`; suction and alarms list only rigs with any. */
export function worstRigs(results: readonly RigResult[], k: number): { figure: string; rigs: string }[] {
  return PER_RIG.map(({ figure, of, anyOnly }) => {
    const ranked = results
      .map((r) => ({ name: r.name, v: of(r) }))
      .filter((x) => !Number.isNaN(x.v) && (!anyOnly || x.v > 0))
      .sort((a, b) => b.v - a.v)
      .slice(0, k);
    return { figure, rigs: ranked.map((x) => `${x.name} ${Math.round(1000 * x.v) / 1000}`).join(', ') || '(none)' };
  });
}

async function run(args: readonly string[]): Promise<number> {
  const sample = parseSample(args);
  const seeds = holdoutSeeds(sample);
  const { results, seconds } = await runWithProgress(`seeds ${seeds[0]}-${seeds.at(-1)}`, drawnPlans(seeds), 50);
  const prefix = samplePrefix(sample);
  const { figures, rows } = sampleFigures(results, sample);
  figures[`${prefix}seconds`] = seconds;
  rows.push({ figure: `${prefix}seconds`, value: seconds, target: '', verdict: '' });
  console.table(rows);
  console.log('The worst rigs on each figure (npm start -- --rig SEED runs one):');
  console.table(worstRigs(results, 3));
  if (isHoldout(sample)) {
    mergeFigures(figures);
    console.log('wrote build/bench.json');
  } else console.log(`not written to build/bench.json: it keeps the holdout's figures (seeds ${HOLDOUT.firstSeed}-${HOLDOUT.firstSeed + HOLDOUT.count - 1})`);
  return rows.some((r) => r.verdict === 'MISSED') ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv.slice(2)).catch((e: unknown) => {
    if (!(e instanceof HostError)) throw e;
    process.stderr.write(`bench:holdout: ${e.text}\n`);
    return e.exitCode;
  });
}
