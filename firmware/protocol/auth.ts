// Authentication of the programming protocol (docs/protocol.md, "Authentication"): HELLO and
// AUTH against per-role keys, sessions and their key Ks, the MAC and sequence checks of every
// authenticated frame, the AUTH lockout, and key provisioning. Pure logic: time comes in as
// `now` (monotonic ms), randomness from an injected Entropy, keys from a KeyStore; the host's
// side (host/protocol/auth-client.ts) uses the same derivations below, so the two cannot drift.

import type { PumpError, Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import { asciiBytes, bytesToHex, equalHex, hexToBytes, isHex } from '../shared/hex';
import type { Entropy, KeyStore, LockoutMemory, LockoutStore, Role } from '../ports/auth';
import type { Digest } from '../ports/digest';

export type { Entropy, KeyStore, LockoutMemory, LockoutStore, Role };

export const ROLES: readonly Role[] = Object.freeze(['patient', 'clinician', 'service'] as const);

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

/** Keys in RAM only (tests, the virtual rig); copies in and out so callers cannot alias them. */
export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<Role, Uint8Array>();

  get(role: Role): Uint8Array | undefined {
    return this.#keys.get(role)?.slice();
  }

  set(role: Role, key: Uint8Array): void {
    this.#keys.set(role, key.slice());
  }
}

/** What the constructor found in the store: nothing to restore, a lock carried on, or a record lost. */
export type LockoutAtBoot = { readonly kind: 'none' } | { readonly kind: 'restored' | 'lost'; readonly failures: number; readonly lockMs: number };

export const NONCE_BYTES = 16;
export const KEY_BYTES = 32;
export const NONCE_TTL_MS = 30_000;
export const SESSION_IDLE_MS = 300_000;
export const SESSION_MAX_MS = 1_800_000;
export const FAILURES_BEFORE_LOCK = 3;
export const FIRST_LOCK_MS = 10_000;
export const MAX_LOCK_MS = 600_000;
export const PROVISIONING_WINDOW_MS = 120_000;
/** One UART rarely has more than one host; a few slots let a restarted host log in again. */
export const MAX_SESSIONS = 4;

// ---- The derivations, shared with the host. Inputs are the ASCII texts of the spec, hex in
// lower case, concatenated without separators (a fixed-length field never needs one). Each
// takes the Digest that computes it (firmware/ports/digest.ts): the device's Auth passes the
// SDK's native one, the host's the JavaScript one (host/protocol/digest-noble.ts binds these
// derivations to @noble/hashes for pumpctl, the virtual board and the tests, so nothing under
// firmware/ imports a JavaScript hash library).

/** HMAC(key, ASCII text), all 32 bytes. */
export function hmacTextWith(d: Digest, key: Uint8Array, text: string): Uint8Array {
  return d.hmacSha256(key, asciiBytes(text));
}

/** HMAC(key[role], "AUTH" | Nd | Nh | role)[0..16), 32 hex: the host proves it holds the key. */
export function authProofWith(d: Digest, key: Uint8Array, deviceNonceHex: string, hostNonceHex: string, role: Role): string {
  return bytesToHex(hmacTextWith(d, key, `AUTH${deviceNonceHex}${hostNonceHex}${role}`).subarray(0, 16));
}

/** HMAC(key[role], "PUMP" | Nd | Nh | sid)[0..16), 32 hex: the pump proves it holds it too. */
export function deviceProofWith(d: Digest, key: Uint8Array, deviceNonceHex: string, hostNonceHex: string, sid: string): string {
  return bytesToHex(hmacTextWith(d, key, `PUMP${deviceNonceHex}${hostNonceHex}${sid}`).subarray(0, 16));
}

/** Ks = HMAC(key[role], "SESSION" | Nd | Nh | sid), all 32 bytes. */
export function sessionKeyWith(d: Digest, key: Uint8Array, deviceNonceHex: string, hostNonceHex: string, sid: string): Uint8Array {
  return hmacTextWith(d, key, `SESSION${deviceNonceHex}${hostNonceHex}${sid}`);
}

/** HMAC(Ks, sid | " " | signedText)[0..8), 16 hex: the MAC of one frame. */
export function frameMacWith(d: Digest, ks: Uint8Array, sid: string, signedText: string): string {
  return bytesToHex(hmacTextWith(d, ks, `${sid} ${signedText}`).subarray(0, 8));
}

