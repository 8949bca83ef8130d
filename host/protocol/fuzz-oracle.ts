// The fuzz oracle's idea of which frames may act, from docs/protocol.md and the command table
// alone: the session the link holds (the last AUTH the fuzzer won on it), that session's key,
// role, last sequence number and age, and the rules - a read-only query, STOP, AUTH and HELLO
// are anyone's; everything else needs a MAC from the link's session key over exactly the
// signed text, a session neither ended (BYE, its role's key set) nor expired (5 minutes idle,
// 30 minutes old), a sequence number above the last one it accepted, and a role that ranks at
// least the command's. An authentic frame of an allowed role uses up its number whatever its
// arguments (it is answered). The oracle never asks the pump under attack; its twin, fed only
// what passes here, is the reference state.

import type { Role } from '../../firmware/protocol/auth';
import { SESSION_IDLE_MS, SESSION_MAX_MS } from '../../firmware/protocol/auth';
import { RANK } from '../../firmware/protocol/schema';
import type { HostSession } from './auth-client';
import { macFor } from './auth-client';
import type { ModelFrame } from './fuzz-lines';

export interface ModelSession {
  readonly host: HostSession;
  readonly startedMs: number;
  lastUsedMs: number;
  lastSeq: number;
  /** False once BYE or a KEY for its role ended it. */
  open: boolean;
}

/**
 * The MAC of a frame in a session (auth-client's macFor), remembered for the frames the host
 * signed itself: the oracle checks each of those again, and SHA-256 in JavaScript is a good
 * share of a million frames.
 */
const macs = new WeakMap<HostSession, Map<string, string>>();
export function macOf(host: HostSession, signedText: string): string {
  let m = macs.get(host);
  if (m === undefined) {
    m = new Map();
    macs.set(host, m);
  }
  let mac = m.get(signedText);
  if (mac === undefined) {
    if (m.size > 256) m.clear();
    mac = macFor(host.ks, host.sid, signedText);
    m.set(signedText, mac);
  }
  return mac;
}

export type Verdict = { readonly pass: true; readonly why: string } | { readonly pass: false; readonly why: string };

const pass = (why: string): Verdict => ({ pass: true, why });
const hold = (why: string): Verdict => ({ pass: false, why });

export class SessionModel {
  /** The session the link holds, as far as the spec says. */
  current: ModelSession | undefined;
  /** Every session opened, newest last (for replays across sessions and the snapshot). */
  readonly all: ModelSession[] = [];

  /** The fuzzer won an AUTH at `now`: the link now holds this session. */
  opened(host: HostSession, now: number): ModelSession {
    const s: ModelSession = { host, startedMs: now, lastUsedMs: now, lastSeq: 0, open: true };
    this.current = s;
    this.all.push(s);
    if (this.all.length > 16) this.all.shift();
    return s;
  }

  /** Open and not expired at `now` (the spec: ends after 5 idle minutes or 30 in all). */
  live(s: ModelSession, now: number): boolean {
    return s.open && now - s.lastUsedMs <= SESSION_IDLE_MS && now - s.startedMs <= SESSION_MAX_MS;
  }

  /**
   * Whether `f`, arriving at `now`, may act; when it may and is signed, the session takes its
   * number and is kept alive, and BYE or KEY end what they end.
   */
  judge(f: ModelFrame, now: number): Verdict {
    if (f.problem !== undefined) return hold(f.problem);
    const spec = f.spec!;
    const open = spec.access === 'read' || spec.access === 'anyone-framed';
    if (f.mac === undefined) {
      if (open) return pass('anyone may');
      // The provisioning path: physical presence decides, not the line (the fuzz never opens
      // the window, and the keys are checked apart: they must never change).
      if (f.command === 'KEY') return pass('provisioning, decided by presence');
      return hold(`${f.command} needs a role`);
    }
    const s = this.current;
    if (f.seq === undefined) return hold('signed without a sequence number');
    if (s === undefined) return hold('no session on the link');
    if (f.mac !== macOf(s.host, f.signedText)) return hold("MAC is not the session key's");
    if (!this.live(s, now)) return hold('session ended or expired');
    if (!(f.seq > s.lastSeq)) return hold(`sequence number ${f.seq} not above ${s.lastSeq}`);
    const needed = open ? 'read' : (spec.access as Role);
    if (RANK[s.host.role] < RANK[needed]) return hold(`${s.host.role} may not ${f.command}`);
    s.lastSeq = f.seq;
    s.lastUsedMs = now;
    if (f.command === 'BYE' && f.args.length === 0) s.open = false;
    if (f.command === 'KEY' && s.host.role === 'service' && f.args.length === 2 && /^[0-9a-f]{64}$/.test(f.args[1]!)) {
      for (const o of this.all) if (o.host.role === f.args[0]) o.open = false;
    }
    return pass(`authentic ${s.host.role} frame`);
  }
}
