// `npm run test:load` (issue 20): proves the pty suites do not depend on how fast the machine
// is. Times `npm run test:unit` on the machine as it is (tests.unitSeconds), then starts busy
// CPU load (stress-ng --cpu N if installed, else N busy Node threads), runs the pty project
// --runs times under it, counts the runs that failed (tests.flakyUnderLoad, target 0), stops
// the load whatever happened, and merges both figures into build/bench.json.
//   npm run test:load [-- --runs 3] [--busy 4] [--no-unit]
// Exit 0 when every run passed, 1 when any failed, 2 on bad options (E880 USAGE).

import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { mergeFigures } from './bench/figures-file';
import { ROOT } from './board/spawn';

/** However the check ends (even killed), the load stops by itself after this. */
const LOAD_BOUND_S = 15 * 60;
const LOG_DIR = join(ROOT, 'build', 'tests-load');

interface Options {
  readonly runs: number;
  readonly busy: number;
  readonly unit: boolean;
}

function usage(message: string): never {
  process.stderr.write(`test:load: E880 USAGE: ${message}\nUsage: npm run test:load [-- --runs N (1-10, default 3)] [--busy N (1-64, default 4)] [--no-unit]\n`);
  process.exit(2);
}

function readOptions(argv: string[]): Options {
  const parse = (args: string[]) => parseArgs({ args, strict: true, options: { runs: { type: 'string' }, busy: { type: 'string' }, 'no-unit': { type: 'boolean' } } }).values;
  let v: ReturnType<typeof parse>;
  try {
    v = parse(argv);
  } catch (e) {
    usage((e as Error).message);
  }
  const int = (name: string, text: string | undefined, dflt: number, max: number): number => {
    if (text === undefined) return dflt;
    if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > max) usage(`--${name} must be a whole number from 1 to ${max} (got "${text}")`);
    return Number(text);
  };
  return { runs: int('runs', v.runs, 3, 10), busy: int('busy', v.busy, 4, 64), unit: v['no-unit'] !== true };
}

/** Busy CPU load that can be stopped, and that stops by itself after LOAD_BOUND_S. */
interface Load {
  readonly what: string;
  stop(): Promise<void>;
}

function startLoad(n: number): Load {
  if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status === 0) {
    // Its own process group, so stopping it reaches every stressor it forked.
    const child: ChildProcess = spawn('stress-ng', ['--cpu', String(n), '--timeout', `${LOAD_BOUND_S}s`, '--quiet'], { stdio: 'ignore', detached: true });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const kill = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    process.once('exit', () => kill('SIGKILL'));
    return {
      what: `stress-ng --cpu ${n} (pid ${child.pid})`,
      async stop() {
        kill('SIGTERM');
        const t = setTimeout(() => kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      },
    };
  }
  // Threads of this process: they end with it, whatever ends it.
  const end = Date.now() + LOAD_BOUND_S * 1000;
  const workers = Array.from({ length: n }, () => new Worker(`const end = ${end}; while (Date.now() < end) {}`, { eval: true }));
  return {
    what: `${n} busy Node worker threads (stress-ng not installed)`,
    async stop() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The vitest run in progress, stopped with the load on Ctrl-C. */
let running: ChildProcess | undefined;

/** Runs vitest on one project; its output goes to a log file, the failed tests' names to the console. */
function vitest(project: string, log: string): Promise<{ ok: boolean; seconds: number; failed: string[] }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', project], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  running = child;
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      writeFileSync(log, out);
      const failed = [
        ...new Set(
          out
            .split('\n')
            .filter((l) => /^\s*FAIL\s/.test(l))
            .map((l) => l.trim()),
        ),
      ];
      resolve({ ok: code === 0, seconds: (performance.now() - t0) / 1000, failed });
    }),
  );
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  mkdirSync(LOG_DIR, { recursive: true });
  const figures: Record<string, number> = {};
  let unitFailed = false;
  if (o.unit) {
    // On the machine as it is (no artificial load): the quick loop's cost as a developer sees it.
    const u = await vitest('unit', join(LOG_DIR, 'unit.log'));
    figures['tests.unitSeconds'] = Math.round(u.seconds * 10) / 10;
    unitFailed = !u.ok;
    console.log(`test:unit ${u.ok ? 'passed' : 'FAILED'} in ${figures['tests.unitSeconds']} s (load average ${loadAverage()})`);
    for (const f of u.failed) console.log(`  ${f}`);
  }
  const load = startLoad(o.busy);
  // Ctrl-C or a CI timeout: stop the load first.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      running?.kill('SIGTERM');
      void load.stop().finally(() => process.exit(130));
    });
  console.log(`load: ${load.what}, stopping by itself after ${LOAD_BOUND_S / 60} min at the latest`);
  let failedRuns = 0;
  try {
    for (let run = 1; run <= o.runs; run++) {
      const r = await vitest('pty', join(LOG_DIR, `pty-${run}.log`));
      if (!r.ok) failedRuns++;
      console.log(`pty run ${run}/${o.runs} under load: ${r.ok ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(0)} s (load average ${loadAverage()}; log build/tests-load/pty-${run}.log)`);
      for (const f of r.failed) console.log(`  ${f}`);
    }
  } finally {
    await load.stop();
  }
  figures['tests.flakyUnderLoad'] = failedRuns;
  mergeFigures(figures);
  console.log(`tests.flakyUnderLoad = ${failedRuns} (of ${o.runs} pty runs under load; target 0)`);
  if (figures['tests.unitSeconds'] !== undefined) console.log(`tests.unitSeconds = ${figures['tests.unitSeconds']} (target < 30)`);
  console.log('merged into build/bench.json');
  if (failedRuns > 0 || unitFailed) process.exitCode = 1;
}

await main();
