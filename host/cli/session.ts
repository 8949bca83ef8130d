// pumpctl's connection to a pump: the protocol over a LinePort (a USB serial adapter or the
// virtual board's pseudo-terminal). Numbers and signs frames, resends a frame whose reply fails
// its checksum (the pump's reply cache makes a resent frame safe: same sequence, same body,
// same reply), checks the protocol version, logs in with a role key, and reconnects when the
// board goes away and comes back (a reset, a replugged cable), logging in again. A board that
// answered and then falls silent behind a port that stays open (the virtual board killed while
// its socat lives on) is waited for the same --reconnect time. The clock is injectable, so the
// waits are tested in virtual time.

import type { Role } from '../../firmware/protocol/auth';
import { PROTOCOL_VERSION } from '../../firmware/protocol/schema';
import type { HostSession } from '../protocol/auth-client';
import { AuthClient, macFor, systemEntropy } from '../protocol/auth-client';
import type { EventLine, Reply } from '../protocol/codec';
import { buildFrame, crcOk, parseEvent, parseReply } from '../protocol/codec';
import type { RoleKeys } from '../protocol/key-file';
import type { Binding, LinePort, OpenOptions } from '../serial/line-port';
import { openLinePort, SerialError } from '../serial/line-port';
import { cliError } from '../errors/pumpctl';

export interface SessionOptions {
  readonly path: string;
  readonly baud: number;
  readonly binding: Binding;
  readonly keys: RoleKeys;
  /** How long one reply may take. */
  readonly timeoutMs: number;
  /** How long to wait for a board that went away to come back. */
  readonly reconnectMs: number;
  /** Told about retries and reconnections (stderr in the CLI). */
  readonly notice?: (text: string) => void;
  /** The clock for the reconnect wait (real time by default; tests pass a virtual one). */
  readonly timers?: SessionTimers;
  /** Opens the port (openLinePort by default; tests pass a scripted one). */
  readonly openPort?: (path: string, o: OpenOptions) => Promise<LinePort>;
}

/** Time as the session needs it: a monotonic ms clock and a pause. */
export interface SessionTimers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_TIMERS: SessionTimers = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** A reply with the lines that came before it (LOG and EVENTS lines). */
export interface FullReply extends Reply {
  readonly lines: readonly string[];
}

const RESENDS = 3;

/** Events a session keeps (about 1 MB): days of a busy pump's events at the dashboard. */
export const MAX_SESSION_EVENTS = 5_000;

export class PumpSession {
  readonly #o: SessionOptions;
  readonly #timers: SessionTimers;
  #port: LinePort;
  /** The board has answered on this session: silence after that is a board gone away. */
  #answered = false;
  /**
   * Frame numbers start at random below 30,000: a session's numbers only have to increase, and
   * another program's unsigned frames on the same line then rarely share ours.
   */
  #seq = Math.floor(Math.random() * 30_000);
  #session: HostSession | undefined;
  #role: Role | undefined;
  /** Bumped at every reconnection, so a command can tell the board may have restarted. */
  generation = 0;
  /**
   * The board's events as they arrived, the latest MAX_SESSION_EVENTS of them: the dashboard
   * holds one session open for days, which must not grow without bound. Use eventMark and
   * eventsAfter to read what came after a point, not indices, which trimming shifts.
   */
  readonly events: EventLine[] = [];
  #eventsDropped = 0;
  readonly #eventListeners: ((e: EventLine) => void)[] = [];

  private constructor(o: SessionOptions, port: LinePort) {
    this.#o = o;
    this.#timers = o.timers ?? REAL_TIMERS;
    this.#port = port;
  }

  /** Opens the port and checks that a pump speaking our protocol answers. */
  static async open(o: SessionOptions): Promise<PumpSession> {
    const port = await openPort(o);
    const s = new PumpSession(o, port);
    await s.#checkVersion();
    return s;
  }

  get path(): string {
    return this.#o.path;
  }

