// What each command of the schema does, one entry per command, in a table keyed and typed by
// COMMANDS (schema.ts). The schema holds the rest of each command's contract (the role it needs,
// framing, its arguments and their ranges) and stays free of firmware code, since the host tools
// import it; this table sits beside it. The link (link.ts) checks framing, role and MAC and reads
// the arguments from the schema entry before any handler runs, so a handler cannot skip a check,
// and a command added to the schema without a handler here (or a handler without a command) does
// not compile. Handlers get their arguments typed from the schema (ArgsOf), not cast one by one.

import { scheduledNgPerDay } from '../core/checks';
import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import { reason } from '../core/events';
import type { ArgValue } from './args';
import type { Auth, Role } from './auth';
import { crc32Hex, lineBytes } from '../shared/crc';
import type { Fields } from './frame';
import type { PumpControl } from './pump-control';
import { calibrated, infoFields, logPage, rxData } from './queries';
import type { ArgsOf, CommandName } from './schema';
import { COMMANDS, PROTOCOL_VERSION } from './schema';
import type { Staging } from './staging';
import type { FlashLog } from '../storage/log';

/** A reply: fields for the OK line, an error, or lines sent before the OK line (LOG, EVENTS). */
export type Reply = Result<Fields> | { readonly lines: readonly string[]; readonly fields: Fields };

/** The link's session, shared with the handlers that open and end it (AUTH, BYE). */
export interface Session {
  sid: string | undefined;
  /** The role the session was opened with (STATUS shows it). */
  role: Role | undefined;
  /** The role verified for the frame being handled: never carried over from an earlier one. */
  frameRole: Role | undefined;
}

/** The numbered event lines kept for EVENTS, and whether SUB asked for them to be sent. */
export interface EventLines {
  seq: number;
  readonly buffer: { seq: number; line: string }[];
  subscribed: boolean;
}

/** What a handler may use of the link it runs on: built once per link, so a frame allocates none. */
export interface LinkContext {
  readonly controller: PumpControl;
  readonly auth: Auth;
  readonly firmwareVersion: string;
  readonly log: FlashLog | undefined;
  readonly staging: Staging;
  readonly session: Session;
  readonly events: EventLines;
  /** Drops the cached replies of a session that ended. */
  forget(sid: string): void;
  /** Switches the UART's protocol after the reply; undefined: this build has only the native one. */
  readonly modeRequest: ((mode: string) => Result<{ mode: string }>) | undefined;
}

export interface CommandEntry<C extends CommandName> {
  /**
   * May come without a MAC whatever its role (KEY: provisioning). The handler then holds the
   * check itself: it must act on an unsigned frame only where the exception allows it.
   */
  readonly unsigned?: true;
  readonly handle: (ctx: LinkContext, a: ArgsOf<C>, now: number) => Reply;
}

const done = (r: Result<unknown>, fields: Fields = {}): Result<Fields> => (r.ok ? ok(fields) : r);
const bolus = (r: Result<{ bolusId: number }>): Result<Fields> => (r.ok ? ok({ bolus: r.value.bolusId }) : r);

