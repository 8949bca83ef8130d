// A station run: every board in its own async task (one board's failure, a balance that goes
// silent, a board that stops answering, never stops another), each going through identify
// (flashing first when asked), provision, selftest, calibrate, accuracy and certificate, each
// step committed to the results database the moment it finishes. A run whose station was
// killed or stopped, or whose board stopped answering, stays 'running' with the steps it
// committed; `--resume BATCH` picks it up after the last of them. A step cut short by a stop
// is not recorded (its half-result would pass for a finished check): the resume runs it again.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scheduler } from '../accuracy/interfaces';
import type { StationDb, StepResult } from './db';
import type { Flasher, FlashReport } from './flasher';
import type { KeyStore } from './keystore';
import type { LiveTable } from './live';
import type { Operator } from './operator';
import type { StationProfile } from './profile';
import { writeCertificate } from './certificate';
import { accuracy, calibrate } from './steps-gravimetric';
import { identify, provision, resumeService, selftest } from './steps-board';
import type { StepContext, StepName, StepOutcome } from './step-types';
import { info, STEP_NAMES } from './step-types';
import type { BoardTarget, LinkOptions } from './target';
import { openBalance, schedulerFor } from './target';
import { HostError } from '../errors';

export interface StationDeps {
  readonly db: StationDb;
  readonly store: KeyStore;
  readonly profile: StationProfile;
  readonly operator: Operator;
  readonly link: LinkOptions;
  readonly table: LiveTable;
  /** Where run folders go: <out>/<board id>/run-<id>/. */
  readonly out: string;
  readonly batch: string;
  /** Carry on this batch's unfinished runs instead of starting new ones. */
  readonly resume: boolean;
  /** An image folder to flash first (flasher.ts), with the flasher that writes it. */
  readonly image?: string;
  readonly flasher?: Flasher;
  /** Tests: called as each step starts (to stop a run at a chosen step). */
  readonly onStep?: (label: string, step: StepName) => void;
  /** The bench: wraps each board's scheduler (to time how long each stretch of board time took). */
  readonly wrapScheduler?: (label: string, s: Scheduler) => Scheduler;
}

export type BoardOutcome =
  | { readonly label: string; readonly state: 'finished'; readonly boardId: string; readonly runId: number; readonly verdict: 'pass' | 'fail'; readonly reason: string; readonly dir: string }
  | { readonly label: string; readonly state: 'interrupted'; readonly boardId?: string; readonly runId?: number; readonly reason: string };

const STEPS: readonly [StepName, (c: StepContext) => Promise<StepOutcome>][] = [
  ['provision', provision],
  ['selftest', selftest],
  ['calibrate', calibrate],
  ['accuracy', accuracy],
];

/** Link failures: the board (or station) is gone, so the step in flight is not recorded and the run stays resumable. */
function interrupted(e: unknown): boolean {
  return e instanceof HostError && ['TIMEOUT', 'DISCONNECTED', 'PORT_OPEN', 'GARBLED'].includes(e.errorName);
}

const text = (e: unknown): string => (e instanceof HostError ? e.text : e instanceof Error ? e.message : String(e));
const now = (): string => new Date().toISOString();
const position = (name: StepName): number => STEP_NAMES.indexOf(name) + 1;

class Stopped extends Error {}

/** One board's run in the database: its id, folder, and the steps it has committed. */
class RunRecord {
  readonly done: Set<string>;
  constructor(
    readonly d: StationDeps,
    readonly runId: number,
    readonly dir: string,
  ) {
    this.done = new Set(d.db.steps(runId).map((s) => s.name));
  }

  /** Commits a finished step with its measurements (a step already committed stays as it was). */
  record(name: StepName, o: StepOutcome, startedAt: string, boardMs: number | null): void {
    this.d.db.recordStep(this.runId, { name, position: position(name), result: o.result, detail: o.detail, startedAt, finishedAt: now(), boardMs, measurements: o.measurements });
    this.done.add(name);
  }
}

