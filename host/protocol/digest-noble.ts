// The Digest port in JavaScript (@noble/hashes): the host (pumpctl, the virtual board, the
// tests) and the XS parity runs. Host code, not firmware/: the device bundle must not be able
// to reach it (the layer table in host-tests/build.test.ts holds that). The device uses the SDK's native digest instead
// (digest-native.ts); on XS this one costs about 0.1 s of an ESP32 core per HMAC
// (docs/performance.md), which is why it is not the device's.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Role } from '../../firmware/protocol/auth';
import { authProofWith, deviceProofWith, frameMacWith, hmacTextWith, sessionKeyWith } from '../../firmware/protocol/auth';
import type { Digest } from '../../firmware/ports/digest';

export const nobleDigest: Digest = {
  sha256: (data: Uint8Array): Uint8Array => sha256(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(sha256, key, data),
};

// The firmware's derivations (firmware/protocol/auth.ts) bound to it, for host code.
export const hmacSha256 = (key: Uint8Array, text: string): Uint8Array => hmacTextWith(nobleDigest, key, text);
export const authProofHex = (key: Uint8Array, nd: string, nh: string, role: Role): string => authProofWith(nobleDigest, key, nd, nh, role);
export const deviceProofHex = (key: Uint8Array, nd: string, nh: string, sid: string): string => deviceProofWith(nobleDigest, key, nd, nh, sid);
export const sessionKey = (key: Uint8Array, nd: string, nh: string, sid: string): Uint8Array => sessionKeyWith(nobleDigest, key, nd, nh, sid);
export const frameMacHex = (ks: Uint8Array, sid: string, signedText: string): string => frameMacWith(nobleDigest, ks, sid, signedText);
