// The programming link's security glue, one copy for every build (the device, the virtual board,
// the tests' linked pump): an Auth whose failures are security events and whose lockout is kept
// in NVS across resets, and physical presence (the service pin held at boot, the service
// button after it), the one thing that clears a lockout. Anyone on the line can keep AUTH
// locked in 10-minute blocks by failing on purpose; a person at the rig ends that
// (docs/protocol.md, "When AUTH is locked").

import type { Controller } from './controller';
import { reason } from '../core/events';
import type { Entropy, KeyStore } from '../protocol/auth';
import { Auth } from '../protocol/auth';
import { StoredLockout } from '../storage/auth-lock';
import type { Digest } from '../ports/digest';
import type { RecordStore } from '../storage/records';

export interface SecurityOptions {
  readonly controller: Controller;
  readonly entropy: Entropy;
  /** The SDK's native digest on the device, @noble/hashes on the host (firmware/ports/digest.ts). */
  readonly digest: Digest;
  readonly keys: KeyStore;
  /** NVS records: with them the lockout survives a reset (without, it lives in RAM). */
  readonly records?: RecordStore;
}

/** The Auth of the programming link; a lockout carried over from before the reset is an event. */
export function createAuth(o: SecurityOptions): Auth {
  const c = o.controller;
  const auth = new Auth({
    entropy: o.entropy,
    digest: o.digest,
    keys: o.keys,
    onAuthFailure: (_now, role, why, lockMs) => c.note('security', reason('AUTH_FAILED', `${role}: ${why}`), { role, why, lockMs }),
    ...(o.records && { lockout: new StoredLockout(o.records), nowMs: c.now() }),
  });
  const b = auth.lockoutAtBoot;
  if (b.kind !== 'none') {
    const detail = b.kind === 'lost' ? 'its record was unreadable: locked for the first step as a precaution' : `${b.failures} failure(s) in a row`;
    c.note('security', reason('AUTH_LOCK_RESTORED', detail), { failures: b.failures, lockMs: b.lockMs, lost: b.kind === 'lost' });
  }
  return auth;
}

/**
 * A person at the rig (the service pin held at boot, or the service button pressed): clears
 * the AUTH lockout and its failures, as an event. False when there was nothing to clear.
 */
export function physicalPresence(auth: Auth, controller: Controller): boolean {
  const now = controller.now();
  const failures = auth.failures;
  const lockMs = auth.lockedMs(now);
  if (!auth.clearLockout(now)) return false;
  controller.note('security', reason('AUTH_LOCK_CLEARED'), { failures, lockMs });
  return true;
}

/** The service pin held at boot: the provisioning window opens and any lockout is cleared. */
export function servicePinAtBoot(auth: Auth, controller: Controller, windowMs?: number): void {
  auth.openProvisioning(controller.now(), windowMs);
  controller.note('security', reason('PROVISIONING_OPEN'), {});
  physicalPresence(auth, controller);
}
