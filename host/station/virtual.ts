// A virtual batch: N virtual boards (host/board, each its own process behind a socat pty), each
// a different rig of the population (host/sim/population.ts: the named corners, then drawn
// seeds), each with a virtual MT-SICS balance on a pty of its own and a manual clock, so a run
// costs no waiting and no board deadline depends on the machine's speed. The station presses
// each board's service button through its console, as an operator would at the bench.

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnedBoard } from '../board/spawn';
import { spawnBoard } from '../board/spawn';
import { CORNER_RIGS } from '../sim/population';
import type { BoardTarget } from './target';

export interface VirtualBatch {
  readonly targets: BoardTarget[];
  readonly boards: SpawnedBoard[];
  readonly dir: string;
  stop(): Promise<void>;
}

/** The rigs of a batch of n: the corners first (middle, stiffest ...), then drawn seeds 1, 2 ... */
export function batchRigs(n: number): string[] {
  const corners = Object.keys(CORNER_RIGS);
  return Array.from({ length: n }, (_, i) => (i < corners.length ? corners[i]! : String(i - corners.length + 1)));
}

export interface VirtualBoardSpec {
  readonly rig: string;
  /** Extra board options (a --fault for a bad rig, --load-cell). */
  readonly args?: readonly string[];
}

/**
 * Starts the boards and hands back their targets; stop() ends them and removes their folder.
 * At most two boards a core start at once: each spends seconds of CPU loading its code, and
 * sixteen at once on a busy two-core machine outlasted the ready line's deadline.
 */
export async function startVirtualBatch(specs: readonly VirtualBoardSpec[], o: { dir?: string } = {}): Promise<VirtualBatch> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'pump-station-'));
  const start = (s: VirtualBoardSpec, i: number): Promise<SpawnedBoard> =>
    spawnBoard(['--link', join(dir, `b${i + 1}`, 'ttyPUMP'), '--state', join(dir, `b${i + 1}`, 'state'), '--fresh', '--clock', 'manual', '--balance', 'mt-sics', '--rig', s.rig, ...(s.args ?? [])], {
      timeoutMs: 120_000,
    });
  const started: PromiseSettledResult<SpawnedBoard>[] = new Array(specs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < specs.length; i = next++) {
      started[i] = await start(specs[i]!, i).then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(specs.length, 2 * availableParallelism()) }, lane));
  const boards = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(
      boards.map(async (b) => {
        if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGTERM');
        await b.exited;
      }),
    );
    if (o.dir === undefined) rmSync(dir, { recursive: true, force: true });
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const targets = boards.map(
    (b, i): BoardTarget => ({
      label: `B${i + 1}`,
      port: b.ready.path,
      id: `virtual-${specs[i]!.rig}`,
      rig: specs[i]!.rig,
      balance: b.ready.devices['balance']!,
      balanceProtocol: 'mt-sics',
      clockSocket: b.ready.clockSocket!,
      pressService: async () => {
        const a = await b.press('s');
        if (!a.ok) throw new Error(`the virtual board's service button: ${a.text}`);
      },
    }),
  );
  return { targets, boards, dir, stop };
}