/**
 * HMAC-SHA256's two keyed blocks (RFC 2104, section 2): the key, zero-padded to SHA-256's
 * 64-byte block, XORed with ipad (0x36) and with opad (0x5c). A session's are made once, at
 * AUTH: a frame's MAC is then two SHA-256 calls, where a whole HMAC per frame builds both
 * blocks again byte by byte (the SDK's hmac.js does it in JavaScript, the most of a MAC's cost
 * on the device, docs/performance.md).
 */
export interface KeyPads {
  readonly inner: Uint8Array;
  readonly outer: Uint8Array;
}

const SHA256_BLOCK = 64;

/** The keyed blocks of `key` (at most 64 bytes, as Ks's 32 always are). */
export function keyPads(key: Uint8Array): KeyPads {
  if (key.length > SHA256_BLOCK) throw new RangeError(`keyPads: a key of ${key.length} bytes (at most ${SHA256_BLOCK})`);
  const inner = new Uint8Array(SHA256_BLOCK).fill(0x36);
  const outer = new Uint8Array(SHA256_BLOCK).fill(0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = key[i]! ^ 0x36;
    outer[i] = key[i]! ^ 0x5c;
  }
  return { inner, outer };
}

/** frameMacWith from the session key's pads: H(outer | H(inner | text)), the same 16 hex. */
export function frameMacWithPads(d: Digest, pads: KeyPads, sid: string, signedText: string): string {
  const text = asciiBytes(`${sid} ${signedText}`);
  const first = new Uint8Array(SHA256_BLOCK + text.length);
  first.set(pads.inner);
  first.set(text, SHA256_BLOCK);
  const second = new Uint8Array(SHA256_BLOCK + 32);
  second.set(pads.outer);
  second.set(d.sha256(first), SHA256_BLOCK);
  return bytesToHex(d.sha256(second).subarray(0, 8));
}

// ---- The device's state.

/** Why an AUTH failed, for the event the dispatcher makes of it. */
export type AuthFailure = 'no-hello' | 'nonce-expired' | 'unknown-role' | 'malformed' | 'no-key' | 'bad-proof';

export interface AuthOptions {
  readonly entropy: Entropy;
  /** SHA-256 and HMAC: the SDK's native digest on the device, @noble/hashes elsewhere. */
  readonly digest: Digest;
  readonly keys: KeyStore;
  /**
   * Every failed AUTH (not the refusals while locked: they test nothing, and reporting them
   * would let a flood push real events out of the buffer). `lockMs` is the lock this failure
   * started, 0 when none.
   */
  readonly onAuthFailure?: (now: number, role: string, why: AuthFailure, lockMs: number) => void;
  readonly maxSessions?: number;
  /**
   * Keeps the failures and the lock across resets. Every attempt that tests a key is recorded
   * as a failure before its proof is checked (and cleared again on success), so no AUTH is
   * answered before the failure it would be is stored: a power cut cannot buy a guess.
   */
  readonly lockout?: LockoutStore;
  /** The pump's clock when this Auth is built: a stored lock carries on from here. */
  readonly nowMs?: number;
}

export interface SessionInfo {
  readonly sid: string;
  readonly role: Role;
  readonly startedMs: number;
  readonly lastUsedMs: number;
  /** The last accepted sequence number, 0 before the first. */
  readonly lastSeq: number;
}

export interface Granted {
  readonly sid: string;
  /** Seconds the session lives without a valid command (the reply's ttl=). */
  readonly ttlS: number;
  readonly deviceProofHex: string;
}

export interface Verified {
  readonly role: Role;
  readonly session: SessionInfo;
}

interface Session {
  readonly sid: string;
  readonly role: Role;
  /** Ks's HMAC blocks (keyPads): all a frame's MAC needs of it. */
  readonly pads: KeyPads;
  readonly startedMs: number;
  lastUsedMs: number;
  lastSeq: number;
}

