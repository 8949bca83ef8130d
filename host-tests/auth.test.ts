// Authentication (docs/protocol.md, "Authentication"): the pump's Auth against the host's
// AuthClient, every refusal with its number, the lockout, session expiry, provisioning and
// rotation, and fixed vectors cross-checked against Node's own HMAC. Time is a number passed
// in; nothing sleeps.

import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthFailure, Entropy, Role } from '../firmware/protocol/auth';
import {
  Auth,
  FIRST_LOCK_MS,
  MAX_LOCK_MS,
  MAX_SESSIONS,
  frameMacWith,
  frameMacWithPads,
  keyPads,
  MemoryKeyStore,
  NONCE_TTL_MS,
  PROVISIONING_WINDOW_MS,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
} from '../firmware/protocol/auth';
import { hmacSha256 } from '../host/protocol/digest-noble';
import { nobleDigest } from '../host/protocol/digest-noble';
import { crc16Hex } from '../firmware/shared/crc';
import { parseFrame } from '../firmware/protocol/frame';
import { asciiBytes, bytesToHex, equalBytes, equalHex, hexToBytes, isHex } from '../firmware/shared/hex';
import type { HostSession } from '../host/protocol/auth-client';
import { AuthClient, macFor, signFrame } from '../host/protocol/auth-client';
import { EXAMPLE_KEY, protocolExample, renderProtocolExample } from '../host/docs/protocol-example';

/** A different byte pattern on every draw, the same on every run. */
function countingEntropy(seed: number): Entropy {
  let next = seed;
  return { bytes: (n) => Uint8Array.from({ length: n }, () => (next = (next * 73 + 41) % 251)) };
}

const key = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
const KEYS: Record<Role, Uint8Array> = { patient: key(1), clinician: key(2), service: key(3) };

interface Failure {
  readonly now: number;
  readonly role: string;
  readonly why: AuthFailure;
  readonly lockMs: number;
}

function rig(roles: readonly Role[] = ['patient', 'clinician', 'service']) {
  const keys = new MemoryKeyStore();
  for (const r of roles) keys.set(r, KEYS[r]);
  const failures: Failure[] = [];
  const auth = new Auth({ entropy: countingEntropy(7), digest: nobleDigest, keys, onAuthFailure: (now, role, why, lockMs) => failures.push({ now, role, why, lockMs }) });
  let hostSeed = 100;
  /** HELLO then AUTH as `role` with `withKey`; the session when both sides accept. */
  const login = (now: number, role: Role, withKey = KEYS[role]) => {
    const client = new AuthClient(role, withKey, countingEntropy(hostSeed++));
    const req = client.request(auth.hello(now).nonceHex);
    const r = auth.authenticate(now, req.role, req.hostNonceHex, req.proofHex);
    return { r, session: r.ok ? client.complete(r.value.sid, r.value.ttlS, r.value.deviceProofHex) : undefined };
  };
  return { auth, keys, failures, login };
}

function loggedIn(r: ReturnType<typeof rig>, now: number, role: Role): HostSession {
  const { session } = r.login(now, role);
  if (!session) throw new Error('login failed');
  return session;
}

/** verify, and accept when verified (what the dispatcher does for a frame it answers). */
function send(auth: Auth, now: number, s: HostSession, seq: number, text = `${seq} BOLUS`) {
  const v = auth.verify(now, s.sid, macFor(s.ks, s.sid, text), text, seq);
  if (v.ok) expect(auth.accept(now, s.sid, seq)).toBe(true);
  return v;
}

const code = (r: { ok: boolean; error?: { code: number } }): number | 'ok' => (r.ok ? 'ok' : r.error!.code);