export const HANDLERS: { readonly [C in CommandName]: CommandEntry<C> } = {
  HELP: { handle: () => ok({ commands: Object.keys(COMMANDS).join(',') }) },
  HELLO: { handle: (x, _a, now) => ok({ v: PROTOCOL_VERSION, nonce: x.auth.hello(now).nonceHex }) },
  VERSION: { handle: (x) => ok({ fw: x.firmwareVersion, proto: PROTOCOL_VERSION }) },
  STATUS: { handle: (x) => ok(statusFields(x)) },
  NEXT: {
    handle: (x) => {
      const s = x.controller.status();
      const nb = s.nextBasal;
      return ok({ at: nb?.atMs ?? 'none', rate: nb?.rateNlPerDay ?? 'none', now: s.nowMs, tod: s.timeOfDayMs });
    },
  },
  RX: {
    handle: (x) => {
      const rx = x.controller.pump.prescription;
      if (!rx) return ok({ name: 'none' });
      const ugday = Math.floor(scheduledNgPerDay(rx) / 1_000);
      return ok({ name: rx.name, mode: rx.basal.mode, drug: rx.drug.name, conc: rx.drug.concentrationUgPerMl, ugday, crc: crc32Hex(lineBytes(JSON.stringify(rx))) });
    },
  },
  ALARMS: {
    handle: (x) => {
      const list = x.controller.status().alarms;
      const fields: Record<string, string | number> = { n: list.length };
      for (let i = 0; i < list.length; i++) {
        const a = list[i]!;
        fields[`a${i + 1}`] = `${a.code}:${a.name}:${a.priority}:${a.acknowledged ? 'ack' : 'new'}`;
      }
      return ok(fields);
    },
  },
  INFO: { handle: (x) => ok(infoFields(x.controller, x.firmwareVersion, PROTOCOL_VERSION, x.log)) },
  RXDATA: { handle: (x, a) => rxData(x.controller, a.offset) },
  LOG: {
    handle: (x, a) => {
      const page = logPage(x.log, a.from, a.max ?? 10);
      return page.ok ? page.value : page;
    },
  },
  EVENTS: {
    handle: (x, a) => {
      const e = x.events;
      const lines = e.buffer.filter((l) => l.seq >= a.from).map((l) => l.line);
      return { lines, fields: { first: e.buffer[0]?.seq ?? e.seq + 1, last: e.seq } };
    },
  },
  SUB: {
    handle: (x, a) => {
      x.events.subscribed = a.on === 1;
      return ok({ sub: x.events.subscribed, next: x.events.seq + 1 });
    },
  },
  STOP: {
    handle: (x) => {
      const c = x.controller;
      const r = c.pump.state === 'running' || c.pump.state === 'alarm' ? c.pause() : ok(true);
      return done(r, { state: c.pump.state });
    },
  },
  AUTH: {
    handle: (x, a, now) => {
      const r = x.auth.authenticate(now, a.role, a.nonce, a.proof);
      if (!r.ok) return r;
      const s = x.session;
      if (s.sid !== undefined) x.forget(s.sid);
      s.sid = r.value.sid;
      s.role = a.role;
      return ok({ session: r.value.sid, ttl: r.value.ttlS, proof: r.value.deviceProofHex });
    },
  },
  KEY: {
    // Unsigned, a KEY is provisioning: Auth.provision allows it only inside the window after a
    // boot with the service pin held. Signed, the link has verified a service session.
    unsigned: true,
    handle: (x, a, now) => done(x.session.frameRole === 'service' ? x.auth.setKey(a.role, a.key) : x.auth.provision(now, a.role, a.key), { role: a.role }),
  },
  MODE: {
    handle: (x, a) => {
      if (x.modeRequest === undefined) return fail(pumpError('FIELD_CHOICE', 'this build has only the native protocol', 'mode'));
      const r = x.modeRequest(a.mode);
      if (!r.ok) return r;
      x.controller.note('security', reason('LINK_MODE_SET', `${x.session.role ?? 'service'} session set the UART to ${r.value.mode}`), { mode: r.value.mode });
      return ok({ mode: r.value.mode });
    },
  },
  MECH: {
    handle: (x, a) => {
      const custom = /^([0-9]+)x([0-9]+)$/.exec(a.syringe);
      const r = x.controller.setMechanics({
        syringe: custom ? { innerDiameterUm: Number(custom[1]), capacityNl: Number(custom[2]) } : a.syringe,
        leadUm: a.leadUm,
        fullStepsPerRev: a.fullStepsPerRev,
        microsteps: a.microsteps,
        ...(a.calibrationPnl !== undefined && { calibrationNlPerMicrostep: a.calibrationPnl / 1_000 }),
      });
      return r.ok ? ok({ syringe: r.value.syringe.name, flPerMicrostep: r.value.flPerMicrostep }) : r;
    },
  },
  BYE: {
    handle: (x) => {
      const s = x.session;
      if (s.sid) {
        x.auth.bye(s.sid);
        x.forget(s.sid);
      }
      s.sid = undefined;
      s.role = undefined;
      return ok({});
    },
  },
  BOLUS: { handle: (x) => bolus(x.controller.patientBolus()) },
  STAGE: { handle: (x, a) => done(x.staging.begin(a.bytes, a.crc32), { bytes: a.bytes, crc32: a.crc32 }) },
  CHUNK: {
    handle: (x, a) => {
      const r = x.staging.chunk(a.offset, a.data);
      return r.ok ? ok({ have: r.value.have }) : r;
    },
  },
  SHOW: {
    handle: (x) => {
      const r = x.staging.show(x.controller.pump);
      if (!r.ok) return r;
      const n = r.value.needs;
      const fields: Record<string, string | number> = {
        crc32: r.value.crc32,
        warnings: r.value.warnings.length,
        diff: r.value.diff.join(',') || 'none',
        needs: [...(n.soft ? ['soft'] : []), ...(n.big !== undefined ? ['big'] : [])].join(',') || 'none',
      };
      for (let i = 0; i < r.value.warnings.length; i++) fields[`w${i + 1}`] = r.value.warnings[i]!.slice(0, 80);
      // What COMMIT without big=1 would refuse with (E124), so a programmer says so first.
      if (n.big !== undefined) fields['big'] = n.big.slice(0, 120);
      return ok(fields);
    },
  },
  COMMIT: {
    handle: (x, a) => {
      const json = x.staging.committable(a.crc32);
      if (!json.ok) return json;
      const r = x.controller.program(json.value, { overrideSoftLimits: a.soft === true, confirmLargeIncrease: a.big === true });
      if (!r.ok) return r;
      x.staging.clear();
      return ok({ name: r.value.prescription.name, crc32: a.crc32 });
    },
  },
  CBOLUS: { handle: (x, a) => bolus(x.controller.clinicianBolus({ volumeNl: a.volumeNl, durationMs: a.durationMs, ...(a.delayMs !== undefined && { delayMs: a.delayMs }) })) },
  PAUSE: { handle: (x) => done(x.controller.pause(), { state: 'paused' }) },
  RESUME: { handle: (x) => done(x.controller.resume(), { state: 'running' }) },
  ACK: {
    handle: (x, a) => {
      const r = x.controller.acknowledge(a.code);
      return r.ok ? ok({ cleared: r.value.cleared }) : r;
    },
  },
  REFILL: {
    handle: (x, a) => {
      const c = x.controller;
      const r = c.refill(a.addedNl, { removedNl: a.removedNl, concentrationUgPerMl: a.concUgPerMl, ...(a.drug !== undefined && { drug: a.drug }) });
      return done(r, { reservoir: c.pump.accounting.reservoirNl });
    },
  },
  PRIME: { handle: (x) => bolus(x.controller.prime()) },
  CAL: {
    handle: (x, a) => {
      const input = calibrated(x.controller, a.commandedNl, a.measuredNl);
      const r = input.ok ? x.controller.setMechanics(input.value) : input;
      return r.ok ? ok({ flPerMicrostep: r.value.flPerMicrostep, calibrated: r.value.calibrated }) : r;
    },
  },
  CLOCK: { handle: (x, a) => done(x.controller.setTimeOfDay(a.timeOfDayMs)) },
  LOWRES: { handle: (x, a) => done(x.controller.setLowReservoirThreshold(a.volumeNl)) },
};