export class Auth {
  readonly #entropy: Entropy;
  readonly #digest: Digest;
  readonly #keys: KeyStore;
  readonly #onAuthFailure: AuthOptions['onAuthFailure'];
  readonly #maxSessions: number;
  readonly #sessions = new Map<string, Session>();
  #nonce: { readonly hex: string; readonly issuedMs: number } | undefined;
  #failures = 0;
  #lockedUntilMs = 0;
  readonly #store: LockoutStore | undefined;
  /** What the store held when this Auth was built. */
  readonly lockoutAtBoot: LockoutAtBoot;
  #provisioningUntilMs: number | undefined;

  constructor(options: AuthOptions) {
    this.#entropy = options.entropy;
    this.#digest = options.digest;
    this.#keys = options.keys;
    this.#onAuthFailure = options.onAuthFailure;
    this.#maxSessions = options.maxSessions ?? MAX_SESSIONS;
    this.#store = options.lockout;
    this.lockoutAtBoot = this.#restore(options.nowMs ?? 0);
  }

  /**
   * The lockout as the store kept it, carried on from `now`. The pump's clock restarts after
   * a reset from its last stored time (up to an hour behind, or from 0 when that was lost), so
   * the time left is taken from the stored end but never more than the lock's own length: a
   * reboot never shortens a lock, and at most restarts it. A record there but unreadable fails
   * safe: locked for the first step (10 s), as after a third failure.
   */
  #restore(now: number): LockoutAtBoot {
    const m = this.#store?.load();
    if (m === undefined) return { kind: 'none' };
    if (m === 'lost') {
      this.#failures = FAILURES_BEFORE_LOCK;
      this.#lockedUntilMs = now + FIRST_LOCK_MS;
      this.#save({ failures: this.#failures, lockedUntilMs: this.#lockedUntilMs, lockMs: FIRST_LOCK_MS });
      return { kind: 'lost', failures: this.#failures, lockMs: FIRST_LOCK_MS };
    }
    this.#failures = m.failures;
    const left = Math.min(m.lockMs, Math.max(0, m.lockedUntilMs - now));
    this.#lockedUntilMs = left > 0 ? now + left : 0;
    return m.failures > 0 || left > 0 ? { kind: 'restored', failures: m.failures, lockMs: left } : { kind: 'none' };
  }