describe('HELLO and AUTH', () => {
  it('opens a session both sides agree on, whose frames verify until BYE', () => {
    const r = rig();
    const { r: granted, session } = r.login(0, 'clinician');
    expect(granted.ok && granted.value.ttlS).toBe(SESSION_IDLE_MS / 1000);
    expect(session?.sid).toMatch(/^[0-9a-f]{8}$/);
    const v = send(r.auth, 10, session!, 1, '1 PAUSE');
    expect(v.ok && v.value.role).toBe('clinician');
    expect(v.ok && v.value.session.lastSeq).toBe(0); // verify reports the state before accept
    expect(r.auth.session(10, session!.sid)?.lastSeq).toBe(1);
    expect(r.auth.sessionsOpen(10)).toBe(1);
    expect(r.auth.bye(session!.sid)).toBe(true);
    expect(code(send(r.auth, 20, session!, 2))).toBe(508);
    expect(r.auth.sessionsOpen(20)).toBe(0);
    expect(r.failures).toEqual([]);
  });

  it('gives a new nonce on every HELLO', () => {
    const r = rig();
    const a = r.auth.hello(0).nonceHex;
    const b = r.auth.hello(0).nonceHex;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).not.toBe(a);
  });

  it('refuses a wrong key, a wrong role, an unknown role and a role without a key', () => {
    const r = rig(['patient', 'clinician']);
    expect(code(r.login(0, 'patient', KEYS.clinician).r)).toBe(510);
    // A proof made with the patient key and role, sent as clinician.
    const client = new AuthClient('patient', KEYS.patient, countingEntropy(1));
    const req = client.request(r.auth.hello(0).nonceHex);
    const asClinician = r.auth.authenticate(0, 'clinician', req.hostNonceHex, req.proofHex);
    expect(code(asClinician)).toBe(510);
    r.auth.hello(100_000);
    expect(code(r.auth.authenticate(100_000, 'admin', req.hostNonceHex, req.proofHex))).toBe(503);
    const noKey = r.login(200_000, 'service');
    expect(code(noKey.r)).toBe(510);
    expect(!noKey.r.ok && noKey.r.error.message).toMatch(/service role has no key/);
    expect(r.failures.map((f) => [f.role, f.why])).toEqual([
      ['patient', 'bad-proof'],
      ['clinician', 'bad-proof'],
      ['admin', 'unknown-role'],
      ['service', 'no-key'],
    ]);
  });

  it('uses each nonce for one AUTH only, success or not, and replaces it on HELLO', () => {
    const r = rig();
    const client = new AuthClient('patient', KEYS.patient, countingEntropy(1));
    const req = client.request(r.auth.hello(0).nonceHex);
    expect(code(r.auth.authenticate(0, 'patient', req.hostNonceHex, req.proofHex))).toBe('ok');
    const again = r.auth.authenticate(1, 'patient', req.hostNonceHex, req.proofHex);
    expect(!again.ok && again.error.message).toMatch(/no HELLO/);
    // A newer HELLO replaces the nonce a prepared proof was made for.
    const old = client.request(r.auth.hello(2).nonceHex);
    r.auth.hello(3);
    expect(code(r.auth.authenticate(4, 'patient', old.hostNonceHex, old.proofHex))).toBe(510);
    expect(r.failures.map((f) => f.why)).toEqual(['no-hello', 'bad-proof']);
  });

  it('keeps a nonce 30 s and no longer', () => {
    const r = rig();
    const inTime = new AuthClient('patient', KEYS.patient, countingEntropy(1)).request(r.auth.hello(1_000).nonceHex);
    expect(code(r.auth.authenticate(1_000 + NONCE_TTL_MS, 'patient', inTime.hostNonceHex, inTime.proofHex))).toBe('ok');
    const late = new AuthClient('patient', KEYS.patient, countingEntropy(2)).request(r.auth.hello(50_000).nonceHex);
    const refused = r.auth.authenticate(50_001 + NONCE_TTL_MS, 'patient', late.hostNonceHex, late.proofHex);
    expect(!refused.ok && refused.error.message).toMatch(/nonce expired/);
    expect(r.failures.map((f) => f.why)).toEqual(['nonce-expired']);
  });

  it('lets the host reject a pump that does not hold the key', () => {
    const r = rig();
    const client = new AuthClient('patient', KEYS.patient, countingEntropy(1));
    const req = client.request(r.auth.hello(0).nonceHex);
    const granted = r.auth.authenticate(0, 'patient', req.hostNonceHex, req.proofHex);
    if (!granted.ok) throw new Error('refused');
    const forged = granted.value.deviceProofHex.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(client.complete(granted.value.sid, 300, forged)).toBeUndefined();
    expect(client.complete(granted.value.sid, 300, granted.value.deviceProofHex)).toBeUndefined(); // the exchange is over
  });

  it('keeps at most MAX_SESSIONS, ending the least recently used', () => {
    const r = rig();
    const sessions = Array.from({ length: MAX_SESSIONS }, (_, i) => loggedIn(r, i, 'patient'));
    expect(send(r.auth, 10, sessions[0]!, 1).ok).toBe(true); // sessions[1] is now the least recent
    loggedIn(r, 20, 'clinician');
    expect(r.auth.sessionsOpen(20)).toBe(MAX_SESSIONS);
    expect(code(send(r.auth, 30, sessions[1]!, 1))).toBe(508);
    expect(code(send(r.auth, 30, sessions[0]!, 2))).toBe('ok');
  });
});