/** The run of this board: the batch's unfinished one when resuming, else a new one. */
function openRun(t: BoardTarget, d: StationDeps, boardId: string, firmware: { version: string; protocol: number } | null): RunRecord {
  const resumed = d.resume ? d.db.unfinished(d.batch).find((r) => r.board_id === boardId) : undefined;
  const runId =
    resumed?.id ??
    d.db.startRun({
      boardId,
      ...(t.rig !== undefined && { rig: t.rig }),
      operator: d.operator.name,
      firmware,
      batch: d.batch,
      port: t.port,
      profileName: d.profile.name,
      profileJson: JSON.stringify(d.profile),
    });
  if (firmware) d.db.setRunFirmware(runId, firmware.version, firmware.protocol);
  const dir = join(d.out, boardId.replace(/[^A-Za-z0-9._-]/g, '_'), `run-${runId}`);
  mkdirSync(dir, { recursive: true });
  return new RunRecord(d, runId, dir);
}

export async function runBoard(t: BoardTarget, d: StationDeps): Promise<BoardOutcome> {
  const row = (change: Parameters<LiveTable['update']>[1]): void => d.table.update(t.label, change);
  row({ step: 'identify', phase: t.port });
  // Flash first, unless a resumed run of this board already got past its identify step.
  const resuming = d.resume && t.id !== undefined ? d.db.unfinished(d.batch).find((r) => r.board_id === t.id) : undefined;
  const identified = resuming !== undefined && d.db.steps(resuming.id).some((s) => s.name === 'identify');
  let flashed: (FlashReport & { ok: true }) | undefined;
  if (d.image !== undefined && !identified) {
    if (!d.flasher) return { label: t.label, state: 'interrupted', reason: `--image ${d.image} without a flasher` };
    const image = d.image;
    row({ phase: 'flashing' });
    const r = await d.flasher.flash({ port: t.port, image, onProgress: (p) => row({ phase: p }) });
    if (!r.ok) return flashFailed(t, d, image, r);
    flashed = r;
  }
  let clock: Awaited<ReturnType<typeof schedulerFor>> | undefined;
  let id: Awaited<ReturnType<typeof identify>>;
  try {
    clock = await schedulerFor(t, d.link);
    id = await identify(t, d.link);
  } catch (e) {
    clock?.close();
    row({ step: 'identify', result: 'INTERRUPTED', phase: text(e) });
    return { label: t.label, state: 'interrupted', reason: text(e) };
  }
  const boardId = id.boardId;
  row({ board: boardId });
  const run = openRun(t, d, boardId, { version: id.firmware, protocol: id.protocol });
  const flashNote = flashed ? `; flashed ${d.image} (${flashed.chip}, ${flashed.parts.length} parts verified by MD5)` : '';
  run.record(
    'identify',
    {
      result: 'pass',
      detail: `${boardId}: firmware ${id.firmware}, protocol ${id.protocol}${flashNote}${resuming ? `; resumed run ${run.runId}` : ''}`,
      measurements: [info('protocol', id.protocol, ''), ...(flashed ? [info('flash.partsVerified', flashed.parts.length, 'parts')] : [])],
    },
    now(),
    null,
  );
  const scheduler = d.wrapScheduler ? d.wrapScheduler(t.label, clock.scheduler) : clock.scheduler;
  let balance: ReturnType<typeof openBalance> | undefined;
  const c: StepContext = {
    target: t,
    boardId,
    profile: d.profile,
    operator: d.operator,
    store: d.store,
    link: d.link,
    scheduler,
    session: id.session,
    dir: run.dir,
    runId: run.runId,
    balance: async () => {
      balance ??= openBalance(t, d.link, scheduler);
      return (await balance).balance;
    },
    phase: (p) => row({ phase: p }),
  };
  const closeAll = async (): Promise<void> => {
    await c.session.close().catch(() => undefined);
    await balance?.then(
      (b) => b.port.close(),
      () => undefined,
    );
    clock!.close();
  };
  const stopped = (before: string): Stopped => new Stopped(`stopped (${String(d.link.signal.reason ?? 'by the operator')}) ${before}`);
  let blocked: string | undefined;
  try {
    // Resumed after provisioning: log in as it left the board, or skip what needs the key.
    const provisioned = d.db.steps(run.runId).find((s) => s.name === 'provision');
    if (provisioned && provisioned.result !== 'pass') blocked = 'provisioning failed';
    else if (provisioned) {
      try {
        await resumeService(c);
      } catch (e) {
        if (interrupted(e) || d.link.signal.aborted) throw e;
        blocked = `the resumed run could not log in: ${text(e)}`;
      }
    }
    for (const [name, fn] of STEPS) {
      if (run.done.has(name)) continue;
      row({ step: name, phase: '' });
      d.onStep?.(t.label, name);
      if (d.link.signal.aborted) throw stopped(`before ${name}`);
      const startedAt = now();
      const b0 = scheduler.now();
      let o: StepOutcome;
      if (blocked) o = { result: 'skipped', detail: `not run: ${blocked}`, measurements: [] };
      else {
        try {
          o = await fn(c);
        } catch (e) {
          if (interrupted(e) || d.link.signal.aborted) throw e;
          o = { result: 'error', detail: text(e), measurements: [] };
        }
      }
      // A stop mid-step cuts its sleeps short: what it measured is not the check, so it is not recorded.
      if (d.link.signal.aborted) throw stopped(`during ${name} (not recorded: the resume runs it again)`);
      run.record(name, o, startedAt, o.result === 'skipped' ? null : scheduler.now() - b0);
      row({ phase: `${o.result}` });
      // Nothing after provisioning can run without the service key.
      if (name === 'provision' && o.result !== 'pass') blocked = 'provisioning failed';
    }
  } catch (e) {
    await closeAll();
    row({ result: 'INTERRUPTED', phase: `${text(e)}: resume with --resume ${d.batch}` });
    return { label: t.label, state: 'interrupted', boardId, runId: run.runId, reason: text(e) };
  }
  await closeAll();
  return conclude(t, d, run, boardId);
}

