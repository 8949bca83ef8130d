// A worker thread of the population bench (population.ts): takes rig plans one message at a
// time, measures each (population-run.ts) and posts the result back. Runs under tsx (started
// with `--import tsx`), so it imports the TypeScript sources as the bench does.

import { parentPort } from 'node:worker_threads';
import type { RigPlan } from './population-run';
import { measureRig } from './population-run';

const port = parentPort;
if (!port) throw new Error('population-worker.ts runs as a worker thread (host/bench/population.ts)');
port.on('message', (plan: RigPlan) => {
  measureRig(plan).then(
    (result) => port.postMessage({ ok: true, result }),
    (e: unknown) => port.postMessage({ ok: false, name: plan.name, error: String((e as Error)?.stack ?? e) }),
  );
});