describe('AUTH lockout', () => {
  const fails = (r: ReturnType<typeof rig>, now: number) => r.login(now, 'patient', KEYS.service).r;

  it('locks for 10 s after three failures in a row, then 20 s, 40 s, up to 10 min', () => {
    const r = rig();
    expect(code(fails(r, 0))).toBe(510);
    expect(code(fails(r, 1))).toBe(510);
    const third = fails(r, 2);
    expect(!third.ok && third.error.message).toMatch(/locked for 10 s/);
    // Locked: even the right key is refused, with the time left, and no failure is reported.
    const locked = r.login(2 + FIRST_LOCK_MS - 1_500, 'patient').r;
    expect(code(locked)).toBe(511);
    expect(!locked.ok && locked.error.message).toMatch(/another 2 s/);
    expect(code(fails(r, 2 + FIRST_LOCK_MS - 1))).toBe(511);
    expect(r.auth.lockedMs(2 + FIRST_LOCK_MS - 1)).toBe(1);
    // Each further failure doubles the lock.
    let t = 2 + FIRST_LOCK_MS;
    for (const lockS of [20, 40, 80, 160, 320, 600, 600]) {
      expect(r.auth.lockedMs(t)).toBe(0);
      const f = fails(r, t);
      expect(!f.ok && f.error.message).toMatch(new RegExp(`locked for ${lockS} s`));
      expect(code(fails(r, t + lockS * 1000 - 1))).toBe(511);
      t += lockS * 1000;
    }
    expect(r.failures.map((f) => f.lockMs)).toEqual([0, 0, 10, 20, 40, 80, 160, 320, 600, 600].map((s) => s * 1000));
    expect(Math.max(...r.failures.map((f) => f.lockMs))).toBe(MAX_LOCK_MS);
  });

  it('starts counting again after a success', () => {
    const r = rig();
    fails(r, 0);
    fails(r, 1);
    fails(r, 2);
    expect(code(r.login(2 + FIRST_LOCK_MS, 'patient').r)).toBe('ok');
    expect(code(fails(r, 20_000))).toBe(510);
    expect(code(fails(r, 20_001))).toBe(510);
    expect(r.auth.lockedMs(20_002)).toBe(0);
    expect(code(r.login(20_002, 'patient').r)).toBe('ok');
    const third = fails(r, 20_003);
    expect(!third.ok && third.error.message).not.toMatch(/locked/);
  });
});

