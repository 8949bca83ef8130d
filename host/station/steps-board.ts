// The steps that talk to the board alone: identify (stable id and firmware; flashing first,
// when asked, is run.ts's through flasher.ts), provision (keys set in the provisioning window
// the operator opens with the service button, kept in the station's key store) and the
// self-test. The self-test uses what the protocol already gives (STATUS, INFO, ALARMS): the
// firmware has no raw sensor query, so a part is judged by the detector that watches it
// staying quiet while the part is exercised (docs/station.md says what each check does and
// does not prove).

import type { Role } from '../../firmware/protocol/auth';
import { PROTOCOL_VERSION } from '../../firmware/protocol/schema';
import { provisionKeys } from '../cli/commands/keys';
import { alarmViews, statusView } from '../cli/commands/status';
import { SessionPump } from '../cli/pump-control';
import type { PumpSession } from '../cli/session';
import { retrying } from '../cli/session';
import { ROLES } from '../protocol/key-file';
import type { Measurement } from './db';
import { NoOperatorError } from './operator';
import type { StepContext, StepOutcome } from './step-types';
import { info, judged, overall } from './step-types';
import type { BoardTarget, LinkOptions } from './target';
import { openSession } from './target';
import { HostError } from '../errors';
import { stationError } from '../errors/station';

const PRESENCE = 'press the service button (on a board: hold the service pin low while pressing reset) to open the 120 s provisioning window';

export interface Identity {
  readonly boardId: string;
  readonly firmware: string;
  readonly protocol: number;
  readonly session: PumpSession;
}

/** Opens the board (flashed or not) and reads its firmware. */
export async function identify(t: BoardTarget, link: LinkOptions): Promise<Identity> {
  // The firmware has no MAC query and the flasher reads none: the id is the operator's label or the rig's name.
  if (t.id === undefined) throw stationError('BOARD_SPEC', `${t.label} (${t.port}): give the board's id (--board ${t.port},id=LABEL: the label or MAC on the board)`);
  // No keys yet: VERSION and INFO need none, and the provisioning step decides which to use.
  const session = await openSession(t, link, {});
  const v = await retrying(() => session.query('VERSION'));
  return { boardId: t.id, firmware: v.fields['fw'] ?? '?', protocol: Number(v.fields['proto'] ?? PROTOCOL_VERSION), session };
}

/**
 * Keys for the board: those in the key store if the board still proves it holds them (a board
 * provisioned before, a resumed run), else new ones set in the provisioning window.
 */
export async function provision(c: StepContext): Promise<StepOutcome> {
  const file = c.store.file(c.boardId);
  const held = c.store.keys(c.boardId);
  if (held?.service) {
    const s = await reopen(c, held);
    try {
      await s.login('service');
      c.session = s;
      return { result: 'pass', detail: `already provisioned: the board proved it holds the service key in ${file}`, measurements: [info('roles', ROLES.filter((r) => held[r]).length, 'keys')] };
    } catch (e) {
      await s.close().catch(() => undefined);
      if (!(e instanceof HostError) || e.errorName !== 'AUTH_FAILED') throw e;
      // The board was re-keyed elsewhere: provision again.
    }
  }
  c.phase('waiting for the service button');
  try {
    await c.operator.act(c.target.label, PRESENCE, c.target.pressService);
  } catch (e) {
    if (e instanceof NoOperatorError) return { result: 'fail', detail: `no keys: ${e.message}`, measurements: [] };
    throw e;
  }
  c.phase('setting keys');
  const done: Role[] = await provisionKeys(c.session, file, ROLES);
  c.store.check(file);
  const keys = c.store.keys(c.boardId)!;
  const s = await reopen(c, keys);
  await s.login('service');
  c.session = s;
  return { result: 'pass', detail: `provisioned ${done.join(', ')}; keys in ${file} (0600); the board proved the new service key`, measurements: [info('roles', done.length, 'keys')] };
}

/**
 * A resumed run whose provisioning was committed before the stop: the session identify opened
 * holds no keys, so it logs in with the key store's service key, as provisioning left it.
 */
export async function resumeService(c: StepContext): Promise<void> {
  const held = c.store.keys(c.boardId);
  if (!held?.service) throw stationError('KEY_STORE', `${c.store.file(c.boardId)} holds no service key for ${c.boardId}, though its provisioning was recorded: test the board again without --resume`);
  const s = await reopen(c, held);
  await s.login('service');
  c.session = s;
}

async function reopen(c: StepContext, keys: Parameters<typeof openSession>[2]): Promise<PumpSession> {
  await c.session.close().catch(() => undefined);
  return openSession(c.target, c.link, keys);
}

async function alarmCodes(s: PumpSession): Promise<{ code: number; name: string }[]> {
  return alarmViews((await retrying(() => s.query('ALARMS'))).fields);
}

