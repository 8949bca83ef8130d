// `npm run bench`: runs every benchmark, prints a table with targets, and writes
// build/bench.json as one flat object of named figures (later issues add theirs here).
import { HostError } from '../errors';
import { benchError } from '../errors/bench';
import { ensureSocat } from '../serial/pty';
import { ensureChromium } from '../web/harness';
import { mergeFigures } from './figures-file';
import type { PoolTask } from './pool';
import { runPool } from './pool';
import { combineProtocolShards, FUZZ_SHARDS } from './protocol';
import { benchProtocolPty } from './protocol-pty';
import { benchSimSpeed } from './sim-speed';
import { benchNe1000 } from './ne1000';
import { benchPopulation, idealBeside } from './population';
import { benchWeb } from './web';
import { benchNewcomer } from './newcomer';
import { benchStation } from './station';
import { benchLint } from './lint';
import type { VerdictRow } from './targets';
import { verdictRows } from './targets';

// The benchmarks whose figures do not depend on the machine's speed run first, two at a time on
// worker threads (pool.ts; the fuzz as two streams); the timed ones then run alone, one after
// the other, so the pool's load never shows in their figures. A line on stderr before and after
// each (issue 21: the bench used to print nothing for minutes). `seconds` is what each took on
// the 2-core machine, for the pool's order. Figures merge in the order listed; a later name
// would overwrite.
type Bench = { readonly name: string; readonly pool: Omit<PoolTask, 'name'> } | { readonly name: string; readonly alone: () => Record<string, number> | Promise<Record<string, number>> };
const fuzzShards: Bench[] = Array.from({ length: FUZZ_SHARDS }, (_, i) => ({
  name: `protocol fuzz ${i + 1}/${FUZZ_SHARDS}`,
  pool: { module: './protocol.ts', fn: 'benchProtocolShard', args: [i], seconds: 100 },
}));
const BENCHES: readonly Bench[] = [
  { name: 'delivery', pool: { module: './delivery.ts', fn: 'benchDeliveryAccuracy', seconds: 7 } },
  { name: 'sim speed', alone: benchSimSpeed },
  { name: 'occlusion', pool: { module: './occlusion.ts', fn: 'benchOcclusion', seconds: 50 } },
  ...fuzzShards,
  { name: 'storage', pool: { module: './storage.ts', fn: 'benchStorage', seconds: 30 } },
  { name: 'bolus', pool: { module: './bolus.ts', fn: 'benchBolus', seconds: 5 } },
  { name: 'dose guard', pool: { module: './guard.ts', fn: 'benchGuard', seconds: 23 } },
  { name: 'programming', pool: { module: './programming.ts', fn: 'benchProgramming', seconds: 9 } },
  { name: 'link stops', pool: { module: './link-stops.ts', fn: 'benchLinkStops', seconds: 8 } },
  { name: 'XS engine', pool: { module: './xs.ts', fn: 'benchXs', seconds: 33 } },
  { name: 'protocol over a pty', alone: benchProtocolPty },
  { name: 'accuracy', pool: { module: './accuracy.ts', fn: 'benchAccuracy', seconds: 2 } },
  { name: 'NE-1000', alone: benchNe1000 },
  { name: 'rig population', alone: benchPopulation },
  { name: 'dashboard in Chromium', alone: () => benchWeb({ write: false }) },
  { name: 'README walkthrough', alone: benchNewcomer },
  { name: 'test station', alone: benchStation },
  { name: 'lint', alone: benchLint },
];
const POOL_WORKERS = 2;

// What the benchmarks need from Debian, checked (and installed where we are root with apt-get)
// before anything runs: a missing chromium crashed the dashboard's benchmark, 16th of 19, after
// four minutes of the others. The error when something is missing and cannot be installed.
function preflight(say: (line: string) => void): HostError | undefined {
  try {
    ensureSocat(say);
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    return e;
  }
  const problem = ensureChromium(say);
  return problem === undefined ? undefined : benchError('PACKAGE_MISSING', problem);
}

async function main(): Promise<number> {
  const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const missing = preflight(say);
  if (missing !== undefined) {
    say(missing.text);
    return missing.exitCode;
  }

  const started = performance.now();
  const total = BENCHES.length;
  const index = new Map(BENCHES.map((b, i) => [b.name, i + 1]));
  const begin = (name: string): void => void process.stderr.write(`bench [${index.get(name)}/${total}] ${name}...\n`);
  const end = (name: string, seconds: number): void =>
    void process.stderr.write(`bench [${index.get(name)}/${total}] ${name}: ${seconds.toFixed(1)} s (${((performance.now() - started) / 1000).toFixed(0)} s in all)\n`);

  const byName = await runPool(
    BENCHES.flatMap((b) => ('pool' in b ? [{ name: b.name, ...b.pool }] : [])),
    POOL_WORKERS,
    { start: (t) => begin(t.name), done: (t, s) => end(t.name, s) },
  );
  for (const b of BENCHES) {
    if (!('alone' in b)) continue;
    const t0 = performance.now();
    begin(b.name);
    byName.set(b.name, await b.alone());
    end(b.name, (performance.now() - t0) / 1000);
  }
  const figures: Record<string, number> = {};
  for (const b of BENCHES) if (!fuzzShards.includes(b)) Object.assign(figures, byName.get(b.name));
  Object.assign(figures, combineProtocolShards(fuzzShards.map((b) => byName.get(b.name)!)));
  const benchSeconds = Math.round((performance.now() - started) / 1000);
  process.stderr.write(`bench: all ${total} in ${benchSeconds} s\n`);
  // The whole bench's wall time, this machine's as it was loaded (issue 15: about 5 minutes on 2 cores).
  figures['bench.seconds'] = benchSeconds;
  Object.assign(figures, idealBeside(figures));

  const rows: VerdictRow[] = verdictRows(figures);
  // Every injected over-delivery must be caught: a figure pair, not a target on one figure.
  if (figures['guard.faultsCaught'] !== figures['guard.faultsInjected'])
    rows.push({ figure: 'guard.faultsCaught = guard.faultsInjected', value: figures['guard.faultsCaught'] ?? 0, target: `= ${figures['guard.faultsInjected']}`, verdict: 'MISSED' });
  console.table(rows);

  // Merged: the test checks' figures (tests.*, `npm run test:load`) stay.
  mergeFigures(figures);
  console.log('wrote build/bench.json');
  return rows.some((r) => r.verdict === 'MISSED') ? 1 : 0;
}

process.exitCode = await main();