describe('authenticated frames', () => {
  it('rejects a MAC over other text, from another session, or malformed', () => {
    const r = rig();
    const a = loggedIn(r, 0, 'patient');
    const b = loggedIn(r, 0, 'patient');
    const mac = macFor(a.ks, a.sid, '1 BOLUS');
    expect(code(r.auth.verify(1, a.sid, mac, '1 PAUSE', 1))).toBe(507);
    expect(code(r.auth.verify(1, b.sid, mac, '1 BOLUS', 1))).toBe(507);
    expect(code(r.auth.verify(1, a.sid, macFor(b.ks, a.sid, '1 BOLUS'), '1 BOLUS', 1))).toBe(507);
    expect(code(r.auth.verify(1, a.sid, mac.toUpperCase(), '1 BOLUS', 1))).toBe(507);
    expect(code(r.auth.verify(1, a.sid, mac.slice(0, 15), '1 BOLUS', 1))).toBe(507);
    expect(code(r.auth.verify(1, a.sid, mac, '1 BOLUS', 1))).toBe('ok');
    expect(code(r.auth.verify(1, 'deadbeef', mac, '1 BOLUS', 1))).toBe(508);
  });

  it('signs frames as "<signed> #<mac>" over "<sid> <signed>"', () => {
    const r = rig();
    const s = loggedIn(r, 0, 'patient');
    const expected = createHmac('sha256', s.ks).update(`${s.sid} 7 BOLUS`).digest('hex').slice(0, 16);
    expect(signFrame(s, '7 BOLUS')).toBe(`7 BOLUS #${expected}`);
  });

  it('refuses a sequence number not above the last accepted, and verify alone changes nothing', () => {
    const r = rig();
    const s = loggedIn(r, 0, 'patient');
    const m = (seq: number) => macFor(s.ks, s.sid, `${seq} BOLUS`);
    expect(code(r.auth.verify(1, s.sid, m(5), '5 BOLUS', 5))).toBe('ok');
    expect(code(r.auth.verify(2, s.sid, m(5), '5 BOLUS', 5))).toBe('ok'); // not accepted yet
    expect(r.auth.accept(2, s.sid, 5)).toBe(true);
    expect(r.auth.accept(2, s.sid, 5)).toBe(false);
    const replay = r.auth.verify(3, s.sid, m(5), '5 BOLUS', 5);
    expect(code(replay)).toBe(509);
    expect(!replay.ok && replay.error.message).toMatch(/not greater than the last \(5\)/);
    expect(code(r.auth.verify(3, s.sid, m(4), '4 BOLUS', 4))).toBe(509);
    expect(code(send(r.auth, 4, s, 6))).toBe('ok');
    expect(r.auth.accept(5, 'deadbeef', 7)).toBe(false);
  });

  it('ends a session after 5 min without an accepted frame (verify does not count)', () => {
    const r = rig();
    const s = loggedIn(r, 0, 'patient');
    expect(code(send(r.auth, SESSION_IDLE_MS, s, 1))).toBe('ok');
    const t = SESSION_IDLE_MS;
    expect(code(r.auth.verify(t + SESSION_IDLE_MS, s.sid, macFor(s.ks, s.sid, '2 BOLUS'), '2 BOLUS', 2))).toBe('ok');
    expect(code(r.auth.verify(t + SESSION_IDLE_MS + 1, s.sid, macFor(s.ks, s.sid, '2 BOLUS'), '2 BOLUS', 2))).toBe(508);
    expect(r.auth.session(t + SESSION_IDLE_MS + 1, s.sid)).toBeUndefined();
    expect(r.auth.sessionsOpen(t + SESSION_IDLE_MS + 1)).toBe(0);
  });

  it('ends a session 30 min after it began however busy', () => {
    const r = rig();
    const s = loggedIn(r, 1_000, 'clinician');
    let seq = 0;
    for (let t = 1_000 + 240_000; t <= 1_000 + SESSION_MAX_MS; t += 240_000) expect(code(send(r.auth, t, s, ++seq))).toBe('ok');
    expect(code(send(r.auth, 1_000 + SESSION_MAX_MS, s, ++seq))).toBe('ok');
    expect(code(send(r.auth, 1_000 + SESSION_MAX_MS + 1, s, ++seq))).toBe(508);
  });
});

