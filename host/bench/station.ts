// station.boardsInParallel and station.minutesPerBoard (issue 19): the test station run over a
// virtual batch (host/station/virtual.ts: each board its own process behind socat ptys, a
// different rig of the population, a virtual MT-SICS balance, a manual clock) at the default
// profile, as `pumpctl station --virtual N` runs it, all boards at once from one station process.
//
// A missed deadline. On the bench a board and its balance run in real time and the station
// must keep up with them: every stretch of board time it steps (each 30-second sampling
// interval of the gravimetric check, the self-test's motor run, the settles) must be done,
// the board's own work for it plus the station's (weighing, reading alarms, committing), in
// no more wall time than the board time it stands for; a stretch that takes longer would,
// with boards running in real time, mean a late sample. So a stretch is timed from the call
// that advances the board clock to the next such call, and it is missed when its wall time
// exceeds its board time. Also counted as missed: a run interrupted (a board reply later than
// the session's timeout, a disconnection) and a step whose detail holds E900 (a balance reply
// later than its 2 s timeout). The virtual boards run on manual clocks, so the load changes how
// long a stretch takes, never what is measured: a miss here is the machine failing to keep up.
//
// boardsInParallel: the largest batch of 8, 12 and 16 (a bound on the bench's time) with no miss,
// tried largest first: a machine that keeps up with 16 keeps up with fewer, so only a miss costs
// a second batch (it used to try 8, then 12, then 16: three batches, half a minute more, for the
// same answer). minutesPerBoard: the board time one board spends on the station at the default
// profile (its steps' board time from the results database, mean over the batch's first eight
// boards, the corners and drawn rigs 1 and 2, whatever the batch's size: board time does not
// depend on the machine, 2026-12-07): what a batch takes on real boards, however many run at once.
// What the figures do not prove: virtual balances answer at once (a real MT-SICS balance takes
// tens of ms a reading), a pty ignores the baud rate, and no operator is asked (buzzer and LED
// are skipped), so a real bench's station has more slack per board than this, not less.

import { autoDetect } from '@serialport/bindings-cpp';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scheduler } from '../accuracy/interfaces';
import { StationDb } from '../station/db';
import { KeyStore } from '../station/keystore';
import { LiveTable } from '../station/live';
import { terminalOperator } from '../station/operator';
import { DEFAULT_PROFILE } from '../station/profile';
import { runStation } from '../station/run';
import type { VirtualBatch } from '../station/virtual';
import { batchRigs, startVirtualBatch } from '../station/virtual';

/** Tried largest first; minutesPerBoard is over the first MINUTES_BOARDS boards of the batch kept. */
const SIZES = [16, 12, 8] as const;
const MINUTES_BOARDS = 8;

export interface BatchTiming {
  readonly boards: number;
  /** Stretches of board time whose wall time exceeded it, runs interrupted, E900s. */
  readonly missed: number;
  readonly stretches: number;
  /** The worst stretch: wall time over board time (1 = exactly real time). */
  readonly worstLoad: number;
  readonly wallS: number;
  /** Board minutes per board, mean over the first MINUTES_BOARDS boards whose run finished. */
  readonly boardMinutes: number;
  readonly verdicts: string;
}

/** Runs one virtual batch of n boards through the default profile and times it. */
export async function timeBatch(n: number): Promise<BatchTiming> {
  const dir = mkdtempSync(join(tmpdir(), 'pump-bench-station-'));
  let batch: VirtualBatch;
  try {
    batch = await startVirtualBatch(
      batchRigs(n).map((rig) => ({ rig })),
      { dir: join(dir, 'boards') },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const db = StationDb.open(join(dir, 'results.db'));
  let stretches = 0;
  let late = 0;
  let worstLoad = 0;
  const wrapScheduler = (_label: string, s: Scheduler): Scheduler => {
    let open: { wallMs: number; boardMs: number } | undefined;
    return {
      now: () => s.now(),
      sleepUntil: async (ms) => {
        const from = s.now();
        if (ms <= from) return s.sleepUntil(ms);
        const wall = performance.now();
        if (open) {
          const load = (wall - open.wallMs) / open.boardMs;
          stretches++;
          if (load > 1) late++;
          worstLoad = Math.max(worstLoad, load);
        }
        open = { wallMs: wall, boardMs: ms - from };
        await s.sleepUntil(ms);
      },
    };
  };
  const t0 = performance.now();
  try {
    const ac = new AbortController();
    const outcomes = await runStation(batch.targets, {
      db,
      store: new KeyStore(join(dir, 'keys')),
      profile: DEFAULT_PROFILE,
      operator: terminalOperator('bench', undefined, () => undefined),
      // pumpctl's default reply timeout (--timeout 3000): a reply later than that is a miss.
      link: { binding: autoDetect(), baud: 115200, timeoutMs: 3000, reconnectMs: 15_000, timeScale: 1, signal: ac.signal, notice: () => undefined },
      table: new LiveTable({ write: () => undefined, tty: false }),
      out: dir,
      batch: `bench-${n}`,
      resume: false,
      wrapScheduler,
    });
    const wallS = (performance.now() - t0) / 1000;
    const interrupted = outcomes.filter((o) => o.state !== 'finished').length;
    const e900 = (db.db.prepare("SELECT COUNT(*) AS n FROM steps WHERE detail LIKE '%E900%'").get() as { n: number }).n;
    const first = new Set(batchRigs(MINUTES_BOARDS).map((rig) => `virtual-${rig}`));
    const minutes = (
      db.db.prepare("SELECT r.board_id AS board, SUM(s.board_ms) / 60000.0 AS m FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.status = 'finished' GROUP BY r.id").all() as {
        board: string;
        m: number;
      }[]
    ).filter((r) => first.has(r.board));
    return {
      boards: n,
      missed: late + interrupted + e900,
      stretches,
      worstLoad,
      wallS,
      boardMinutes: minutes.reduce((a, r) => a + r.m, 0) / Math.max(1, minutes.length),
      verdicts: outcomes.map((o) => (o.state === 'finished' ? `${o.boardId} ${o.verdict}` : `${o.label} interrupted: ${o.reason}`)).join(', '),
    };
  } finally {
    db.close();
    await batch.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchStation(): Promise<Record<string, number>> {
  let kept: BatchTiming | undefined;
  let last: BatchTiming | undefined;
  for (const n of SIZES) {
    let t: BatchTiming;
    try {
      t = await timeBatch(n);
    } catch (e) {
      // A batch whose boards cannot even start on this machine is not kept up with: try fewer.
      if (n === SIZES.at(-1)) throw e;
      console.log(`station: ${n} virtual boards could not be started: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      continue;
    }
    last = t;
    console.log(
      `station: ${n} virtual boards at once in ${t.wallS.toFixed(0)} s: ${t.missed} missed deadlines, worst stretch ${(100 * t.worstLoad).toFixed(1)} % of real time over ${t.stretches} stretches; ${t.boardMinutes.toFixed(1)} board minutes a board (${t.verdicts})`,
    );
    if (t.missed === 0) {
      kept = t;
      break;
    }
  }
  return {
    'station.boardsInParallel': kept?.boards ?? 0,
    'station.minutesPerBoard': Math.round(last!.boardMinutes * 10) / 10,
    // Context: how close the batch kept (or the last one tried) came to missing (1 = a stretch took its own board time).
    'station.worstStretchLoad': Math.round((kept ?? last)!.worstLoad * 1000) / 1000,
  };
}
