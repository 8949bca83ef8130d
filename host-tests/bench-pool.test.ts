// The bench's pool (host/bench/pool.ts): `npm run bench` runs its untimed benchmarks two at a
// time on worker threads, and the fuzz as two streams whose figures add up to one run's.
import { describe, expect, it } from 'vitest';
import type { PoolTask } from '../host/bench/pool';
import { runPool } from '../host/bench/pool';
import { combineProtocolShards } from '../host/bench/protocol';

const tasks = new URL('./bench-pool-tasks.ts', import.meta.url).href;
const quiet = { start: () => {}, done: () => {} };

describe('bench pool', () => {
  it('runs every task on a worker thread, both lanes used, figures by task name', async () => {
    const list: PoolTask[] = [
      { name: 'a', module: tasks, fn: 'square', args: [3], seconds: 1 },
      { name: 'b', module: tasks, fn: 'later', args: [7], seconds: 2 },
      { name: 'c', module: tasks, fn: 'square', args: [5], seconds: 0 },
    ];
    const started: string[] = [];
    const r = await runPool(list, 2, { start: (t) => started.push(t.name), done: () => {} });
    expect(r.get('a')).toMatchObject({ square: 9, onWorker: 1 });
    expect(r.get('b')).toMatchObject({ later: 7 });
    expect(r.get('c')).toMatchObject({ square: 25 });
    // The longest first, and two threads between them.
    expect(started).toEqual(['b', 'a', 'c']);
    expect(new Set([...r.values()].map((f) => f['threadId'])).size).toBe(2);
  }, 60_000);

  it('rejects with the task that failed and its error', async () => {
    const list: PoolTask[] = [{ name: 'broken', module: tasks, fn: 'refuses', seconds: 1 }];
    await expect(runPool(list, 2, quiet)).rejects.toThrow(/bench broken: .*this task always fails/);
  }, 60_000);

  it('rejects a function the module does not export', async () => {
    const list: PoolTask[] = [{ name: 'typo', module: tasks, fn: 'squar', seconds: 1 }];
    await expect(runPool(list, 1, quiet)).rejects.toThrow(/bench typo: .*exports no function squar/);
  }, 60_000);
});

describe('fuzz streams', () => {
  it('add up their counts and days, and take the longest stream as the seconds', () => {
    const one = { 'protocol.fuzzFrames': 500_000, 'protocol.fuzzViolations': 0, 'protocol.fuzzSeconds': 101.2, 'protocol.fuzzSimulatedDays': 14.61 };
    const two = { 'protocol.fuzzFrames': 500_000, 'protocol.fuzzViolations': 2, 'protocol.fuzzSeconds': 98.7, 'protocol.fuzzSimulatedDays': 14.64 };
    expect(combineProtocolShards([one, two])).toEqual({ 'protocol.fuzzFrames': 1_000_000, 'protocol.fuzzViolations': 2, 'protocol.fuzzSeconds': 101.2, 'protocol.fuzzSimulatedDays': 29.3 });
  });
});