describe('keys', () => {
  const NEW = bytesToHex(key(0xab));

  it('provisions without a session only inside the window opened at boot', () => {
    const r = rig([]);
    expect(code(r.auth.provision(0, 'service', NEW))).toBe(514);
    r.auth.openProvisioning(1_000);
    expect(r.auth.provisioningOpen(1_000)).toBe(true);
    expect(code(r.auth.provision(1_000 + PROVISIONING_WINDOW_MS - 1, 'service', NEW))).toBe('ok');
    expect(code(r.auth.provision(1_000 + PROVISIONING_WINDOW_MS, 'patient', NEW))).toBe(514);
    expect(r.keys.get('service')).toEqual(key(0xab));
    expect(r.keys.get('patient')).toBeUndefined();
    expect(code(r.login(200_000, 'service', key(0xab)).r)).toBe('ok');
  });

  it('checks role and key before storing', () => {
    const r = rig([]);
    r.auth.openProvisioning(0, 10_000);
    expect(code(r.auth.provision(0, 'service', NEW.slice(2)))).toBe(515);
    expect(code(r.auth.provision(0, 'service', NEW.toUpperCase()))).toBe(515);
    expect(code(r.auth.provision(0, 'service', `${NEW.slice(1)}g`))).toBe(515);
    expect(code(r.auth.provision(0, 'root', NEW))).toBe(503);
    expect(code(r.auth.provision(10_000, 'service', NEW))).toBe(514);
    expect(r.keys.get('service')).toBeUndefined();
  });

  it('rotates a key: sessions of that role end, the old key stops working, others carry on', () => {
    const r = rig();
    const patient = loggedIn(r, 0, 'patient');
    const clinician = loggedIn(r, 0, 'clinician');
    expect(code(r.auth.setKey('patient', NEW))).toBe('ok');
    expect(code(send(r.auth, 1, patient, 1))).toBe(508);
    expect(code(send(r.auth, 1, clinician, 1))).toBe('ok');
    expect(code(r.login(2, 'patient').r)).toBe(510);
    expect(code(r.login(3, 'patient', key(0xab)).r)).toBe('ok');
  });

  it('keeps copies, so a caller cannot change a stored key', () => {
    const store = new MemoryKeyStore();
    const k = key(4);
    store.set('patient', k);
    k.fill(0);
    store.get('patient')!.fill(0);
    expect(store.get('patient')).toEqual(key(4));
  });
});

describe('hex and constant-time comparison', () => {
  it('compares bytes and hex correctly wherever they differ', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (a, at, flip) => {
        expect(equalBytes(a, a.slice())).toBe(true);
        expect(equalHex(bytesToHex(a), bytesToHex(a.slice()))).toBe(true);
        if (a.length > 0) {
          const b = a.slice();
          b[at % a.length]! ^= flip;
          expect(equalBytes(a, b)).toBe(false);
          expect(equalHex(bytesToHex(a), bytesToHex(b))).toBe(false);
          expect(equalBytes(a, a.subarray(1))).toBe(false);
        }
      }),
    );
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(equalHex('ab', 'abc')).toBe(false);
    expect(equalHex('00', '80')).toBe(false);
  });

  it('round-trips hex and refuses anything but lower-case pairs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
        expect(hexToBytes(bytesToHex(a))).toEqual(a);
      }),
    );
    expect(bytesToHex(Uint8Array.of(0, 0x0f, 0xa0, 0xff))).toBe('000fa0ff');
    expect(hexToBytes('abc')).toBeUndefined();
    expect(hexToBytes('AB')).toBeUndefined();
    expect(hexToBytes('zz')).toBeUndefined();
    expect(isHex('00ff', 4)).toBe(true);
    expect(isHex('00ff', 6)).toBe(false);
  });

  it('reads ASCII one byte a character and refuses anything wider', () => {
    expect([...asciiBytes('A 7~')]).toEqual([0x41, 0x20, 0x37, 0x7e]);
    expect(() => asciiBytes('\u0141')).toThrow(RangeError);
  });
});

