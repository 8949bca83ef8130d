// The attacker and the legitimate host in one, for the fuzz benchmark: it holds real sessions
// (HELLO and AUTH as patient, clinician or service with the example keys) and sends correctly
// signed frames among mutated ones - a flipped MAC bit, the right MAC on another number or
// command, sequence games, a role reaching above itself, replays within and across sessions,
// wrong keys until AUTH locks, a nonce left to expire, a session kept busy past its 30 minutes,
// several frames in one burst, random bytes - while the virtual clock moves between them.
// Everything is drawn from one seeded PRNG: a seed replays the run exactly.

import type { Role } from '../../firmware/protocol/auth';
import { ROLES } from '../../firmware/protocol/auth';
import { crc16Hex, lineBytes } from '../../firmware/shared/crc';
import { withCrc } from '../../firmware/protocol/frame';
import { bytesToHex } from '../../firmware/shared/hex';
import { COMMANDS, RANK } from '../../firmware/protocol/schema';
import { Prng } from '../sim/prng';
import { AuthClient } from './auth-client';
import { stagingFrames } from './client';
import { parseReply } from './codec';
import type { SessionModel } from './fuzz-oracle';
import { macOf } from './fuzz-oracle';
import { FUZZ_RX } from './fuzz-state';
import { exampleKey } from './virtual-link';

/** What the host can do to the pump under attack (and, through the oracle, its twin). */
export interface Wire {
  /** Bytes in; the lines the pump under attack wrote back. Counts one frame. */
  send(bytes: Uint8Array): string[];
  /** Moves virtual time on both pumps. */
  advance(ms: number): void;
  now(): number;
  /** A person at the rig (the service button) on both pumps: clears an AUTH lockout. */
  presence(): void;
}

interface Sent {
  readonly text: string;
  /** The session that signed it, if any. */
  readonly sid: string | undefined;
}

const COMMAND_NAMES = Object.keys(COMMANDS);
const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
const HEX = '0123456789abcdef';
const RATES = [800_000, 1_000_000, 1_200_000, 2_000_000];

/** Counts of what was sent, for the report. */
export interface HostCounts {
  logins: number;
  loginsWon: number;
  /** Logins refused because AUTH was locked (ERR 511). */
  loginsLocked: number;
  signed: number;
  mutated: number;
  replays: number;
  bursts: number;
  noise: number;
}

export class FuzzHost {
  readonly #rng: Prng;
  readonly #wire: Wire;
  readonly #models: () => SessionModel;
  readonly #recent: Sent[] = [];
  /** Frames queued by a multi-frame action (staging a prescription), sent one an input. */
  readonly #queue: (readonly [string, ...(string | number)[]])[] = [];
  /** Unsigned frames' numbers (STOP, AUTH): any sender's. */
  #anonSeq = 1;
  readonly counts: HostCounts = { logins: 0, loginsWon: 0, loginsLocked: 0, signed: 0, mutated: 0, replays: 0, bursts: 0, noise: 0 };

  /** `model` gives the oracle's session model in force (a new one after a violation). */
  constructor(seed: number, wire: Wire, model: () => SessionModel) {
    this.#rng = new Prng(seed);
    this.#wire = wire;
    this.#models = model;
  }