/**
 * Reads command C's arguments against its schema entry and runs its handler. The one cast of
 * the protocol: readArgs checked every word against COMMANDS[C].args, the entry ArgsOf<C> is
 * typed from, so the record it returns has exactly those names and kinds.
 */
export function runCommand<C extends CommandName>(ctx: LinkContext, command: C, args: Record<string, ArgValue>, now: number): Reply {
  const entry: CommandEntry<C> = HANDLERS[command];
  return entry.handle(ctx, args as unknown as ArgsOf<C>, now);
}

/** "3,12" for the active alarms' codes, "none" without any (a loop: no closure per STATUS). */
function alarmCodes(alarms: readonly { readonly code: number }[]): string {
  if (alarms.length === 0) return 'none';
  let text = String(alarms[0]!.code);
  for (let i = 1; i < alarms.length; i++) text += `,${alarms[i]!.code}`;
  return text;
}

function statusFields(x: LinkContext): Fields {
  const s = x.controller.status();
  return {
    state: s.state,
    rate: s.totalRateNlPerDay,
    delivered: s.deliveredNl,
    reservoir: s.reservoirNl,
    today: s.todayNl,
    alarms: alarmCodes(s.alarms),
    next: s.nextChangeMs ?? 'none',
    empty: s.projectedEmptyMs ?? 'never',
    session: x.session.role ?? 'none',
    // The pump's clock, so `next` and `empty` (times on it) can be shown as durations.
    now: s.nowMs,
    // Seconds AUTH stays locked after failed attempts (0: not locked); docs/protocol.md.
    authlock: Math.ceil(x.auth.lockedMs(s.nowMs) / 1_000),
  };
}
