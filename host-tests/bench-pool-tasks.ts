// Tasks for host-tests/bench-pool.test.ts, run by the bench's pool on worker threads.
import { isMainThread, threadId } from 'node:worker_threads';

export function square(n: number): Record<string, number> {
  return { square: n * n, onWorker: isMainThread ? 0 : 1, threadId };
}

export async function later(n: number): Promise<Record<string, number>> {
  await new Promise((r) => setTimeout(r, 1));
  return { later: n, threadId };
}

export function refuses(): Record<string, number> {
  throw new Error('this task always fails');
}
