// The protocol on one serial link: lines in, replies and event lines out. Every line goes
// through the same checks in the same order (CRC, command, framing, retry cache, role and MAC,
// arguments) before anything runs, so a corrupt, unframed, unauthorised or replayed frame
// changes nothing; only then does the command's handler (handlers.ts) run. STOP and ACK lines
// are taken before any other line waiting.

import type { PumpControl } from './pump-control';
import type { PumpError, Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { PumpEvent } from '../core/events';
import { readArgs } from './args';
import type { Auth } from './auth';
import type { Frame } from './frame';
import { errReply, fieldValue, okReply, parseFrame, withCrc } from './frame';
import type { EventLines, LinkContext, Session } from './handlers';
import { HANDLERS, runCommand } from './handlers';
import type { LineEvent } from './line-reader';
import { LineReader } from './line-reader';
import type { CommandName, CommandSpec } from './schema';
import { commandSpec, RANK } from './schema';
import { Staging } from './staging';
import type { FlashLog } from '../storage/log';

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

export class ProtocolLink {
  readonly #o: LinkOptions;
  readonly #reader = new LineReader();
  readonly #session: Session = { sid: undefined, role: undefined, frameRole: undefined };
  readonly #events: EventLines = { seq: 0, buffer: [], subscribed: false };
  /** What the command handlers (handlers.ts) may use of this link. */
  readonly #context: LinkContext;
  readonly #cache: Cached[] = [];
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
    const link = this;
    this.#context = {
      controller: options.controller,
      auth: options.auth,
      firmwareVersion: options.firmwareVersion,
      log: options.log,
      staging: new Staging(),
      session: this.#session,
      events: this.#events,
      forget: (sid) => this.#forget(sid),
      // Read when MODE runs: the router sets it after the link is built.
      get modeRequest() {
        return link.modeRequest;
      },
    };
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
    // commandSpec found it in COMMANDS, so it names an entry of the schema and of HANDLERS.
    const command = f.command as CommandName;
    if (spec.framed && !f.framed) return this.#refuse(f, pumpError('NOT_FRAMED', `${f.command} changes state: send it framed, <seq> ${f.command} ... *CRC`));
    const session = this.#session;
    // Signed frames are numbered per session; unsigned ones (STOP, AUTH, provisioning KEY) come
    // from whoever is on the line, and two programs in turn may both start at 1.
    const signed = f.mac !== undefined && session.sid !== undefined;
    const key = `${signed ? session.sid : 'anon'}:${f.seq}`;
    // A cached reply answers only for a session that still exists: once it expired or ended,
    // its replies go, and the frame is checked afresh (and refused, ERR 508).
    if (signed && this.#o.auth.session(this.#o.controller.now(), session.sid!) === undefined) this.#forget(session.sid!);
    if (f.seq !== undefined) {
      const hit = this.#cache[this.#cacheIndex(key)];
      // STOP always runs: stopping twice is harmless, a cached "stopped" that stopped nothing is not.
      if (hit && hit.body === f.body && f.command !== 'STOP') return [...hit.replies];
      if (hit && signed) return this.#refuse(f, pumpError('REPLAY', `sequence number ${f.seq} was already used for another frame`), 'replay');
      // An unsigned frame reusing a number is another sender's new frame: nothing to replay
      // (AUTH nonces are single-use). The old entry gives way only once the new frame has been
      // answered: a frame refused before it runs must change nothing, the cache included.
    }
    session.frameRole = undefined;
    const allowed = this.#authorise(f, command, spec);
    if (!allowed.ok) return [errReply(f.seq, allowed.error)];
    const args = readArgs(spec, f.args);
    // An authentic frame uses up its sequence number (and keeps the session alive) before it
    // runs, whatever its arguments, so nothing it does can be repeated by sending it again.
    if (session.frameRole !== undefined && session.sid !== undefined) this.#o.auth.accept(this.#o.controller.now(), session.sid, f.seq ?? 0);
    const result = args.ok ? runCommand(this.#context, command, args.value, this.#o.controller.now()) : args;
    const replies = 'lines' in result ? [...result.lines, okReply(f.seq, result.fields)] : [result.ok ? okReply(f.seq, result.value) : errReply(f.seq, result.error)];
    if (f.seq !== undefined) {
      const old = this.#cacheIndex(key);
      if (old >= 0) this.#cache.splice(old, 1);
      this.#cache.push({ key, body: f.body, replies });
      if (this.#cache.length > CACHE_SIZE) this.#cache.shift();
    }
    return replies;
  }

  /** Where `key` is in the reply cache, -1 if not (a loop: on XS a callback is a closure a frame). */
  #cacheIndex(key: string): number {
    const cache = this.#cache;
    for (let i = 0; i < cache.length; i++) if (cache[i]!.key === key) return i;
    return -1;
  }

  /** Drops the cached replies of a session that is gone. */
  #forget(sid: string): void {
    for (let i = this.#cache.length - 1; i >= 0; i--) if (this.#cache[i]!.key.startsWith(`${sid}:`)) this.#cache.splice(i, 1);
  }

  #refuse(f: Frame, error: PumpError, kind: keyof ProtocolLink['refused'] = 'other'): string[] {
    this.refused[kind]++;
    return [errReply(f.seq, error)];
  }

  /**
   * Role and MAC, from the command's schema entry: read-only commands need none; a command
   * whose handler entry says `unsigned` (KEY, provisioning) may also come without a MAC.
   */
  #authorise(f: Frame, command: CommandName, spec: CommandSpec): Result<true> {
    // A MAC, where one is sent, must be right whatever the command: a frame with a bad MAC is
    // never acted on, even one (STOP) that would need none.
    if ((spec.access === 'read' || spec.access === 'anyone-framed') && f.mac === undefined) return ok(true);
    if (HANDLERS[command].unsigned === true && f.mac === undefined) return ok(true);
    const sid = this.#session.sid;
    if (f.mac === undefined || sid === undefined) {
      this.refused.role++;
      return fail(pumpError('AUTH_REQUIRED', `${f.command} needs the ${spec.access} role: HELLO, then AUTH`));
    }
    const v = this.#o.auth.verify(this.#o.controller.now(), sid, f.mac, f.signedText, f.seq ?? 0);
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
    this.#session.frameRole = v.value.role;
    return ok(true);
  }

  #onEvent(e: PumpEvent): void {
    const ev = this.#events;
    const seq = ++ev.seq;
    const data = Object.entries(e.data)
      .slice(0, 6)
      .map(([k, v]) => `${k}=${fieldValue(v)}`)
      .join(' ');
    const line = withCrc(`! ${seq} ${e.at} ${e.type} ${e.reason.code}${data ? ` ${data}` : ''}`.slice(0, 110));
    ev.buffer.push({ seq, line });
    if (ev.buffer.length > EVENT_BUFFER) ev.buffer.shift();
    if (ev.subscribed) this.#send([line]);
  }

  #send(lines: readonly string[]): void {
    // Indexed: for...of makes an iterator object per call on XS.
    for (let i = 0; i < lines.length; i++) this.#o.write(lines[i]!);
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
