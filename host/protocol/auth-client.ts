// The host's half of AUTH (docs/protocol.md, "Authentication"), for the CLI and the tests:
// the proof from a role key and the device nonce, the check of the pump's proof, the session
// key and the MAC of each frame. It calls the firmware's own derivations (one HMAC, one hex
// codec), so host and pump cannot compute different bytes. No Node APIs.

import { randomBytes } from '@noble/hashes/utils.js';
import type { Entropy, Role } from '../../firmware/protocol/auth';
import { NONCE_BYTES } from '../../firmware/protocol/auth';
import { authProofHex, deviceProofHex, frameMacHex, sessionKey } from './digest-noble';
import { bytesToHex, equalHex } from '../../firmware/shared/hex';

export { authProofHex, deviceProofHex, sessionKey } from './digest-noble';

/** The MAC (16 hex) of a frame: `signedText` is the line up to the space before "#". */
export function macFor(ks: Uint8Array, sid: string, signedText: string): string {
  return frameMacHex(ks, sid, signedText);
}

/** An open session as the host holds it: enough to sign every later frame. */
export interface HostSession {
  readonly role: Role;
  readonly sid: string;
  readonly ks: Uint8Array;
  readonly ttlS: number;
}

/** What the host puts in `<seq> AUTH <role> <nonce> <proof>`. */
export interface AuthRequest {
  readonly role: Role;
  readonly hostNonceHex: string;
  readonly proofHex: string;
}

/** The system's random source (Web Crypto, present in Node 20 and browsers). */
export const systemEntropy: Entropy = { bytes: (n) => randomBytes(n) };

/**
 * One AUTH exchange from the host's side: `request` after HELLO's reply, `complete` with the
 * AUTH reply's fields. Holds the nonces in between, so the pump's proof is checked against
 * exactly the exchange that produced it.
 */
export class AuthClient {
  readonly #role: Role;
  readonly #key: Uint8Array;
  readonly #entropy: Entropy;
  #pending: { readonly deviceNonceHex: string; readonly hostNonceHex: string } | undefined;

  constructor(role: Role, key: Uint8Array, entropy: Entropy = systemEntropy) {
    this.#role = role;
    this.#key = key.slice();
    this.#entropy = entropy;
  }

  /** The AUTH arguments for the nonce HELLO returned; a fresh host nonce each time. */
  request(deviceNonceHex: string): AuthRequest {
    const hostNonceHex = bytesToHex(this.#entropy.bytes(NONCE_BYTES));
    this.#pending = { deviceNonceHex, hostNonceHex };
    return { role: this.#role, hostNonceHex, proofHex: authProofHex(this.#key, deviceNonceHex, hostNonceHex, this.#role) };
  }

  /**
   * The session, when the pump's proof shows it holds the same key; undefined otherwise (an
   * impostor, or a reply to another exchange). Either way the exchange is over.
   */
  complete(sid: string, ttlS: number, deviceProof: string): HostSession | undefined {
    const p = this.#pending;
    this.#pending = undefined;
    if (p === undefined || !/^[0-9a-f]{8}$/.test(sid)) return undefined;
    if (!equalHex(deviceProof, deviceProofHex(this.#key, p.deviceNonceHex, p.hostNonceHex, sid))) return undefined;
    return { role: this.#role, sid, ks: sessionKey(this.#key, p.deviceNonceHex, p.hostNonceHex, sid), ttlS };
  }
}

/** `signedText #mac`: the frame without its CRC, for the frame codec to finish. */
export function signFrame(session: HostSession, signedText: string): string {
  return `${signedText} #${macFor(session.ks, session.sid, signedText)}`;
}
