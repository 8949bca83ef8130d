// Benchmarks run side by side on worker threads (issue 15: `npm run bench` in about 5 minutes
// on 2 cores). A task names a module of host/bench and the function it exports; each worker
// (task-worker.ts) imports it under tsx, runs it and posts its figures back. Only benchmarks
// whose figures do not depend on the machine's speed go here: their clocks are virtual, or
// their figure is a count (xsnap's meter). The timed ones (sim speed, the pty's round trips,
// the dashboard's paint time, the station's deadlines, the population's wall time) run alone
// after the pool (index.ts).

import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module. A worker given a .ts file fails on Node 20
 * before `--import tsx` takes hold (ERR_UNKNOWN_FILE_EXTENSION), so it starts from a line that
 * registers tsx first.
 */
export function tsWorker(module: URL): Worker {
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(boot, { eval: true });
}

export interface PoolTask {
  readonly name: string;
  /** A file of host/bench, e.g. './protocol.ts'. */
  readonly module: string;
  /** The function it exports: returns (or resolves to) named figures. */
  readonly fn: string;
  readonly args?: readonly unknown[];
  /** Seconds it took last time on 2 cores: the longest start first, so the lanes end together. */
  readonly seconds: number;
}

export interface TaskMessage {
  readonly module: string;
  readonly fn: string;
  readonly args: readonly unknown[];
}
export type TaskReply = { readonly ok: true; readonly figures: Record<string, number> } | { readonly ok: false; readonly error: string };

/** Runs the tasks on `workers` threads; figures by task name. A task that throws rejects the whole. */
export async function runPool(
  tasks: readonly PoolTask[],
  workers: number,
  events: { start(t: PoolTask): void; done(t: PoolTask, seconds: number): void },
): Promise<Map<string, Record<string, number>>> {
  const results = new Map<string, Record<string, number>>();
  const queue = [...tasks].sort((a, b) => b.seconds - a.seconds);
  const lane = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = tsWorker(new URL('./task-worker.ts', import.meta.url));
      let task: PoolTask | undefined;
      let t0 = 0;
      const next = (): void => {
        task = queue.shift();
        if (!task) {
          void w.terminate().then(() => resolve());
          return;
        }
        events.start(task);
        t0 = performance.now();
        const m: TaskMessage = { module: new URL(task.module, import.meta.url).href, fn: task.fn, args: task.args ?? [] };
        w.postMessage(m);
      };
      w.on('message', (m: TaskReply) => {
        const t = task!;
        if (!m.ok) {
          void w.terminate();
          reject(new Error(`bench ${t.name}: ${m.error}`));
          return;
        }
        results.set(t.name, m.figures);
        events.done(t, (performance.now() - t0) / 1000);
        next();
      });
      w.on('error', reject);
      next();
    });
  await Promise.all(Array.from({ length: Math.min(workers, tasks.length) }, lane));
  return results;
}