  /** Failed AUTHs in a row so far. */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Ends the lockout and forgets the failures: physical presence (the service pin at boot or
   * the service button, firmware/app/security.ts), never a command on the line. False when
   * there was nothing to clear.
   */
  clearLockout(now: number): boolean {
    if (this.#failures === 0 && this.lockedMs(now) === 0) return false;
    this.#reset();
    return true;
  }

  /** A fresh device nonce; it replaces any earlier one and serves one AUTH within 30 s. */
  hello(now: number): { nonceHex: string } {
    const hex = bytesToHex(this.#random(NONCE_BYTES));
    this.#nonce = { hex, issuedMs: now };
    return { nonceHex: hex };
  }

  /**
   * Checks the host's proof and opens a session. Any AUTH uses up the nonce, whatever the
   * outcome, so each proof can be tried once. The third failure in a row locks AUTH for 10 s,
   * each further one doubles the lock up to 10 min; only a success or physical presence
   * (`clearLockout`) resets it. With a store, a reboot carries it on.
   */
  authenticate(now: number, role: string, hostNonceHex: string, proofHex: string): Result<Granted> {
    const nonce = this.#nonce;
    this.#nonce = undefined;
    const left = this.lockedMs(now);
    if (left > 0) return fail(pumpError('AUTH_LOCKED', `AUTH is locked for another ${Math.ceil(left / 1000)} s after repeated failures`));
    if (nonce === undefined) return this.#refuse(now, role, 'no-hello', pumpError('AUTH_FAILED', 'no HELLO before AUTH (or its nonce was used): send HELLO first'));
    if (now - nonce.issuedMs > NONCE_TTL_MS) return this.#refuse(now, role, 'nonce-expired', pumpError('AUTH_FAILED', `the nonce expired (${NONCE_TTL_MS / 1000} s): send HELLO again`));
    if (!isRole(role)) return this.#refuse(now, role, 'unknown-role', pumpError('BAD_ARGUMENTS', `role must be one of ${ROLES.join(', ')}`, 'role'));
    if (!isHex(hostNonceHex, 2 * NONCE_BYTES)) return this.#refuse(now, role, 'malformed', pumpError('BAD_ARGUMENTS', `nonce must be ${2 * NONCE_BYTES} lower-case hex digits`, 'nonce'));
    if (!isHex(proofHex, 32)) return this.#refuse(now, role, 'malformed', pumpError('BAD_ARGUMENTS', 'proof must be 32 lower-case hex digits', 'proof'));
    const key = this.#keys.get(role);
    if (key === undefined) return this.#refuse(now, role, 'no-key', pumpError('AUTH_FAILED', `the ${role} role has no key: provision one first`));
    // Written ahead: stored as the failure it would be before the proof is checked.
    this.#save(this.#failed(now));
    if (!equalHex(proofHex, authProofWith(this.#digest, key, nonce.hex, hostNonceHex, role))) {
      return this.#refuse(now, role, 'bad-proof', pumpError('AUTH_FAILED', `the proof does not match the ${role} key`), true);
    }
    this.#reset();
    this.#purge(now);
    if (this.#sessions.size >= this.#maxSessions) this.#evictLeastRecent();
    const sid = this.#newSid();
    this.#sessions.set(sid, { sid, role, pads: keyPads(sessionKeyWith(this.#digest, key, nonce.hex, hostNonceHex, sid)), startedMs: now, lastUsedMs: now, lastSeq: 0 });
    return ok({ sid, ttlS: SESSION_IDLE_MS / 1000, deviceProofHex: deviceProofWith(this.#digest, key, nonce.hex, hostNonceHex, sid) });
  }

  /** Milliseconds AUTH stays locked, 0 when it is not. */
  lockedMs(now: number): number {
    return Math.max(0, this.#lockedUntilMs - now);
  }

  /**
   * Checks an authenticated frame: the session is open, the MAC is right (checked before the
   * sequence number, so only a holder of Ks learns anything from ERR 509), and `seq` is above
   * the last accepted one. It changes nothing: the dispatcher calls `accept` once it answers
   * the frame, so a frame it drops after this (wrong role, bad arguments) does not use up a
   * sequence number or keep the session alive.
   */
  verify(now: number, sid: string, macHex: string, signedText: string, seq: number): Result<Verified> {
    const s = this.#live(now, sid);
    if (s === undefined) return fail(pumpError('SESSION_UNKNOWN', `no session ${sid.slice(0, 8)} (it expired or ended): authenticate again`));
    if (!isHex(macHex, 16) || !equalHex(macHex, frameMacWithPads(this.#digest, s.pads, sid, signedText))) {
      return fail(pumpError('BAD_MAC', 'the MAC does not match the frame and the session key'));
    }
    if (!(seq > s.lastSeq)) return fail(pumpError('REPLAY', `sequence number ${seq} is not greater than the last (${s.lastSeq}) in this session`));
    return ok({ role: s.role, session: info(s) });
  }

  /**
   * Records a verified frame as answered: its seq becomes the session's last and the idle
   * timer restarts. False (and nothing changes) when the session is gone or seq is not new.
   */
  accept(now: number, sid: string, seq: number): boolean {
    const s = this.#live(now, sid);
    if (s === undefined || !(seq > s.lastSeq)) return false;
    s.lastSeq = seq;
    s.lastUsedMs = now;
    return true;
  }

  /** The session as it stands, if still open (for the dispatcher's reply cache and STATUS). */
  session(now: number, sid: string): SessionInfo | undefined {
    const s = this.#live(now, sid);
    return s && info(s);
  }

  /** Ends a session (BYE); false when there was none. */
  bye(sid: string): boolean {
    return this.#sessions.delete(sid);
  }

  sessionsOpen(now: number): number {
    this.#purge(now);
    return this.#sessions.size;
  }

  /** Called by the app at boot when the service pin is held. */
  openProvisioning(now: number, windowMs = PROVISIONING_WINDOW_MS): void {
    this.#provisioningUntilMs = now + windowMs;
  }

  provisioningOpen(now: number): boolean {
    return this.#provisioningUntilMs !== undefined && now < this.#provisioningUntilMs;
  }

  /** KEY without a session: only within the window after a boot with the service pin held. */
  provision(now: number, role: string, keyHex: string): Result<true> {
    if (!this.provisioningOpen(now)) {
      return fail(pumpError('PROVISIONING_CLOSED', `keys can be set without a session only within ${PROVISIONING_WINDOW_MS / 1000} s of a boot with the service pin held`));
    }
    return this.setKey(role, keyHex);
  }

  /**
   * Sets a role key: from `provision`, or from the dispatcher for an authenticated service
   * session (it checks the role). Open sessions of that role end, the caller's too: they
   * hang on the old key, which is being replaced perhaps because it leaked.
   */
  setKey(role: string, keyHex: string): Result<true> {
    if (!isRole(role)) return fail(pumpError('BAD_ARGUMENTS', `role must be one of ${ROLES.join(', ')}`, 'role'));
    const key = isHex(keyHex, 2 * KEY_BYTES) ? hexToBytes(keyHex) : undefined;
    if (key === undefined) return fail(pumpError('BAD_KEY', `the key must be ${2 * KEY_BYTES} lower-case hex digits (${KEY_BYTES} bytes)`, 'key'));
    this.#keys.set(role, key);
    for (const [sid, s] of this.#sessions) if (s.role === role) this.#sessions.delete(sid);
    return ok(true);
  }

  /** The lockout one more failure at `now` makes. */
  #failed(now: number): LockoutMemory {
    const failures = Math.min(this.#failures + 1, FAILURES_BEFORE_LOCK + 16);
    if (failures < FAILURES_BEFORE_LOCK) return { failures, lockedUntilMs: 0, lockMs: 0 };
    const lockMs = Math.min(FIRST_LOCK_MS * 2 ** (failures - FAILURES_BEFORE_LOCK), MAX_LOCK_MS);
    return { failures, lockedUntilMs: now + lockMs, lockMs };
  }

  #save(m: LockoutMemory): void {
    this.#store?.save(m);
  }

  /** A success or physical presence: no failures, no lock (stored too: the proof check wrote one ahead). */
  #reset(): void {
    this.#failures = 0;
    this.#lockedUntilMs = 0;
    this.#save({ failures: 0, lockedUntilMs: 0, lockMs: 0 });
  }

  /** Counts a failure (stored already when `saved`: the proof check writes ahead). */
  #refuse(now: number, role: string, why: AuthFailure, error: PumpError, saved = false): Result<Granted> {
    const m = this.#failed(now);
    this.#failures = m.failures;
    this.#lockedUntilMs = m.lockedUntilMs;
    if (!saved) this.#save(m);
    const lockMs = m.failures >= FAILURES_BEFORE_LOCK ? m.lockMs : 0;
    this.#onAuthFailure?.(now, role, why, lockMs);
    if (lockMs === 0) return fail(error);
    return fail({ ...error, message: `${error.message}; AUTH is now locked for ${lockMs / 1000} s` });
  }

  #live(now: number, sid: string): Session | undefined {
    const s = this.#sessions.get(sid);
    if (s === undefined) return undefined;
    if (now - s.lastUsedMs > SESSION_IDLE_MS || now - s.startedMs > SESSION_MAX_MS) {
      this.#sessions.delete(sid);
      return undefined;
    }
    return s;
  }

  #purge(now: number): void {
    for (const sid of [...this.#sessions.keys()]) this.#live(now, sid);
  }

  #evictLeastRecent(): void {
    let oldest: Session | undefined;
    for (const s of this.#sessions.values()) if (oldest === undefined || s.lastUsedMs < oldest.lastUsedMs) oldest = s;
    if (oldest !== undefined) this.#sessions.delete(oldest.sid);
  }

  /** 4 random bytes; drawn again on the (1 in 2^32) chance it names an open session. */
  #newSid(): string {
    let sid = bytesToHex(this.#random(4));
    for (let i = 0; i < 8 && this.#sessions.has(sid); i++) sid = bytesToHex(this.#random(4));
    this.#sessions.delete(sid); // a source that keeps repeating itself cannot hand out a shared session
    return sid;
  }

  #random(n: number): Uint8Array {
    const bytes = this.#entropy.bytes(n);
    if (bytes.length !== n) throw new RangeError(`entropy gave ${bytes.length} bytes, not ${n}`);
    return bytes;
  }
}

function info(s: Session): SessionInfo {
  return { sid: s.sid, role: s.role, startedMs: s.startedMs, lastUsedMs: s.lastUsedMs, lastSeq: s.lastSeq };
}
