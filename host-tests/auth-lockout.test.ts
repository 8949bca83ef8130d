// The AUTH lockout across resets (issue 14, item 5): a power cycle used to clear it (600 s
// left, then a bad AUTH right after the restart got E510, not E511). Now the failures and the
// lock are kept in NVS, a reboot never shortens the lock, an unreadable record fails safe, and
// a person at the rig (the service pin or button) clears it. Each "reboot" is a new board
// booted from the NVS the last one left; time is virtual.
import { describe, expect, it } from 'vitest';
import type { LockoutMemory, LockoutStore } from '../firmware/protocol/auth';
import { Auth, FIRST_LOCK_MS, MAX_LOCK_MS, MemoryKeyStore } from '../firmware/protocol/auth';
import { nobleDigest } from '../host/protocol/digest-noble';
import { lineBytes } from '../firmware/shared/crc';
import type { BoardCoreOptions } from '../host/board/core';
import { BoardCore } from '../host/board/core';
import { parseLogLine } from '../host/cli/history';
import { statusView } from '../host/cli/commands/status';
import { ProtocolClient } from '../host/protocol/client';
import { createLinkedPump, exampleKey, seededEntropy } from '../host/protocol/virtual-link';
import type { VirtualPumpOptions } from '../host/sim/virtual-pump';
import { MockFlash, PowerCut } from '../host/storage/flash-mock';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { continuous, LIBRARY_JSON } from './fixtures';
import { EXAMPLE_CORE } from '../host/board/example-core';

const S = 1_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const WRONG = new Uint8Array(32).fill(0x5a);
const LOCKS_S = [10, 20, 40, 80, 160, 320, 600];

const options = (kv: MockKeyValueStore): VirtualPumpOptions => ({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: continuous(1_000_000), storage: kv });

/** Fails AUTH until the lock is `lockS` seconds long (waiting out each lock before the next try). */
function failUntil(lp: ReturnType<typeof createLinkedPump>, lockS: number): void {
  const c = lp.client();
  for (let i = 0; i < 2; i++) expect(c.login('clinician', WRONG).code).toBe(510);
  for (const s of LOCKS_S) {
    const r = c.login('clinician', WRONG);
    expect(r.code).toBe(510);
    expect(r.message).toMatch(new RegExp(`locked for ${s} s`));
    if (s === lockS) return;
    lp.vp.runFor(s * S);
  }
}

