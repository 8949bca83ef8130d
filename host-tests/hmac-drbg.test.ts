// The nonces' generator on the device (firmware/shared/hmac-drbg.ts, seeded by
// firmware/drivers/entropy-native.ts's seededEntropy): HMAC_DRBG as NIST specifies it, checked
// against CAVP vectors (SHA-256, no prediction resistance, 1024 returned bits, the second
// generate's), and the seeding: the hardware source read once, every request different.
import { describe, expect, it } from 'vitest';
import { HmacDrbg } from '../firmware/shared/hmac-drbg';
import { SEED_BYTES, seededEntropy } from '../firmware/drivers/entropy-native';
import { nobleDigest } from '../host/protocol/digest-noble';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const cat = (...p: Uint8Array[]): Uint8Array => Uint8Array.from(p.flatMap((x) => [...x]));
const hmac = nobleDigest.hmacSha256;

describe('HMAC_DRBG (SP 800-90A, SHA-256)', () => {
  it('gives the CAVP output without reseed (HMAC_DRBG.rsp, [SHA-256] no PR, COUNT 0)', () => {
    const d = new HmacDrbg(hmac, cat(hex('ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488'), hex('659ba96c601dc69fc902940805ec0ca8')));
    d.generate(128);
    expect(toHex(d.generate(128))).toBe(
      'e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8',
    );
  });

  it('gives the CAVP output after a reseed (HMAC_DRBG.rsp line 5064)', () => {
    const d = new HmacDrbg(hmac, cat(hex('06032cd5eed33f39265f49ecb142c511da9aff2af71203bffaf34a9ca5bd9c0d'), hex('0e66f71edc43e42a45ad3c6fc6cdc4df')));
    d.reseed(hex('01920a4e669ed3a85ae8a33b35a74ad7fb2a6bb4cf395ce00334a9c9a5a5d552'));
    d.generate(128);
    expect(toHex(d.generate(128))).toBe(
      '76fc79fe9b50beccc991a11b5635783a83536add03c157fb30645e611c2898bb2b1bc215000209208cd506cb28da2a51bdb03826aaf2bd2335d576d519160842e7158ad0949d1a9ec3e66ea1b1a064b005de914eac2e9d4f2d72a8616a80225422918250ff66a41bd2f864a6a38cc5b6499dc43f7f2bd09e1e0f8f5885935124',
    );
  });

  it('refuses a request beyond 64 Kibit instead of returning fewer bytes', () => {
    const d = new HmacDrbg(hmac, new Uint8Array(48));
    expect(() => d.generate(8193)).toThrow(/at most 8192/);
    expect(d.generate(0)).toHaveLength(0);
  });
});

describe('the device entropy: seeded once from the hardware source', () => {
  it('reads the source once, for the seed, and never again however many nonces follow', () => {
    const reads: number[] = [];
    let stirred = 0;
    const e = seededEntropy(
      (b) => {
        reads.push(b.length);
        for (let i = 0; i < b.length; i++) b[i] = (i * 37 + 11) & 0xff;
      },
      hmac,
      () => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, stirred++ & 0xff),
    );
    const nonces = new Set<string>();
    for (let i = 0; i < 200; i++) nonces.add(toHex(e.bytes(16)));
    expect(reads).toEqual([SEED_BYTES]);
    expect(nonces.size).toBe(200);
    expect(stirred).toBe(200);
  });

  it('depends on the seed: two boards with different sources never share a nonce stream', () => {
    const board = (fillByte: number) =>
      seededEntropy(
        (b) => b.fill(fillByte),
        hmac,
        () => new Uint8Array(8),
      );
    expect(toHex(board(1).bytes(16))).not.toBe(toHex(board(2).bytes(16)));
    // The same seed and stir give the same stream (it is deterministic given its inputs).
    expect(toHex(board(1).bytes(16))).toBe(toHex(board(1).bytes(16)));
  });

  it('passes a failing source on as an exception at boot, not as zero bytes', () => {
    expect(() =>
      seededEntropy(
        () => {
          throw new Error('esp_fill_random unavailable');
        },
        hmac,
        () => new Uint8Array(8),
      ),
    ).toThrow(/unavailable/);
  });
});
