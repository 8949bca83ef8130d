// The protocol on one serial link: lines in, replies and event lines out. Every line goes
// through the same checks in the same order (CRC, command, framing, retry cache, role and MAC,
// arguments) before anything runs, so a corrupt, unframed, unauthorised or replayed frame
// changes nothing. STOP and ACK lines are taken before any other line waiting.

import { type PumpControl } from './pump-control';
import { scheduledNgPerDay } from '../core/checks';
import { fail, ok, pumpError, type PumpError, type Result } from '../core/errors';
import { type PumpEvent, reason } from '../core/events';
import { type ArgValue, readArgs } from './args';
import { type Auth, type Role } from './auth';
import { crc32Hex, lineBytes } from '../shared/crc';
import { errReply, type Fields, fieldValue, type Frame, okReply, parseFrame, withCrc } from './frame';
import { type LineEvent, LineReader } from './line-reader';
import { COMMANDS, commandSpec, type CommandSpec, PROTOCOL_VERSION, RANK } from './schema';
import { calibrated, infoFields, logPage, rxData } from './queries';
import { Staging } from './staging';
import { type FlashLog } from '../storage/log';

export interface LinkOptions {
  readonly controller: PumpControl;
  readonly auth: Auth;
  /** Sends one line (the LF is added here). */
  readonly write: (line: string) => void;
  readonly firmwareVersion: string;
  /** The history log LOG reads; without it LOG answers E425. */
  readonly log?: FlashLog;
  /** Bytes free in the output queue; without it, output is taken as unbounded. */
  readonly outputRoom?: () => number;
  /** Empties the UART's receive FIFO now (its bytes come back through receive()). */
  readonly pollInput?: () => void;
}

/**
 * Room a reply needs before a line other than STOP or ACK is handled: the longest reply
 * lines (LOG and EVENTS pages give several) and a STOP's answer behind them.
 */
export const REPLY_ROOM_BYTES = 384;

const CACHE_SIZE = 8;
const EVENT_BUFFER = 32;

interface Cached {
  readonly key: string;
  readonly body: string;
  readonly replies: readonly string[];
}

type Reply = Result<Fields> | { readonly lines: readonly string[]; readonly fields: Fields };

export class ProtocolLink {
  readonly #o: LinkOptions;
  readonly #reader = new LineReader();
  readonly #staging = new Staging();
  #sid: string | undefined;
  /** The role this link's session was opened with (STATUS shows it). */
  #role: Role | undefined;
  /** The role verified for the frame being handled: never carried over from an earlier one. */
  #frameRole: Role | undefined;
  readonly #cache: Cached[] = [];
  #subscribed = false;
  #eventSeq = 0;
  readonly #events: { seq: number; line: string }[] = [];
  /** Frames refused before execution, by reason: tests and the fuzz benchmark read them. */
  readonly refused = { crc: 0, mac: 0, role: 0, replay: 0, other: 0 };
  #serving = false;
  /**
   * Switches the UART's protocol after the reply (the NE-1000 router sets it); without it, the
   * build has only the native protocol and MODE is refused.
   */
  modeRequest: ((mode: string) => Result<{ mode: string }>) | undefined = undefined;

