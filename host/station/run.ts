// A station run: every board in its own async task (one board's failure, a balance that goes
// silent, a board that stops answering, never stops another), each going through identify,
// provision, selftest, calibrate, accuracy and certificate, each step committed to the results
// database the moment it finishes. A run whose station was killed or whose board stopped
// answering stays 'running'; `--resume BATCH` picks it up where its last committed step left it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/errors';
import { type StationDb, type StepResult } from './db';
import { type Flasher } from './flasher';
import { type KeyStore } from './keystore';
import { type LiveTable } from './live';
import { type Operator } from './operator';
import { type StationProfile } from './profile';
import { writeCertificate } from './certificate';
import { accuracy, calibrate } from './steps-gravimetric';
import { identify, provision, selftest } from './steps-board';
import { info, type StepContext, type StepName, type StepOutcome } from './step-types';
import { type BoardTarget, type LinkOptions, openBalance, schedulerFor } from './target';

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
  readonly image?: string;
  readonly flasher?: Flasher;
  /** Tests: called as each step starts (to cut a run at a chosen step). */
  readonly onStep?: (label: string, step: StepName) => void;
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
  return e instanceof CliError && ['TIMEOUT', 'DISCONNECTED', 'PORT_OPEN', 'GARBLED'].includes(e.errorName);
}

const text = (e: unknown): string => (e instanceof CliError ? e.text : e instanceof Error ? e.message : String(e));

export async function runBoard(t: BoardTarget, d: StationDeps): Promise<BoardOutcome> {
  const row = (change: Parameters<LiveTable['update']>[1]): void => d.table.update(t.label, change);
  row({ step: 'identify', phase: t.port });
  let clock: Awaited<ReturnType<typeof schedulerFor>> | undefined;
  let id;
  try {
    clock = await schedulerFor(t, d.link);
    id = await identify(t, d.link, { ...(d.image !== undefined && { image: d.image }), ...(d.flasher && { flasher: d.flasher }) });
  } catch (e) {
    clock?.close();
    row({ step: 'identify', result: 'INTERRUPTED', phase: text(e) });
    return { label: t.label, state: 'interrupted', reason: text(e) };
  }
  const boardId = id.boardId;
  row({ board: boardId });
  const resumed = d.resume ? d.db.unfinished(d.batch).find((r) => r.board_id === boardId) : undefined;
  const runId = resumed?.id ?? d.db.startRun({ boardId, ...(t.rig !== undefined && { rig: t.rig }), operator: d.operator.name, firmware: { version: id.firmware, protocol: id.protocol }, batch: d.batch, port: t.port, profileName: d.profile.name, profileJson: JSON.stringify(d.profile) });
  d.db.setRunFirmware(runId, id.firmware, id.protocol);
  const dir = join(d.out, boardId.replace(/[^A-Za-z0-9._-]/g, '_'), `run-${runId}`);
  mkdirSync(dir, { recursive: true });
  const now = (): string => new Date().toISOString();
  const scheduler = clock.scheduler;
  let position = 1;
  const record = (name: StepName, o: StepOutcome, startedAt: string, boardMs: number | null): void => {
    d.db.recordStep(runId, { name, position, result: o.result, detail: o.detail, startedAt, finishedAt: now(), boardMs, measurements: o.measurements });
  };
  const done = new Set(d.db.steps(runId).map((s) => s.name));
  record('identify', { result: 'pass', detail: `${boardId}: firmware ${id.firmware}, protocol ${id.protocol}${id.flashed ? ', flashed' : ''}${resumed ? `; resumed run ${runId}` : ''}`, measurements: [info('protocol', id.protocol, '')] }, now(), null);
  let balance: ReturnType<typeof openBalance> | undefined;
  const c: StepContext = {
    target: t, boardId, profile: d.profile, operator: d.operator, store: d.store, link: d.link, scheduler, session: id.session, dir, runId,
    balance: async () => (await (balance ??= openBalance(t, d.link, scheduler))).balance,
    phase: (p) => row({ phase: p }),
  };
  const closeAll = async (): Promise<void> => {
    await c.session.close().catch(() => undefined);
    await balance?.then((b) => b.port.close(), () => undefined);
    clock!.close();
  };
  let blocked: string | undefined;
  try {
    for (const [name, fn] of STEPS) {
      position++;
      if (done.has(name)) continue;
      row({ step: name, phase: '' });
      d.onStep?.(t.label, name);
      if (d.link.signal.aborted) throw new CliError('USAGE', `stopped by the operator before ${name}`);
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
      record(name, o, startedAt, o.result === 'skipped' ? null : scheduler.now() - b0);
      row({ phase: `${o.result}` });
      // Nothing after provisioning can run without the service key.
      if (name === 'provision' && o.result !== 'pass') blocked = 'provisioning failed';
    }
  } catch (e) {
    await closeAll();
    row({ result: 'INTERRUPTED', phase: `${text(e)}: resume with --resume ${d.batch}` });
    return { label: t.label, state: 'interrupted', boardId, runId, reason: text(e) };
  }
  await closeAll();
  // The verdict: every step passed. Skipped checks inside a step (buzzer, LED) are in its measurements.
  const bad = d.db.steps(runId).filter((s) => s.name !== 'certificate' && s.result !== 'pass');
  const verdict: 'pass' | 'fail' = bad.length ? 'fail' : 'pass';
  const reason = bad.length ? bad.map((s) => `${s.name} ${s.result}`).join(', ') : 'every step passed';
  row({ step: 'certificate', phase: '' });
  position = 6;
  const startedAt = now();
  let cert: StepOutcome;
  try {
    const files = writeCertificate(d.db, runId, dir, { verdict, reason }, d.profile.driftWarnPct);
    cert = { result: 'pass', detail: `${join(dir, files[0]!)}`, measurements: [] };
  } catch (e) {
    cert = { result: 'error', detail: `writing the certificate: ${text(e)}`, measurements: [] };
  }
  record('certificate', cert, startedAt, null);
  d.db.finishRun(runId, verdict, reason);
  row({ step: 'done', result: verdict.toUpperCase(), phase: reason });
  return { label: t.label, state: 'finished', boardId, runId, verdict, reason, dir };
}

/** Every board at once; resolves when all have finished or stopped, whatever each did. */
export async function runStation(targets: readonly BoardTarget[], d: StationDeps): Promise<BoardOutcome[]> {
  for (const t of targets) d.table.add(t.label, t.id ?? t.port);
  const settled = await Promise.allSettled(targets.map((t) => runBoard(t, d)));
  return settled.map((s, i) => (s.status === 'fulfilled' ? s.value : { label: targets[i]!.label, state: 'interrupted' as const, reason: text(s.reason) }));
}

export type { StepResult };
