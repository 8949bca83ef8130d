// Hashing, behind a port: SHA-256 and HMAC-SHA256 for the programming protocol's proofs,
// session keys and frame MACs (firmware/protocol/auth.ts). On the ESP32 the Moddable SDK's
// native digest does the work in C (firmware/drivers/digest-native.ts); on the host and in the
// XS parity runs, @noble/hashes does it in JavaScript (host/protocol/digest-noble.ts). Both
// must give the same bytes: host-tests/digest.test.ts runs the same vectors (FIPS 180-2 for
// SHA-256, RFC 4231 for HMAC-SHA256) through each, and host/lin/digest-check.ts through the
// native one inside the SDK's x-cli-lin build.

export interface Digest {
  /** SHA-256 of `data`: 32 bytes. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (RFC 2104) of `data` under `key` (any length): 32 bytes. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}
