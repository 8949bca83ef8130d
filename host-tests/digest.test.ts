// The Digest port's JavaScript side (@noble/hashes, the host's and the XS parity runs') on the
// published vectors (FIPS 180-2, RFC 4231), the vectors themselves checked against Node's own
// OpenSSL so a mistyped vector cannot pass, and the protocol's derivations giving the same
// bytes through any Digest that passes them. The native side runs the same vectors in the SDK's
// x-cli-lin build: host-tests/digest-native.test.ts.

import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleDigest } from '../host/protocol/digest-noble';
import { authProofWith, frameMacWith, Auth, MemoryKeyStore } from '../firmware/protocol/auth';
import { authProofHex } from '../host/protocol/digest-noble';
import type { Digest } from '../firmware/ports/digest';
import { fromHex, HMAC_VECTORS, runVectors, SHA256_VECTORS, toHex, vectorBytes } from '../host/lin/digest-vectors';

/** Node's OpenSSL behind the same port: an independent second implementation. */
const nodeDigest: Digest = {
  sha256: (d) => new Uint8Array(createHash('sha256').update(d).digest()),
  hmacSha256: (k, d) => new Uint8Array(createHmac('sha256', k).update(d).digest()),
};

describe('Digest vectors', () => {
  it('the vectors are what OpenSSL computes (a mistyped vector fails here)', () => {
    for (const v of SHA256_VECTORS) expect(toHex(nodeDigest.sha256(vectorBytes(v))), v.name).toBe(v.digestHex);
    for (const v of HMAC_VECTORS) expect(toHex(nodeDigest.hmacSha256(fromHex(v.keyHex), vectorBytes(v))).slice(0, v.macHex.length), v.name).toBe(v.macHex);
  });

  it('@noble/hashes passes every vector', () => {
    const lines = runVectors(nobleDigest);
    expect(lines).toHaveLength(SHA256_VECTORS.length + HMAC_VECTORS.length);
    expect(lines.filter((l) => !l.startsWith('ok '))).toEqual([]);
  });

  it('runVectors reports a digest that is wrong', () => {
    const broken: Digest = { sha256: nobleDigest.sha256, hmacSha256: (k, d) => nobleDigest.hmacSha256(k.subarray(1), d) };
    expect(runVectors(broken).filter((l) => l.startsWith('FAIL hmac'))).toHaveLength(HMAC_VECTORS.length);
  });
});

describe('the protocol over the Digest port', () => {
  const key = fromHex('11'.repeat(32));
  it('gives the same proof and MAC through any correct Digest', () => {
    expect(authProofWith(nodeDigest, key, 'aa'.repeat(16), 'bb'.repeat(16), 'clinician')).toBe(authProofHex(key, 'aa'.repeat(16), 'bb'.repeat(16), 'clinician'));
    expect(frameMacWith(nodeDigest, key, '0123abcd', '7 STATUS')).toBe(frameMacWith(nobleDigest, key, '0123abcd', '7 STATUS'));
  });

  it("the device's Auth computes with the Digest it is given, not another", () => {
    let calls = 0;
    const counting: Digest = {
      sha256: nodeDigest.sha256,
      hmacSha256: (k, d) => {
        calls++;
        return nodeDigest.hmacSha256(k, d);
      },
    };
    const keys = new MemoryKeyStore();
    keys.set('clinician', key);
    const zeros = { bytes: (n: number) => new Uint8Array(n) };
    const auth = new Auth({ entropy: zeros, digest: counting, keys });
    const nd = auth.hello(0).nonceHex;
    const granted = auth.authenticate(0, 'clinician', 'bb'.repeat(16), authProofHex(key, nd, 'bb'.repeat(16), 'clinician'));
    expect(granted.ok).toBe(true);
    // The proof check, the session key and the pump's own proof: three HMACs.
    expect(calls).toBe(3);
  });
});
