// A worker thread of the bench's pool (pool.ts): imports the module a message names, runs the
// function it names and posts the figures back, one task at a time.

import { parentPort } from 'node:worker_threads';
import type { TaskMessage, TaskReply } from './pool';

const port = parentPort;
if (!port) throw new Error('task-worker.ts runs as a worker thread (host/bench/pool.ts)');
port.on('message', (m: TaskMessage) => {
  const reply = (r: TaskReply): void => port.postMessage(r);
  import(m.module)
    .then((mod: Record<string, unknown>) => {
      const fn = mod[m.fn];
      if (typeof fn !== 'function') throw new Error(`${m.module} exports no function ${m.fn}`);
      return (fn as (...a: unknown[]) => unknown)(...m.args);
    })
    .then(
      (figures) => reply({ ok: true, figures: figures as Record<string, number> }),
      (e: unknown) => reply({ ok: false, error: String((e as Error)?.stack ?? e) }),
    );
});