/**
 * A flash that failed: recorded as the identify step's result (E72x in its detail) when the
 * board has an id, the steps after it skipped, and the run concluded; without an id there is
 * no board to record it under, and the outcome says why.
 */
function flashFailed(t: BoardTarget, d: StationDeps, image: string, r: FlashReport & { ok: false }): BoardOutcome {
  const why = `flashing ${image} to ${t.port}: ${r.text}`;
  if (t.id === undefined) {
    d.table.update(t.label, { result: 'INTERRUPTED', phase: why });
    return { label: t.label, state: 'interrupted', reason: why };
  }
  d.table.update(t.label, { phase: r.text });
  const run = openRun(t, d, t.id, null);
  const t0 = now();
  run.record('identify', { result: r.result, detail: why, measurements: [info('flash.partsVerified', 0, 'parts')] }, t0, null);
  for (const [name] of STEPS) run.record(name, { result: 'skipped', detail: 'not run: flashing failed', measurements: [] }, t0, null);
  return conclude(t, d, run, t.id);
}

/** Verdict, certificate, and the run closed. */
function conclude(t: BoardTarget, d: StationDeps, run: RunRecord, boardId: string): BoardOutcome {
  const row = (change: Parameters<LiveTable['update']>[1]): void => d.table.update(t.label, change);
  // The verdict: every step passed. Skipped checks inside a step (buzzer, LED) are in its measurements.
  const bad = d.db.steps(run.runId).filter((s) => s.name !== 'certificate' && s.result !== 'pass');
  const verdict: 'pass' | 'fail' = bad.length ? 'fail' : 'pass';
  const reason = bad.length ? bad.map((s) => `${s.name} ${s.result}`).join(', ') : 'every step passed';
  row({ step: 'certificate', phase: '' });
  const startedAt = now();
  let cert: StepOutcome;
  try {
    const files = writeCertificate(d.db, run.runId, run.dir, { verdict, reason }, d.profile.driftWarnPct);
    cert = { result: 'pass', detail: `${join(run.dir, files[0]!)}`, measurements: [] };
  } catch (e) {
    cert = { result: 'error', detail: `writing the certificate: ${text(e)}`, measurements: [] };
  }
  run.record('certificate', cert, startedAt, null);
  d.db.finishRun(run.runId, verdict, reason);
  row({ step: 'done', result: verdict.toUpperCase(), phase: reason });
  return { label: t.label, state: 'finished', boardId, runId: run.runId, verdict, reason, dir: run.dir };
}

/** Every board at once; resolves when all have finished or stopped, whatever each did. */
export async function runStation(targets: readonly BoardTarget[], d: StationDeps): Promise<BoardOutcome[]> {
  for (const t of targets) d.table.add(t.label, t.id ?? t.port);
  const settled = await Promise.allSettled(targets.map((t) => runBoard(t, d)));
  return settled.map((s, i) => (s.status === 'fulfilled' ? s.value : { label: targets[i]!.label, state: 'interrupted' as const, reason: text(s.reason) }));
}

export type { StepResult };
