// The Digest port in JavaScript (@noble/hashes): the host (pumpctl, the virtual board, the
// tests) and the XS parity runs. The device uses the SDK's native digest instead
// (digest-native.ts); on XS this one costs about 0.1 s of an ESP32 core per HMAC
// (docs/performance.md), which is why it is not the device's.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Digest } from '../ports/digest';

export const nobleDigest: Digest = {
  sha256: (data: Uint8Array): Uint8Array => sha256(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(sha256, key, data),
};