  constructor(options: LinkOptions) {
    this.#o = options;
    options.controller.subscribe((e) => this.#onEvent(e));
  }

  /**
   * Bytes from the UART. Every byte is taken into the reader at once (it files STOP and ACK
   * lines apart, so no burst in front can push them out); then the waiting lines are handled
   * one at a time, STOP and ACK first, emptying the UART between lines so its 128-byte FIFO
   * never waits behind a long queue. While the output queue lacks room for a reply, only STOP
   * and ACK are handled; the rest wait for `outputDrained()`, so no reply is dropped unseen.
   */
  receive(bytes: Uint8Array): void {
    this.#reader.push(bytes);
    this.#serve();
  }

  /** The output queue has room again: handle the lines that waited for it. */
  outputDrained(): void {
    this.#serve();
  }

  #serve(): void {
    // Re-entered from pollInput (the UART's bytes) or a write's onRoom: the loop running
    // below takes whatever they brought.
    if (this.#serving) return;
    this.#serving = true;
    try {
      for (;;) {
        const room = this.#o.outputRoom?.() ?? Number.POSITIVE_INFINITY;
        const e = this.#reader.next(room < REPLY_ROOM_BYTES);
        if (e === undefined) return;
        this.#send(e.kind === 'line' ? this.handleLine(e.text) : [errReply(undefined, lineError(e))]);
        this.#o.pollInput?.();
      }
    } finally {
      this.#serving = false;
    }
  }

  /** One line without its LF; returns the reply lines (also what `receive` writes). */
  handleLine(line: string): string[] {
    const parsed = parseFrame(typedQuery(line));
    if (!parsed.ok) {
      if (parsed.error.code === 501) this.refused.crc++;
      else this.refused.other++;
      return [errReply(undefined, parsed.error)];
    }
    const f = parsed.value;
    const spec = commandSpec(f.command);
    if (!spec) return this.#refuse(f, pumpError('UNKNOWN_COMMAND', `"${f.command}" is not a command (send HELP for the list)`));
    if (spec.framed && !f.framed) return this.#refuse(f, pumpError('NOT_FRAMED', `${f.command} changes state: send it framed, <seq> ${f.command} ... *CRC`));
    // Signed frames are numbered per session; unsigned ones (STOP, AUTH, provisioning KEY) come
    // from whoever is on the line, and two programs in turn may both start at 1.
    const signed = f.mac !== undefined && this.#sid !== undefined;
    const key = `${signed ? this.#sid : 'anon'}:${f.seq}`;
    // A cached reply answers only for a session that still exists: once it expired or ended,
    // its replies go, and the frame is checked afresh (and refused, ERR 508).
    if (signed && this.#o.auth.session(this.#o.controller.now(), this.#sid!) === undefined) this.#forget(this.#sid!);
    if (f.seq !== undefined) {
      const hit = this.#cache.find((c) => c.key === key);
      // STOP always runs: stopping twice is harmless, a cached "stopped" that stopped nothing is not.
      if (hit && hit.body === f.body && f.command !== 'STOP') return [...hit.replies];
      if (hit && signed) return this.#refuse(f, pumpError('REPLAY', `sequence number ${f.seq} was already used for another frame`), 'replay');
      // An unsigned frame reusing a number is another sender's new frame: nothing to replay
      // (AUTH nonces are single-use). The old entry gives way only once the new frame has been
      // answered: a frame refused before it runs must change nothing, the cache included.
    }
    this.#frameRole = undefined;
    const allowed = this.#authorise(f, spec);
    if (!allowed.ok) return [errReply(f.seq, allowed.error)];
    const args = readArgs(spec, f.args);
    // An authentic frame uses up its sequence number (and keeps the session alive) before it
    // runs, whatever its arguments, so nothing it does can be repeated by sending it again.
    if (this.#frameRole !== undefined && this.#sid !== undefined) this.#o.auth.accept(this.#o.controller.now(), this.#sid, f.seq ?? 0);
    const result: Reply = args.ok ? this.#execute(f.command as keyof typeof COMMANDS, args.value) : args;
    const replies = 'lines' in result ? [...result.lines, okReply(f.seq, result.fields)] : [result.ok ? okReply(f.seq, result.value) : errReply(f.seq, result.error)];
    if (f.seq !== undefined) {
      const old = this.#cache.findIndex((c) => c.key === key);
      if (old >= 0) this.#cache.splice(old, 1);
      this.#cache.push({ key, body: f.body, replies });
      if (this.#cache.length > CACHE_SIZE) this.#cache.shift();
    }
    return replies;
  }

  /** Drops the cached replies of a session that is gone. */
  #forget(sid: string): void {
    for (let i = this.#cache.length - 1; i >= 0; i--) if (this.#cache[i]!.key.startsWith(`${sid}:`)) this.#cache.splice(i, 1);
  }

  #refuse(f: Frame, error: PumpError, kind: keyof ProtocolLink['refused'] = 'other'): string[] {
    this.refused[kind]++;
    return [errReply(f.seq, error)];
  }

  /** Role and MAC: read-only commands need none; KEY may also come in the provisioning window. */
  #authorise(f: Frame, spec: CommandSpec): Result<true> {
    // A MAC, where one is sent, must be right whatever the command: a frame with a bad MAC is
    // never acted on, even one (STOP) that would need none.
    if ((spec.access === 'read' || spec.access === 'anyone-framed') && f.mac === undefined) return ok(true);
    // A KEY without a MAC is provisioning: #execute allows it only inside the window.
    if (f.command === 'KEY' && f.mac === undefined) return ok(true);
    if (f.mac === undefined || this.#sid === undefined) {
      this.refused.role++;
      return fail(pumpError('AUTH_REQUIRED', `${f.command} needs the ${spec.access} role: HELLO, then AUTH`));
    }
    const v = this.#o.auth.verify(this.#o.controller.now(), this.#sid, f.mac, f.signedText, f.seq ?? 0);
    if (!v.ok) {
      if (v.error.code === 507) this.refused.mac++;
      else if (v.error.code === 509) this.refused.replay++;
      else this.refused.other++;
      return v;
    }
    const needed = spec.access === 'read' || spec.access === 'anyone-framed' ? 'read' : spec.access;
    if (RANK[v.value.role] < RANK[needed]) {
      this.refused.role++;
      return fail(pumpError('WRONG_ROLE', `${f.command} needs the ${spec.access} role; this session is ${v.value.role}`));
    }
    this.#frameRole = v.value.role;
    return ok(true);
  }

  #execute(command: keyof typeof COMMANDS, a: Record<string, ArgValue>): Reply {
    const c = this.#o.controller;
    const now = c.now();
    const done = (r: Result<unknown>, fields: Fields = {}): Result<Fields> => (r.ok ? ok(fields) : r);
    switch (command) {
      case 'HELP':
        return ok({ commands: Object.keys(COMMANDS).join(',') });
      case 'HELLO':
        return ok({ v: PROTOCOL_VERSION, nonce: this.#o.auth.hello(now).nonceHex });
      case 'VERSION':
        return ok({ fw: this.#o.firmwareVersion, proto: PROTOCOL_VERSION });
      case 'STATUS':
        return ok(this.#status());
      case 'INFO':
        return ok(infoFields(c, this.#o.firmwareVersion, PROTOCOL_VERSION, this.#o.log));
      case 'RXDATA':
        return rxData(c, a['offset'] as number);
      case 'LOG': {
        const page = logPage(this.#o.log, a['from'] as number, (a['max'] as number | undefined) ?? 10);
        return page.ok ? page.value : page;
      }
      case 'RX': {
        const rx = c.pump.prescription;
        if (!rx) return ok({ name: 'none' });
        const ugday = Math.floor(scheduledNgPerDay(rx) / 1_000);
        return ok({ name: rx.name, mode: rx.basal.mode, drug: rx.drug.name, conc: rx.drug.concentrationUgPerMl, ugday, crc: crc32Hex(lineBytes(JSON.stringify(rx))) });
      }
      case 'ALARMS': {
        const list = c.status().alarms;
        const fields: Record<string, string | number> = { n: list.length };
        list.forEach((x, i) => (fields[`a${i + 1}`] = `${x.code}:${x.name}:${x.priority}:${x.acknowledged ? 'ack' : 'new'}`));
        return ok(fields);
      }
      case 'EVENTS': {
        const from = a['from'] as number;
        const lines = this.#events.filter((e) => e.seq >= from).map((e) => e.line);
        return { lines, fields: { first: this.#events[0]?.seq ?? this.#eventSeq + 1, last: this.#eventSeq } };
      }
      case 'SUB':
        this.#subscribed = a['on'] === 1;
        return ok({ sub: this.#subscribed, next: this.#eventSeq + 1 });
      case 'STOP': {
        const r = c.pump.state === 'running' || c.pump.state === 'alarm' ? c.pause() : ok(true);
        return done(r, { state: c.pump.state });
      }
      case 'AUTH': {
        const r = this.#o.auth.authenticate(now, a['role'] as string, a['nonce'] as string, a['proof'] as string);
        if (!r.ok) return r;
        if (this.#sid !== undefined) this.#forget(this.#sid);
        this.#sid = r.value.sid;
        this.#role = a['role'] as Role;
        return ok({ session: r.value.sid, ttl: r.value.ttlS, proof: r.value.deviceProofHex });
      }
      case 'KEY': {
        const role = a['role'] as Role;
        const r = this.#frameRole === 'service' ? this.#o.auth.setKey(role, a['key'] as string) : this.#o.auth.provision(now, role, a['key'] as string);
        return done(r, { role });
      }
      case 'MECH': {
        const syringe = a['syringe'] as string;
        const custom = /^([0-9]+)x([0-9]+)$/.exec(syringe);
        const r = c.setMechanics({
          syringe: custom ? { innerDiameterUm: Number(custom[1]), capacityNl: Number(custom[2]) } : syringe,
          leadUm: a['leadUm'],
          fullStepsPerRev: a['fullStepsPerRev'],
          microsteps: a['microsteps'],
          ...(a['calibrationPnl'] !== undefined && { calibrationNlPerMicrostep: (a['calibrationPnl'] as number) / 1_000 }),
        });
        return r.ok ? ok({ syringe: r.value.syringe.name, flPerMicrostep: r.value.flPerMicrostep }) : r;
      }
      case 'MODE': {
        if (this.modeRequest === undefined) return fail(pumpError('FIELD_CHOICE', 'this build has only the native protocol', 'mode'));
        const r = this.modeRequest(a['mode'] as string);
        if (!r.ok) return r;
        c.note('security', reason('LINK_MODE_SET', `${this.#role ?? 'service'} session set the UART to ${r.value.mode}`), { mode: r.value.mode });
        return ok({ mode: r.value.mode });
      }
      case 'BYE':
        if (this.#sid) {
          this.#o.auth.bye(this.#sid);
          this.#forget(this.#sid);
        }
        this.#sid = undefined;
        this.#role = undefined;
        return ok({});
      case 'BOLUS': {
        const r = c.patientBolus();
        return r.ok ? ok({ bolus: r.value.bolusId }) : r;
      }
      case 'STAGE':
        return done(this.#staging.begin(a['bytes'] as number, a['crc32'] as string), { bytes: a['bytes'] as number, crc32: a['crc32'] as string });
      case 'CHUNK': {
        const r = this.#staging.chunk(a['offset'] as number, a['data'] as Uint8Array);
        return r.ok ? ok({ have: r.value.have }) : r;
      }
      case 'SHOW': {
        const r = this.#staging.show(c.pump);
        if (!r.ok) return r;
        const fields: Record<string, string | number> = { crc32: r.value.crc32, warnings: r.value.warnings.length, diff: r.value.diff.join(',') || 'none' };
        r.value.warnings.forEach((w, i) => (fields[`w${i + 1}`] = w.slice(0, 80)));
        return ok(fields);
      }
      case 'COMMIT': {
        const json = this.#staging.committable(a['crc32'] as string);
        if (!json.ok) return json;
        const r = c.program(json.value, { overrideSoftLimits: a['soft'] === true, confirmLargeIncrease: a['big'] === true });
        if (!r.ok) return r;
        this.#staging.clear();
        return ok({ name: r.value.prescription.name, crc32: a['crc32'] as string });
      }
      case 'CBOLUS': {
        const r = c.clinicianBolus({ volumeNl: a['volumeNl'], durationMs: a['durationMs'], ...(a['delayMs'] !== undefined && { delayMs: a['delayMs'] }) });
        return r.ok ? ok({ bolus: r.value.bolusId }) : r;
      }
      case 'PAUSE':
        return done(c.pause(), { state: 'paused' });
      case 'RESUME':
        return done(c.resume(), { state: 'running' });
      case 'ACK': {
        const r = c.acknowledge(a['code'] as number | undefined);
        return r.ok ? ok({ cleared: r.value.cleared }) : r;
      }
      case 'REFILL': {
        const r = c.refill(a['addedNl'], { removedNl: a['removedNl'] as number, concentrationUgPerMl: a['concUgPerMl'] as number, ...(a['drug'] !== undefined && { drug: a['drug'] as string }) });
        return done(r, { reservoir: c.pump.accounting.reservoirNl });
      }
      case 'PRIME': {
        const r = c.prime();
        return r.ok ? ok({ bolus: r.value.bolusId }) : r;
      }
      case 'CAL': {
        const input = calibrated(c, a['commandedNl'] as number, a['measuredNl'] as number);
        const r = input.ok ? c.setMechanics(input.value) : input;
        return r.ok ? ok({ flPerMicrostep: r.value.flPerMicrostep, calibrated: r.value.calibrated }) : r;
      }
      case 'CLOCK':
        return done(c.setTimeOfDay(a['timeOfDayMs']));
      case 'LOWRES':
        return done(c.setLowReservoirThreshold(a['volumeNl']));
    }
  }

  #status(): Fields {
    const s = this.#o.controller.status();
    return {
      state: s.state,
      rate: s.totalRateNlPerDay,
      delivered: s.deliveredNl,
      reservoir: s.reservoirNl,
      today: s.todayNl,
      alarms: s.alarms.map((x) => x.code).join(',') || 'none',
      next: s.nextChangeMs ?? 'none',
      empty: s.projectedEmptyMs ?? 'never',
      session: this.#role ?? 'none',
      // The pump's clock, so `next` and `empty` (times on it) can be shown as durations.
      now: s.nowMs,
      // Seconds AUTH stays locked after failed attempts (0: not locked); docs/protocol.md.
      authlock: Math.ceil(this.#o.auth.lockedMs(s.nowMs) / 1_000),
    };
  }

  #onEvent(e: PumpEvent): void {
    const seq = ++this.#eventSeq;
    const data = Object.entries(e.data)
      .slice(0, 6)
      .map(([k, v]) => `${k}=${fieldValue(v)}`)
      .join(' ');
    const line = withCrc(`! ${seq} ${e.at} ${e.type} ${e.reason.code}${data ? ' ' + data : ''}`.slice(0, 110));
    this.#events.push({ seq, line });
    if (this.#events.length > EVENT_BUFFER) this.#events.shift();
    if (this.#subscribed) this.#send([line]);
  }

  #send(lines: readonly string[]): void {
    for (const l of lines) this.#o.write(l);
  }
}

/**
 * A person at a terminal types `status`: the command word of an unframed line (no sequence
 * number, no CRC) is taken in capitals. A framed line is left exactly as sent, its CRC covers it.
 */
function typedQuery(line: string): string {
  if (line.includes('*') || (line.charCodeAt(0) >= 0x30 && line.charCodeAt(0) <= 0x39)) return line;
  const space = line.indexOf(' ');
  const word = space < 0 ? line : line.slice(0, space);
  return word === word.toUpperCase() ? line : word.toUpperCase() + line.slice(word.length);
}

/** ERR 500 for a line the reader had to discard, saying why. */
function lineError(e: Exclude<LineEvent, { kind: 'line' }>): PumpError {
  switch (e.kind) {
    case 'too-long':
      return pumpError('LINE_TOO_LONG', 'the line was over 120 bytes and was discarded');
    case 'overflow':
      return pumpError('LINE_TOO_LONG', 'input arrived faster than it could be handled; lines were discarded: send them again');
    case 'priority-lost':
      return pumpError('LINE_TOO_LONG', `${e.count} ${e.command} line(s) found the STOP/ACK queue full and were discarded: send again`);
    case 'invalid':
      return pumpError('LINE_TOO_LONG', `the line was discarded: ${e.reason}`);
  }
}