describe('the AUTH lockout across a reboot', () => {
  it('600 s left, then a reboot: a bad AUTH right after it gets E511, and so does the right key, until the lock is over', () => {
    const kv = new MockKeyValueStore();
    const first = createLinkedPump(options(kv));
    failUntil(first, 600);
    const second = createLinkedPump(options(kv));
    const c = second.client();
    const bad = c.login('clinician', WRONG);
    expect(bad.code).toBe(511);
    expect(bad.message).toMatch(/another 600 s/);
    expect(c.login('clinician', exampleKey('clinician')).code).toBe(511);
    expect(statusView(c.query('STATUS').fields).authLockS).toBe(600);
    // The restored lock is an event (and so in the history): what a lab sees first.
    const restored = second.vp.events.filter((e) => e.reason.code === 'AUTH_LOCK_RESTORED');
    expect(restored.map((e) => [e.data['failures'], e.data['lockMs'], e.data['lost']])).toEqual([[9, 600 * S, false]]);
    second.vp.runFor(600 * S - 1);
    expect(c.login('clinician', exampleKey('clinician')).code).toBe(511);
    second.vp.runFor(1);
    expect(c.login('clinician', exampleKey('clinician')).ok).toBe(true);
    expect(statusView(c.query('STATUS').fields).authLockS).toBe(0);
  });

  it('a reboot never shortens a lock: 300 s left before it, at least 300 s after (the clock carries on)', () => {
    const kv = new MockKeyValueStore();
    const first = createLinkedPump(options(kv));
    failUntil(first, 600);
    first.vp.runFor(300 * S);
    const second = createLinkedPump(options(kv));
    const now = second.vp.controller.now();
    expect(second.auth.lockedMs(now)).toBeGreaterThanOrEqual(300 * S);
    expect(second.auth.lockedMs(now)).toBeLessThanOrEqual(MAX_LOCK_MS);
  });

  it('the failures carry on: after the lock passes, the next failure doubles it (20 s), not counts from 1', () => {
    const kv = new MockKeyValueStore();
    const first = createLinkedPump(options(kv));
    failUntil(first, 10);
    const second = createLinkedPump(options(kv));
    second.vp.runFor(10 * S);
    const r = second.client().login('patient', WRONG);
    expect(r.code).toBe(510);
    expect(r.message).toMatch(/locked for 20 s/);
  });

  it('a success clears it for good: no lock and no failures after the next reboot', () => {
    const kv = new MockKeyValueStore();
    const first = createLinkedPump(options(kv));
    failUntil(first, 10);
    first.vp.runFor(10 * S);
    expect(first.client().login('clinician', exampleKey('clinician')).ok).toBe(true);
    const second = createLinkedPump(options(kv));
    expect(second.auth.failures).toBe(0);
    expect(second.vp.events.some((e) => e.reason.code === 'AUTH_LOCK_RESTORED')).toBe(false);
    expect(second.client().login('clinician', WRONG).message).not.toMatch(/locked/);
  });

  it('an unreadable record fails safe: locked for the first step (10 s), said by an event', () => {
    const kv = new MockKeyValueStore();
    const first = createLinkedPump(options(kv));
    expect(first.client().login('clinician', WRONG).code).toBe(510);
    expect(first.client().login('clinician', exampleKey('clinician')).ok).toBe(true); // both slots written
    for (const slot of ['authlock.a', 'authlock.b']) for (let i = 0; i < 8; i++) kv.corrupt(slot, i);
    const second = createLinkedPump(options(kv));
    const c = second.client();
    expect(c.login('clinician', exampleKey('clinician')).message).toMatch(/another 10 s/);
    const lost = second.vp.events.filter((e) => e.reason.code === 'AUTH_LOCK_RESTORED');
    expect(lost.map((e) => [e.data['lockMs'], e.data['lost']])).toEqual([[FIRST_LOCK_MS, true]]);
    second.vp.runFor(FIRST_LOCK_MS);
    expect(c.login('clinician', exampleKey('clinician')).ok).toBe(true);
  });

  it('a board that never failed (or a new one) is not locked', () => {
    const kv = new MockKeyValueStore();
    createLinkedPump(options(kv));
    const second = createLinkedPump(options(kv));
    expect(second.client().login('clinician', exampleKey('clinician')).ok).toBe(true);
  });

  it('a power cut at any step of an AUTH cannot buy a guess: an answered failure is always counted after the reboot', () => {
    // Every NVS step an attempt makes, cut in turn: the pump either answered (and the failure
    // is stored) or the power went before it could answer.
    for (let attempt = 0; attempt < 5; attempt++) {
      for (let step = 0; step < 4; step++) {
        const kv = new MockKeyValueStore();
        const first = createLinkedPump(options(kv));
        const c = first.client();
        for (let i = 0; i < attempt; i++) {
          c.login('clinician', WRONG);
          first.vp.runFor(MAX_LOCK_MS);
        }
        const hello = c.query('HELLO');
        expect(hello.ok).toBe(true);
        kv.cutAtStep(step);
        let answered: boolean;
        try {
          const r = c.login('clinician', WRONG);
          answered = r.code === 510 || r.code === 511;
        } catch (e) {
          if (!(e instanceof PowerCut)) throw e;
          answered = false;
        }
        kv.reboot();
        const second = createLinkedPump(options(kv));
        expect(second.auth.failures, `attempt ${attempt + 1}, cut at step ${step}`).toBe(attempt + (answered ? 1 : 0));
      }
    }
  });
});