describe('fixed vectors', () => {
  // Every value computed by Node's createHmac too, so @noble/hashes is checked against an
  // independent implementation; the literals catch a change in what is hashed.
  const K = Uint8Array.from({ length: 32 }, (_, i) => i);
  const ND = '000102030405060708090a0b0c0d0e0f';
  const NH = 'f0e0d0c0b0a090807060504030201000';
  const SID = '0badc0de';
  const RECORDED = {
    proof: 'ff5891a9b7e52d826cfb1758842d1308',
    device: 'a9ba5493d350f6c42e460b8aa85cc205',
    ks: '87fbb0b57fdba5511793481be386d90ccaa96faa661d729dddf7fc468c238d34',
    mac: '9564b7eed15ac435',
  };
  const node = (k: Uint8Array, text: string, bytes: number) => createHmac('sha256', k).update(text, 'latin1').digest().subarray(0, bytes);
  /** Nd for HELLO, then the sid; any other draw is a test error. */
  const scripted = (...chunks: string[]): Entropy => ({
    bytes: (n) => {
      const c = hexToBytes(chunks.shift() ?? '');
      if (!c || c.length !== n) throw new Error(`unscripted draw of ${n}`);
      return c;
    },
  });

  it('gives the same proofs, session key and MAC as Node, and as recorded', () => {
    const keys = new MemoryKeyStore();
    keys.set('clinician', K);
    const auth = new Auth({ entropy: scripted(ND, SID), digest: nobleDigest, keys });
    const client = new AuthClient('clinician', K, scripted(NH));
    expect(auth.hello(0).nonceHex).toBe(ND);
    const req = client.request(ND);
    expect(req.hostNonceHex).toBe(NH);
    expect(req.proofHex).toBe(node(K, `AUTH${ND}${NH}clinician`, 16).toString('hex'));
    const granted = auth.authenticate(0, 'clinician', NH, req.proofHex);
    if (!granted.ok) throw new Error(granted.error.message);
    expect(granted.value.sid).toBe(SID);
    expect(granted.value.deviceProofHex).toBe(node(K, `PUMP${ND}${NH}${SID}`, 16).toString('hex'));
    const s = client.complete(SID, granted.value.ttlS, granted.value.deviceProofHex)!;
    const ks = node(K, `SESSION${ND}${NH}${SID}`, 32);
    expect(bytesToHex(s.ks)).toBe(ks.toString('hex'));
    const mac = macFor(s.ks, SID, '42 CBOLUS 50000 60000');
    expect(mac).toBe(node(ks, `${SID} 42 CBOLUS 50000 60000`, 8).toString('hex'));
    expect(code(auth.verify(0, SID, mac, '42 CBOLUS 50000 60000', 42))).toBe('ok');

    expect({ proof: req.proofHex, device: granted.value.deviceProofHex, ks: bytesToHex(s.ks), mac }).toEqual(RECORDED);
  });

  it("gives the same frame MAC from a session key's pads as a whole HMAC, and as Node", () => {
    // Auth.verify uses the pads (made once per session); the host signs with frameMacWith.
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.string({ maxLength: 100 }).filter((t) => /^[\x20-\x7e]*$/.test(t)),
        (k, text) => {
          const mac = frameMacWithPads(nobleDigest, keyPads(k), SID, text);
          expect(mac).toBe(frameMacWith(nobleDigest, k, SID, text));
          expect(mac).toBe(node(k, `${SID} ${text}`, 8).toString('hex'));
        },
      ),
    );
    expect(() => keyPads(new Uint8Array(65))).toThrow(RangeError);
  });

  it('matches RFC 4231 test case 2 for HMAC-SHA256 itself', () => {
    const k = asciiBytes('Jefe');
    expect(createHmac('sha256', k).update('what do ya want for nothing?').digest('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(bytesToHex(hmacSha256(k, 'what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

describe('worked example (docs/protocol.md)', () => {
  it('prints five lines with valid CRCs and a MAC that verifies, the same every time', () => {
    const x = protocolExample();
    expect(x.keyHex).toBe(bytesToHex(EXAMPLE_KEY));
    expect(x.lines.map((l) => l.line.split(' ')[0])).toEqual(['HELLO', 'OK', '6', '6', '7']);
    for (const { line } of x.lines.slice(1)) {
      const star = line.lastIndexOf(' *');
      expect(line.slice(star + 2)).toBe(crc16Hex(line.slice(0, star)));
    }
    expect(x.lines[4]!.line).toMatch(/^7 BOLUS #[0-9a-f]{16} \*[0-9A-F]{4}$/);
    const bolus = parseFrame(x.lines[4]!.line);
    expect(bolus.ok && [bolus.value.signedText, bolus.value.mac]).toEqual([x.bolusSigned, x.bolusMac]);
    const ks = hexToBytes(x.sessionKeyHex)!;
    expect(x.bolusMac).toBe(createHmac('sha256', ks).update(`${x.sid} 7 BOLUS`).digest('hex').slice(0, 16));
    expect(renderProtocolExample()).toBe(renderProtocolExample());
    expect(renderProtocolExample()).toContain('EXAMPLE ONLY');
  });
});