const MOTOR = [20, 21, 22];
const FLOW = [12, 13, 14, 16];
const WATER = { drug: 'water-bench', conc: 1_000_000 };

/**
 * Self-test: battery, then a short delivery (motor and step counter, end-stop, flow sensor
 * under flow), a rest (the flow sensor's zero), the load cell if fitted, and the buzzer and
 * LED as the operator sees them. The syringe is refilled with water first, as the bench holds it.
 */
export async function selftest(c: StepContext): Promise<StepOutcome> {
  const s = c.session;
  const p = c.profile.selftest;
  const ms: Measurement[] = [];
  const notes: string[] = [];
  const pump = new SessionPump(s, () => undefined);
  await pump.stop();
  // Alarms left from before (a board reset mid-run says UNEXPECTED_RESET) are noted and cleared.
  const before = await alarmCodes(s);
  if (before.length) {
    notes.push(`alarms at start: ${before.map((a) => `A${a.code} ${a.name}`).join(', ')} (acknowledged)`);
    await s.send('ACK');
  }
  const inf = (await retrying(() => s.query('INFO'))).fields;
  const battery = Number(inf['batteryPct']);
  ms.push(judged('battery', Number.isFinite(battery) ? battery : null, '%', p.batteryMinPct, p.batteryMaxPct));
  // The bench's syringe holds water: recorded so the water prescription is not refused (E125).
  const reservoir = Number(inf['reservoirNl'] ?? 0);
  const capacity = Number(inf['capacityNl'] ?? 10_000_000);
  await s.must(s.send('REFILL', reservoir, capacity, WATER.conc, WATER.drug), 'recording the syringe filled with water');

  c.phase('motor');
  const rateNlPerH = Math.round(p.motorRateMlH * 1_000_000);
  const d0 = statusView((await retrying(() => s.query('STATUS'))).fields).deliveredNl;
  await pump.program({ rateNlPerH, name: 'selftest' });
  const t0 = c.scheduler.now();
  await c.scheduler.sleepUntil(t0 + p.motorSeconds * 1000);
  await pump.stop();
  const ran = c.scheduler.now() - t0;
  const d1 = statusView((await retrying(() => s.query('STATUS'))).fields).deliveredNl;
  const expected = (rateNlPerH * ran) / 3_600_000;
  const errPct = expected > 0 ? (100 * (d1 - d0 - expected)) / expected : null;
  ms.push(judged('motor.deliveredErrorPct', errPct, '%', -p.motorTolerancePct, p.motorTolerancePct));
  const afterRun = await alarmCodes(s);
  const has = (codes: readonly number[], list: { code: number }[]): number => list.filter((a) => codes.includes(a.code)).length;
  ms.push(judged('motor.alarms', has(MOTOR, afterRun), 'alarms', 0, 0));
  ms.push(judged('endStop.closed', has([31], afterRun), 'alarms', 0, 0));
  ms.push(judged('flowSensor.alarmsUnderFlow', has(FLOW, afterRun), 'alarms', 0, 0));

  c.phase('flow sensor at rest');
  await c.scheduler.sleepUntil(c.scheduler.now() + p.restSeconds * 1000);
  const atRest = await alarmCodes(s);
  ms.push(judged('flowSensor.alarmsAtRest', has(FLOW, atRest), 'alarms', 0, 0));
  if (p.loadCell) ms.push(judged('loadCell.alarms', has([15], atRest), 'alarms', 0, 0));
  else ms.push({ name: 'loadCell', value: null, unit: '', result: 'skipped' });
  const seen = [...afterRun, ...atRest].filter((a, i, all) => all.findIndex((b) => b.code === a.code) === i);
  if (seen.length) notes.push(`alarms: ${seen.map((a) => `A${a.code} ${a.name}`).join(', ')}`);

  c.phase('buzzer and LED');
  for (const [name, q] of [
    ['buzzer', 'did the buzzer beep when delivery stopped?'],
    ['led', 'did the LED light?'],
  ] as const) {
    const a = await c.operator.ask(c.target.label, q);
    ms.push({ name, value: a === 'skip' ? null : a === 'yes' ? 1 : 0, unit: 'confirmed', result: a === 'skip' ? 'skipped' : a === 'yes' ? 'pass' : 'fail' });
  }
  const result = overall(ms);
  const failed = ms.filter((m) => m.result === 'fail').map((m) => m.name);
  const skipped = ms.filter((m) => m.result === 'skipped').map((m) => m.name);
  return {
    result,
    detail: [result === 'pass' ? 'all checks passed' : `failed: ${failed.join(', ')}`, skipped.length ? `skipped: ${skipped.join(', ')}` : '', ...notes].filter(Boolean).join('; '),
    measurements: ms,
  };
}