describe('physical presence clears it (the virtual board, as the device wires it)', () => {
  const CORE: BoardCoreOptions = { ...EXAMPLE_CORE, keys: { clinician: '22'.repeat(32) }, keysMode: 'always' };

  const client = (core: BoardCore): ProtocolClient =>
    new ProtocolClient(
      (line) =>
        core
          .receive(lineBytes(`${line}\n`))
          .out.split(/\r?\n/)
          .filter((l) => l.length > 0),
      seededEntropy(3),
    );

  it('locked out, restarted (still locked), then the service button: AUTH works at once, and the history says who cleared it', () => {
    const s1 = BoardCore.start(CORE);
    if (!s1.ok) throw new Error('refused');
    const c1 = client(s1.core);
    for (let i = 0; i < 3; i++) c1.login('clinician', WRONG);
    expect(c1.login('clinician', exampleKey('clinician')).code).toBe(511);
    // A power cycle: the next board boots from the images this one left.
    const s2 = BoardCore.start({ ...CORE, nvs: s1.core.nvsImage() }, s1.core.flashImage());
    if (!s2.ok) throw new Error('refused');
    const core = s2.core;
    const c2 = client(core);
    expect(c2.login('clinician', exampleKey('clinician')).code).toBe(511);
    const pressed = core.key('service');
    expect(pressed.said.text).toMatch(/AUTH lockout cleared/);
    expect(pressed.events.map((e) => e.reason.code)).toContain('AUTH_LOCK_CLEARED');
    expect(c2.login('clinician', exampleKey('clinician')).ok).toBe(true);
    const log: string[] = [];
    for (let from = 0; ; ) {
      const before = c2.received.length;
      const r = c2.query('LOG', from, 20);
      log.push(...c2.received.slice(before));
      if (!r.ok || r.fields['n'] === '0') break;
      from = Number(r.fields['next']);
    }
    const reasons = log
      .map(parseLogLine)
      .filter((x) => x !== undefined)
      .map((x) => x.reason);
    expect(reasons.filter((r) => r === 'AUTH_FAILED').length).toBe(3);
    expect(reasons).toContain('AUTH_LOCK_RESTORED');
    expect(reasons).toContain('AUTH_LOCK_CLEARED');
    // Cleared in NVS too: the next restart is not locked.
    const s3 = BoardCore.start({ ...CORE, nvs: core.nvsImage() }, new MockFlash().snapshot());
    if (!s3.ok) throw new Error('refused');
    expect(s3.core.auth.lockedMs(s3.core.pump.controller.now())).toBe(0);
  });
});

describe('Auth with a lockout store (the rules, without a pump)', () => {
  class Store implements LockoutStore {
    saved: LockoutMemory[] = [];
    constructor(public value: LockoutMemory | 'lost' | undefined) {}
    load(): LockoutMemory | 'lost' | undefined {
      return this.value;
    }
    save(m: LockoutMemory): void {
      this.saved.push(m);
      this.value = m;
    }
  }
  const keys = new MemoryKeyStore();
  const entropy = seededEntropy(1);

  it('a stored lock runs on from the stored end, but never longer than its own length (a clock that restarted lower)', () => {
    const stored = { failures: 5, lockedUntilMs: 1_000_000, lockMs: 40_000 };
    expect(new Auth({ entropy, digest: nobleDigest, keys, lockout: new Store(stored), nowMs: 990_000 }).lockedMs(990_000)).toBe(10_000);
    expect(new Auth({ entropy, digest: nobleDigest, keys, lockout: new Store(stored), nowMs: 0 }).lockedMs(0)).toBe(40_000);
    expect(new Auth({ entropy, digest: nobleDigest, keys, lockout: new Store(stored), nowMs: 2_000_000 }).lockedMs(2_000_000)).toBe(0);
    expect(new Auth({ entropy, digest: nobleDigest, keys, lockout: new Store(stored), nowMs: 2_000_000 }).failures).toBe(5);
  });

  it('the proof check is written ahead: the failure is stored before the answer, and a success stores the reset', () => {
    keys.set('clinician', exampleKey('clinician'));
    const store = new Store(undefined);
    const auth = new Auth({ entropy, digest: nobleDigest, keys, lockout: store, nowMs: 0 });
    const nonce = auth.hello(0).nonceHex;
    expect(auth.authenticate(0, 'clinician', 'ab'.repeat(16), 'cd'.repeat(16)).ok).toBe(false);
    expect(store.saved).toEqual([{ failures: 1, lockedUntilMs: 0, lockMs: 0 }]);
    expect(nonce).toHaveLength(32);
    expect(auth.clearLockout(5)).toBe(true);
    expect(store.value).toEqual({ failures: 0, lockedUntilMs: 0, lockMs: 0 });
    expect(auth.clearLockout(6)).toBe(false);
  });
});