  get role(): Role | undefined {
    return this.#role;
  }

  onEvent(listener: (e: EventLine) => void): void {
    this.#eventListeners.push(listener);
  }

  async #checkVersion(): Promise<void> {
    const v = await this.query('VERSION');
    if (!v.ok || v.fields['proto'] !== String(PROTOCOL_VERSION)) {
      throw cliError(
        'INCOMPATIBLE',
        `the board at ${this.#o.path} speaks protocol ${v.fields['proto'] ?? '(unknown)'} (firmware ${v.fields['fw'] ?? '?'}); this pumpctl speaks protocol ${PROTOCOL_VERSION}: update one of them`,
      );
    }
  }

  /** A bare read-only query (STATUS, INFO, LOG ...). */
  query(command: string, ...args: (string | number)[]): Promise<FullReply> {
    const line = [command, ...args].join(' ');
    return this.#exchange(() => line, undefined);
  }

  /**
   * A framed command, signed when logged in. Resent unchanged if its reply is garbled. A
   * session that expired meanwhile (E508: idle 5 min, or 30 min old, on the pump's clock; a
   * person at a confirmation prompt, a long measurement run) is opened again and the command
   * sent once more: E508 means the pump did not run it.
   */
  async send(command: string, ...args: (string | number)[]): Promise<FullReply> {
    const r = await this.#sendOnce(command, args);
    if (r.ok || r.code !== 508 || this.#role === undefined || command === 'AUTH' || command === 'BYE') return r;
    this.#o.notice?.(`the ${this.#role} session had expired on the pump: logging in again`);
    await this.login(this.#role);
    return this.#sendOnce(command, args);
  }

  #sendOnce(command: string, args: readonly (string | number)[]): Promise<FullReply> {
    this.#seq = (this.#seq % 65_535) + 1;
    const seq = this.#seq;
    const f = buildFrame(seq, command, args);
    const frame = (): string => f.withMac(this.#session ? macFor(this.#session.ks, this.#session.sid, f.signed) : undefined);
    return this.#exchange(frame, seq);
  }

  /** HELLO then AUTH with the role's key; the pump must prove the key too. */
  async login(role: Role): Promise<void> {
    const key = this.#o.keys[role];
    if (!key) throw cliError('NO_KEY', `no ${role} key: give a key file with --keys (or PUMPCTL_KEYS), or set PUMP_KEY_${role.toUpperCase()}`);
    this.#session = undefined;
    const hello = await this.query('HELLO');
    if (!hello.ok || !hello.fields['nonce']) throw cliError('INCOMPATIBLE', `HELLO got "${hello.line}"`);
    const auth = new AuthClient(role, key, systemEntropy);
    const req = auth.request(hello.fields['nonce']);
    const r = await this.send('AUTH', role, req.hostNonceHex, req.proofHex);
    // E511: locked after failed attempts (kept across restarts); a person at the rig clears it.
    if (!r.ok && r.code === 511) throw cliError('AUTH_FAILED', `E511 ${r.message}: wait, or press the service button at the rig to clear the lockout (docs/protocol.md, "When AUTH is locked")`);
    if (!r.ok) throw cliError('AUTH_FAILED', `the pump refused the ${role} key: E${r.code} ${r.message}`);
    try {
      this.#session = auth.complete(r.fields['session']!, Number(r.fields['ttl']), r.fields['proof']!);
    } catch (e) {
      throw cliError('AUTH_FAILED', `the pump did not prove it holds the ${role} key (${(e as Error).message}): is this the right board?`);
    }
    this.#role = role;
  }

  /** A command the pump must accept: its refusal becomes a HostError carrying the pump's code. */
  async must(r: Promise<FullReply>, what: string): Promise<FullReply> {
    const reply = await r;
    if (!reply.ok) throw cliError('PUMP_REFUSED', `${what}: E${reply.code} ${reply.message}`, reply.code);
    return reply;
  }

  async close(): Promise<void> {
    if (this.#session && !this.#port.closed) {
      try {
        await this.send('BYE');
      } catch {
        // Closing anyway: the session expires on the pump by itself.
      }
    }
    await this.#port.close();
  }

  /**
   * Sends a line and reads until its reply. A reply that fails its checksum, or a pump that
   * reports our frame's checksum as bad (E501), gets the same frame again; a silent board one
   * more try; a lost connection a reconnection, after which the caller decides (BoardRestarted).
   */
  async #exchange(line: () => string, seq: number | undefined): Promise<FullReply> {
    let garbled = 0;
    let silent = 0;
    for (;;) {
      try {
        this.#drainEvents();
        // A STOP goes after an LF of its own: a partial line left on the wire (another
        // program's, a terminal's) cannot then swallow it. Empty lines are ignored.
        const text = line();
        await this.#port.write(`${/^[0-9]+ STOP /.test(text) ? '\n' : ''}${text}\n`);
        const r = await this.#readReply(seq);
        if (r === 'garbled' || (!r.ok && r.code === 501)) {
          if (++garbled >= RESENDS)
            throw cliError('GARBLED', `${RESENDS} replies in a row from ${this.#o.path} failed their checksum: check the baud rate (--baud) and that no other program uses the port`);
          this.#o.notice?.('a reply failed its checksum: sending the frame again');
          continue;
        }
        return r;
      } catch (e) {
        if (!(e instanceof SerialError)) throw e;
        if (e.kind === 'timeout') {
          if (++silent < 2) continue;
          if (!this.#answered) throw cliError('TIMEOUT', `no answer from ${this.#o.path} within ${this.#o.timeoutMs} ms (twice): is the board running, on this port, at ${this.#o.baud} baud?`);
          // A board that answered before and fell silent went away while its port stayed
          // open (the virtual board killed under a socat that lives on, a board resetting
          // behind a USB adapter): wait for it as for a port that closed (--reconnect).
          await this.#awaitSilentBoard();
          throw new BoardRestarted(this.#o.path);
        }
        await this.#reconnect(e);
        throw new BoardRestarted(this.#o.path);
      }
    }
  }

  async #readReply(seq: number | undefined): Promise<FullReply | 'garbled'> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.#port.readLine(this.#o.timeoutMs);
      if (l.startsWith('! ')) {
        this.#event(l);
        continue;
      }
      if (l.startsWith('OK') || l.startsWith('ERR') || /^[0-9]+ (OK|ERR)/.test(l)) {
        const r = parseReply(l);
        if (!r) return 'garbled';
        this.#answered = true;
        // A late reply to an earlier frame (after a timeout) is not this one's.
        if (seq !== undefined && r.seq !== undefined && r.seq !== seq) continue;
        return { ...r, lines };
      }
      if (!crcOk(l)) {
        // A garbled data line: the whole answer is resent, never used in part.
        if (l.startsWith('L ')) return 'garbled';
        continue; // noise, a boot banner, a console echo
      }
      lines.push(l);
    }
  }

  /** How many events this session has received so far: a point for eventsAfter. */
  get eventMark(): number {
    return this.#eventsDropped + this.events.length;
  }

  /** The events received after `mark` (an eventMark), as far as they are still kept. */
  eventsAfter(mark: number): EventLine[] {
    return this.events.slice(Math.max(0, mark - this.#eventsDropped));
  }

  #event(line: string): void {
    const e = parseEvent(line);
    if (!e) return;
    this.events.push(e);
    if (this.events.length > MAX_SESSION_EVENTS) {
      const n = this.events.length - MAX_SESSION_EVENTS;
      this.events.splice(0, n);
      this.#eventsDropped += n;
    }
    for (const l of this.#eventListeners) l(e);
  }

  #drainEvents(): void {
    for (const l of this.#port.drain()) if (l.startsWith('! ')) this.#event(l);
  }

  /** Waits for the port to come back, checks the protocol, and logs in again as before. */
  async #reconnect(cause: SerialError, deadline?: number): Promise<void> {
    const seconds = Math.round(this.#o.reconnectMs / 1000);
    if (deadline === undefined) {
      this.#o.notice?.(`${cause.message}: waiting up to ${seconds} s for it to come back`);
      deadline = this.#timers.now() + this.#o.reconnectMs;
    }
    await this.#port.close();
    for (;;) {
      try {
        this.#port = await (this.#o.openPort ?? openLinePort)(this.#o.path, { baud: this.#o.baud, binding: this.#o.binding });
        break;
      } catch (_e) {
        if (this.#timers.now() >= deadline) throw cliError('DISCONNECTED', `${cause.message}, and ${this.#o.path} did not come back within ${seconds} s`);
        await this.#timers.sleep(250); // polling a device node that is not there yet
      }
    }
    await this.#loginAgain();
  }

  /**
   * The port is open but the board is silent: ask VERSION (a bare query, harmless to any
   * board) until it answers or --reconnect has passed; a port that closes meanwhile is opened
   * again within the same wait. Then the protocol is checked and the session opened again.
   */
  async #awaitSilentBoard(): Promise<void> {
    const seconds = Math.round(this.#o.reconnectMs / 1000);
    const silence = new SerialError('timeout', this.#o.path, `no answer from ${this.#o.path} within ${this.#o.timeoutMs} ms (twice)`);
    this.#o.notice?.(`${silence.message}: waiting up to ${seconds} s for the board to come back`);
    const deadline = this.#timers.now() + this.#o.reconnectMs;
    for (;;) {
      const left = deadline - this.#timers.now();
      if (left <= 0) throw cliError('DISCONNECTED', `${silence.message}, and the board did not answer again within ${seconds} s: is it still running?`);
      try {
        this.#port.drain();
        await this.#port.write('VERSION\n');
        if (await this.#versionWithin(Math.min(this.#o.timeoutMs, left))) break;
      } catch (e) {
        if (!(e instanceof SerialError)) throw e;
        if (e.kind === 'timeout') continue;
        await this.#reconnect(e, deadline);
        return;
      }
    }
    await this.#loginAgain();
  }

  /** True when a VERSION reply arrives within `ms` (other lines, late replies, are skipped). */
  async #versionWithin(ms: number): Promise<boolean> {
    const until = this.#timers.now() + ms;
    for (;;) {
      const left = until - this.#timers.now();
      if (left <= 0) return false;
      const l = await this.#port.readLine(left);
      const r = l.startsWith('OK') ? parseReply(l) : undefined;
      if (r?.ok && r.seq === undefined && r.fields['proto'] !== undefined) return true;
    }
  }

  async #loginAgain(): Promise<void> {
    this.generation++;
    this.#session = undefined;
    const role = this.#role;
    await this.#checkVersion();
    if (role) await this.login(role);
    this.#o.notice?.(`reconnected to ${this.#o.path}${role ? ` and logged in again as ${role}` : ''}`);
  }
}

/**
 * Thrown after a successful reconnection: the command in flight may or may not have run.
 * Read-only steps simply repeat; state changes check what the pump now says (see commands).
 */
export class BoardRestarted extends Error {
  constructor(path: string) {
    super(`the connection to ${path} was lost and came back`);
  }
}

async function openPort(o: SessionOptions): Promise<LinePort> {
  try {
    return await (o.openPort ?? openLinePort)(o.path, { baud: o.baud, binding: o.binding });
  } catch (e) {
    if (e instanceof SerialError) throw cliError('PORT_OPEN', e.message);
    throw e;
  }
}

/** Runs a read-only step again after a reconnection (at most a few times). */
export async function retrying<T>(step: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (e) {
      if (!(e instanceof BoardRestarted) || i >= tries) throw e;
    }
  }
}
