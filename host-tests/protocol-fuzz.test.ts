// Fuzzing the protocol with real sessions against a twin (host/protocol/fuzz.ts; a smaller run
// than the benchmark's million): signed frames among mutated, replayed and escalated ones, the
// clock moving between them, the whole state compared with a twin that got only what the spec
// allows. And the oracle's own test: with the MAC, role or sequence check taken out of the
// pump under attack, it must find violations.
import { describe, expect, it } from 'vitest';
import { ok } from '../firmware/core/errors';
import { lineBytes } from '../firmware/shared/crc';
import { withCrc } from '../firmware/protocol/frame';
import { AuthClient } from '../host/protocol/auth-client';
import { fuzzProtocol } from '../host/protocol/fuzz';
import { FUZZ_MECHANICS, fuzzPump, pumpState } from '../host/protocol/fuzz-state';
import type { LinkedPump } from '../host/protocol/virtual-link';
import { exampleKey } from '../host/protocol/virtual-link';
import { LIBRARY_JSON } from './fixtures';

describe('protocol fuzz with sessions', () => {
  it('10 000 frames: no unauthorised change, sessions as the spec says, no exception', () => {
    const r = fuzzProtocol(LIBRARY_JSON, 10_000, 1234);
    expect(r.firstViolations).toEqual([]);
    expect(r.violations).toBe(0);
    expect(r.frames).toBeGreaterThanOrEqual(10_000);
    // It really held sessions, signed frames that acted, and had frames refused.
    expect(r.host.loginsWon).toBeGreaterThan(100);
    expect(r.authentic).toBeGreaterThan(1_000);
    expect(r.refusedSigned).toBeGreaterThan(1_000);
    expect(r.simulatedMs).toBeGreaterThan(3_600_000);
  });

  /** Violations that are the oracle's own findings (not a firmware exception). */
  const tampered = (tamper: (lp: LinkedPump) => void): number => {
    const k = fuzzProtocol(LIBRARY_JSON, 3_000, 99, { tamper }).violationKinds;
    return k.state + k.session;
  };

  it('sees a pump that skips the MAC check', () => {
    expect(
      tampered((lp) => {
        const verify = lp.auth.verify.bind(lp.auth);
        lp.auth.verify = (now, sid, mac, text, seq) => {
          const r = verify(now, sid, mac, text, seq);
          const s = lp.auth.session(now, sid);
          return !r.ok && r.error.code === 507 && s && seq > s.lastSeq ? ok({ role: s.role, session: s }) : r;
        };
      }),
    ).toBeGreaterThan(0);
  });

  it('sees a pump that lets every session act as service', () => {
    expect(
      tampered((lp) => {
        const verify = lp.auth.verify.bind(lp.auth);
        lp.auth.verify = (...args) => {
          const r = verify(...args);
          return r.ok ? ok({ ...r.value, role: 'service' as const }) : r;
        };
      }),
    ).toBeGreaterThan(0);
  });

  it('sees a pump that takes an old sequence number', () => {
    expect(
      tampered((lp) => {
        const verify = lp.auth.verify.bind(lp.auth);
        lp.auth.verify = (now, sid, mac, text, seq) => verify(now, sid, mac, text, Math.max(seq, (lp.auth.session(now, sid)?.lastSeq ?? 0) + 1));
      }),
    ).toBeGreaterThan(0);
  });

  it('its state sees what a valid frame changes', () => {
    const p = fuzzPump(LIBRARY_JSON);
    const c = p.lp.client();
    c.login('clinician', exampleKey('clinician'));
    for (const [cmd, ...args] of [['PAUSE'], ['LOWRES', 123], ['CLOCK', 1000]] as const) {
      const before = pumpState(p, []).text;
      expect(c.send(cmd, ...args).ok).toBe(true);
      expect(pumpState(p, []).text).not.toBe(before);
    }
  });

  // Found by the fuzzer (issue 15): MECH to a finer microstep while paused after delivery, then
  // RESUME: the volume left below one old microstep was one or more new ones, the engine's
  // next step fell before its last, and the controller set 0 ms timers for ever.
  it('a finer microstep set while paused after delivery, then RESUME: delivery goes on', () => {
    const p = fuzzPump(LIBRARY_JSON);
    const c = p.lp.client();
    p.lp.vp.runFor(3_600_000);
    c.login('service', exampleKey('service'));
    expect(c.send('PAUSE').ok).toBe(true);
    expect(c.send('MECH', FUZZ_MECHANICS.syringe, FUZZ_MECHANICS.leadUm, FUZZ_MECHANICS.fullStepsPerRev, 32).ok).toBe(true);
    expect(c.send('RESUME').ok).toBe(true);
    const before = p.lp.vp.controller.status().deliveredNl;
    p.lp.vp.runFor(3_600_000);
    expect(p.lp.vp.controller.pump.alarms.list().map((a) => a.name)).not.toContain('LOOP_STALLED');
    expect(p.lp.vp.controller.status().deliveredNl).toBeGreaterThan(before);
  });

  // Found by the benchmark's million (issue 15): a refused unsigned frame that reused a number
  // evicted the retry cache's entry for it before it was refused, so a host's retry of its
  // AUTH (a lost reply) ran again: refused, and counted toward the lockout.
  it("an unauthorised frame with an AUTH's number leaves the AUTH's cached reply for its retry", () => {
    const p = fuzzPump(LIBRARY_JSON);
    const send = (text: string): string[] => {
      p.lp.written.length = 0;
      p.lp.link.receive(lineBytes(`${text}\n`));
      return p.lp.written.filter((l) => !l.startsWith('!'));
    };
    const nonce = /nonce=([0-9a-f]{32})/.exec(send('HELLO').join(' '))![1]!;
    const req = new AuthClient('patient', exampleKey('patient')).request(nonce);
    const auth = withCrc(`5 AUTH patient ${req.hostNonceHex} ${req.proofHex}`);
    const granted = send(auth);
    expect(granted[0]).toMatch(/^5 OK session=/);
    expect(send(withCrc('5 SHOW'))[0]).toMatch(/^5 ERR 505 /);
    expect(send(auth)).toEqual(granted);
    expect(p.lp.auth.failures).toBe(0);
  });
});