  get #model(): SessionModel {
    return this.#models();
  }

  #int(n: number): number {
    return Math.floor(this.#rng.next() * n);
  }
  #chance(p: number): boolean {
    return this.#rng.next() < p;
  }
  #pick<T>(list: readonly T[]): T {
    return list[this.#int(list.length)]!;
  }
  #bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.#int(256));
  }

  /** Virtual time before the next action: mostly none or a little, sometimes past a nonce, a session, a lock. */
  pause(): number {
    const r = this.#rng.next();
    if (r < 0.8) return 0;
    if (r < 0.97) return 1 + this.#int(1_000);
    if (r < 0.997) return 1_000 + this.#int(30_000);
    if (r < 0.9997) return 60_000 + this.#int(420_000);
    return 300_000 + this.#int(1_500_000);
  }

  /** One action: one input, or a few (a login, a staged prescription, a long session). */
  act(): void {
    if (this.#queue.length > 0) {
      this.#signed(this.#queue.shift()!);
      return;
    }
    const s = this.#model.current;
    if (s === undefined || (!this.#model.live(s, this.#wire.now()) && this.#chance(0.5)) || s.lastSeq > 65_000) {
      this.#login(this.#pick(ROLES));
      return;
    }
    const r = this.#rng.next();
    if (r < 0.3) this.#signed(this.#command(s.host.role));
    else if (r < 0.42) this.#mutated();
    else if (r < 0.5) this.#replay();
    else if (r < 0.52) this.#login(this.#pick(ROLES));
    else if (r < 0.525) this.#badLogins();
    else if (r < 0.53) this.#staleNonce();
    else if (r < 0.545) this.#program();
    else if (r < 0.55) this.#signed(['BYE']);
    else if (r < 0.5502) this.#oldSession();
    else if (r < 0.58) this.#burst();
    else if (r < 0.6) this.#stop();
    else this.#noise();
  }

  #send(text: string): string[] {
    return this.#wire.send(lineBytes(`${text}\n`));
  }

  #remember(text: string, sid: string | undefined): void {
    this.#recent.push({ text, sid });
    if (this.#recent.length > 64) this.#recent.shift();
  }

  /** A correctly signed frame of the link's session: usually the next number, sometimes a game with it. */
  #signedText(command: readonly [string, ...(string | number)[]]): string {
    const s = this.#model.current!;
    let seq = s.lastSeq + 1 + (this.#chance(0.2) ? this.#int(3) : 0);
    if (this.#chance(0.08)) seq = this.#pick([s.lastSeq, Math.max(1, s.lastSeq - 1 - this.#int(5)), 1 + this.#int(65_535), 65_535]);
    const signed = [seq, ...command].join(' ');
    return withCrc(`${signed} #${macOf(s.host, signed)}`);
  }

  #signed(command: readonly [string, ...(string | number)[]]): void {
    if (this.#model.current === undefined) {
      this.#login(this.#pick(ROLES));
      return;
    }
    this.counts.signed++;
    const text = this.#signedText(command);
    this.#remember(text, this.#model.current.host.sid);
    this.#send(text);
  }

  /** A command for `role`: usually one it may send, often one above it (role escalation). */
  #command(role: Role): readonly [string, ...(string | number)[]] {
    const mine = COMMAND_NAMES.filter((c) => {
      const a = COMMANDS[c as keyof typeof COMMANDS].access;
      return RANK[role] >= RANK[a === 'anyone-framed' ? 'read' : a];
    });
    const name = this.#chance(0.65) ? this.#pick(mine) : this.#pick(COMMAND_NAMES);
    return [name, ...this.#args(name)];
  }

  /** Arguments that mostly pass the command's checks, so authentic frames really act. */
  #args(name: string): (string | number)[] {
    if (this.#chance(0.05)) return [this.#int(10_000_000), bytesToHex(this.#bytes(4))].slice(0, this.#int(3));
    switch (name) {
      case 'CBOLUS':
        return [1_000 + this.#int(20_000), 60_000 + this.#int(540_000)];
      case 'ACK':
        return this.#chance(0.5) ? [] : [1 + this.#int(99)];
      case 'LOWRES':
        return [this.#int(2_000_000)];
      case 'CLOCK':
        return [this.#int(86_400_000)];
      case 'REFILL':
        return [this.#int(8_000_000), this.#int(8_000_000), this.#chance(0.9) ? 1_000_000 : 1 + this.#int(1_000_000)];
      case 'STAGE':
        return [2 + this.#int(500), bytesToHex(this.#bytes(4))];
      case 'CHUNK':
        return [this.#int(400), 'eyJuYW1lIjoiZnV6eiJ9'];
      case 'COMMIT':
        return [bytesToHex(this.#bytes(4)), ...(this.#chance(0.3) ? ['soft=1'] : []), ...(this.#chance(0.3) ? ['big=1'] : [])];
      case 'MECH':
        return ['bd-10ml', 2000, 200, this.#pick([16, 16, 32]), ...(this.#chance(0.3) ? [50_000_000] : [])];
      case 'CAL':
        return [100_000, 95_000 + this.#int(10_000)];
      case 'KEY': {
        // The role's own example key again: keys never change, but its sessions end.
        const role = this.#pick(ROLES);
        return [role, bytesToHex(exampleKey(role))];
      }
      case 'AUTH':
        return [this.#pick(ROLES), bytesToHex(this.#bytes(16)), bytesToHex(this.#bytes(16))];
      case 'EVENTS':
        return [this.#int(50)];
      case 'SUB':
        return [this.#int(2)];
      case 'LOG':
        return [this.#int(100), 1 + this.#int(5)];
      case 'RXDATA':
        return [this.#int(200)];
      default:
        return [];
    }
  }

  /** HELLO, then AUTH with the role's key (or, now and then, a wrong one). */
  #login(role: Role, wrongKey = false): void {
    this.counts.logins++;
    const hello = this.#send('HELLO')
      .map(parseReply)
      .find((r) => r?.fields['nonce'] !== undefined);
    const key = wrongKey ? this.#bytes(32) : exampleKey(role);
    const auth = new AuthClient(role, key, { bytes: (n) => this.#bytes(n) });
    const req = auth.request(hello?.fields['nonce'] ?? bytesToHex(this.#bytes(16)));
    const text = withCrc(`${(this.#anonSeq++ % 65_535) + 1} AUTH ${role} ${req.hostNonceHex} ${req.proofHex}`);
    this.#remember(text, undefined);
    const replies = this.#send(text).map(parseReply);
    if (replies.some((r) => r?.code === 511)) {
      // Locked out (the failures of the noise add up): sometimes a person at the rig clears it,
      // else the lock runs out in virtual time.
      this.counts.loginsLocked++;
      if (this.#chance(0.2)) this.#wire.presence();
    }
    const reply = replies.find((r) => r?.fields['session'] !== undefined);
    if (reply === undefined) return;
    const session = auth.complete(reply.fields['session']!, Number(reply.fields['ttl']), reply.fields['proof']!);
    if (session === undefined) return;
    this.counts.loginsWon++;
    this.#model.opened(session, this.#wire.now());
  }

  /** Three to six wrong keys in a row: AUTH locks, for longer each time; then perhaps wait it out. */
  #badLogins(): void {
    for (let i = 3 + this.#int(4); i > 0; i--) this.#login(this.#pick(ROLES), true);
    if (this.#chance(0.5)) this.#wire.advance(10_000 + this.#int(600_000));
  }

  /** A nonce left longer than 30 s, or an AUTH with no HELLO before it. */
  #staleNonce(): void {
    if (this.#chance(0.5)) {
      this.#send('HELLO');
      this.#wire.advance(30_001 + this.#int(30_000));
    }
    const role = this.#pick(ROLES);
    const text = withCrc(`${(this.#anonSeq++ % 65_535) + 1} AUTH ${role} ${bytesToHex(this.#bytes(16))} ${new AuthClient(role, exampleKey(role)).request(bytesToHex(this.#bytes(16))).proofHex}`);
    this.#send(text);
  }

  /** A prescription staged, read back and committed, one signed frame an input. */
  #program(): void {
    const { crc32, frames } = stagingFrames({ ...FUZZ_RX, rateNlPerDay: this.#pick(RATES) });
    this.#queue.push(...frames, ['SHOW'], ['COMMIT', crc32]);
  }

  /** A session kept busy past its 30 minutes: a signed STATUS every four minutes. */
  #oldSession(): void {
    for (let i = 0; i < 9; i++) {
      this.#wire.advance(240_000);
      this.#signed(['STATUS']);
    }
  }

  /** A recent frame with one thing changed, its CRC made right again (mostly). */
  #mutated(): void {
    const base = this.#recent.length > 0 ? this.#pick(this.#recent).text : 'STATUS';
    this.counts.mutated++;
    const body = base.slice(0, base.lastIndexOf(' *'));
    const words = body.split(' ');
    const hash = words.findIndex((w) => w.startsWith('#'));
    const k = this.#int(6);
    if (k === 0 && hash >= 0) {
      // One bit of the MAC flipped (still lower-case hex).
      const mac = words[hash]!;
      const at = 1 + this.#int(16);
      const digit = HEX[(HEX.indexOf(mac[at]!) ^ (1 << this.#int(4))) & 15]!;
      words[hash] = mac.slice(0, at) + digit + mac.slice(at + 1);
    } else if (k === 1 && /^[0-9]+$/.test(words[0]!)) {
      // The MAC of one number on the next one (or on an old one).
      words[0] = String(this.#model.current ? this.#model.current.lastSeq + this.#int(3) : 1 + this.#int(100));
    } else if (k === 2 && words.length > 1) {
      // The MAC of one command on another: a patient's BOLUS made a COMMIT, a KEY.
      words[/^[0-9]+$/.test(words[0]!) ? 1 : 0] = this.#pick(COMMAND_NAMES);
    } else if (k === 3) {
      // An argument changed or added under the same MAC.
      const at = hash >= 0 ? hash : words.length;
      words.splice(at, 0, String(this.#int(1_000_000)));
    } else {
      this.#send(mutate(base, this.#int(4) + 1, this.#rng, this.#chance(0.6)));
      return;
    }
    const text = words.join(' ');
    this.#send(this.#chance(0.9) ? withCrc(text) : `${text} *${crc16Hex(text).replace(/^./, (c) => (c === '0' ? '1' : '0'))}`);
  }

  /** A frame sent before, byte for byte: in its own session (the retry cache or ERR 509), or another's. */
  #replay(): void {
    if (this.#recent.length === 0) {
      this.#noise();
      return;
    }
    this.counts.replays++;
    this.#send(this.#pick(this.#recent).text);
  }

  /** Several frames in one write, with any line ends, perhaps a partial line left over. */
  #burst(): void {
    this.counts.bursts++;
    const parts: string[] = [];
    for (let i = 2 + this.#int(3); i > 0; i--) {
      const r = this.#int(4);
      let text: string;
      if (r === 0 && this.#model.current) text = this.#signedText(this.#command(this.#model.current.host.role));
      else if (r === 1 && this.#recent.length > 0) text = this.#pick(this.#recent).text;
      else if (r === 2) text = withCrc(`${(this.#anonSeq++ % 65_535) + 1} STOP`);
      else text = this.#pick(['STATUS', 'HELLO', 'rx', 'ALARMS']);
      parts.push(text + this.#pick(['\n', '\r', '\r\n']));
    }
    if (this.#chance(0.2)) parts.push(this.#pick(['12 BOL', 'STA', 'x\u0008']));
    this.#wire.send(lineBytes(parts.join('')));
  }

  /** STOP, framed and unsigned (anyone may), or signed. */
  #stop(): void {
    if (this.#model.current && this.#chance(0.3)) {
      this.#signed(['STOP']);
      return;
    }
    this.#send(withCrc(`${(this.#anonSeq++ % 65_535) + 1} STOP`));
  }

  /** What a line may carry besides frames: random bytes, a mangled frame, a forged MAC, a query. */
  #noise(): void {
    this.counts.noise++;
    const r = this.#int(5);
    if (r === 0) {
      this.#wire.send(this.#bytes(this.#int(160)));
    } else if (r === 1) {
      const base = this.#recent.length > 0 ? this.#pick(this.#recent).text : `1 STOP *${crc16Hex('1 STOP')}`;
      this.#send(mutate(base, 1 + this.#int(4), this.#rng, this.#chance(0.5)));
    } else if (r === 2) {
      // Well formed and framed, with a MAC nobody computed.
      const name = this.#pick(COMMAND_NAMES);
      const body = `${1 + this.#int(65_535)} ${[name, ...this.#args(name)].join(' ')} #${bytesToHex(this.#bytes(8))}`;
      this.#send(withCrc(body));
    } else if (r === 3) {
      this.#send(this.#pick(['STATUS', 'VERSION', 'HELP', 'ALARMS', 'RX', 'INFO', 'status', 'SUB 1', 'SUB 0', 'EVENTS 1', 'LOG 1 3', 'RXDATA 0']));
    } else {
      // A role's command framed but unsigned.
      const name = this.#pick(COMMAND_NAMES);
      this.#send(withCrc([1 + this.#int(65_535), name, ...this.#args(name)].join(' ')));
    }
  }
}

/** Replaces, inserts or deletes characters, or cuts the line short; then perhaps a right CRC again. */
export function mutate(frame: string, ops: number, rng: Prng, recrc: boolean): string {
  let s = frame;
  for (let n = 0; n < ops; n++) {
    const kind = Math.floor(rng.next() * 4);
    const i = s.length === 0 ? 0 : Math.floor(rng.next() * s.length);
    const ch = PRINTABLE[Math.floor(rng.next() * PRINTABLE.length)]!;
    if (kind === 0) s = s.slice(0, i) + ch + s.slice(i + 1);
    else if (kind === 1) s = s.slice(0, i) + ch + s.slice(i);
    else if (kind === 2) s = s.slice(0, i) + s.slice(i + 1);
    else s = s.slice(0, i);
  }
  if (!recrc) return s;
  const star = s.lastIndexOf(' *');
  const body = star >= 0 ? s.slice(0, star) : s;
  return `${body} *${crc16Hex(body)}`;
}
