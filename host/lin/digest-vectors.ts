// Published test vectors for the Digest port (firmware/ports/digest.ts), one copy for every
// engine that runs them: host-tests/digest.test.ts (@noble/hashes on Node, checked against
// Node's own crypto too), the XS parity scenario `digest-vectors` (@noble/hashes on XS) and
// host/lin/digest-check.ts (the SDK's native digest in the x-cli-lin build). No imports and
// no Node APIs: the XS bundles inline this file.
//
// SHA-256: FIPS 180-2 appendix B (B.1 "abc", B.2 the 448-bit message) and the empty string.
// HMAC-SHA256: RFC 4231 section 4, test cases 1 to 7 (case 5's output truncated to 128 bits,
// as the RFC gives it). The protocol's own derivation (docs/protocol.md's worked example) is
// checked byte for byte in host-tests/auth.test.ts.

export interface Sha256Vector {
  readonly name: string;
  /** The message: text (ASCII) or hex. */
  readonly text?: string;
  readonly hex?: string;
  readonly digestHex: string;
}

export interface HmacVector {
  readonly name: string;
  readonly keyHex: string;
  readonly text?: string;
  readonly dataHex?: string;
  /** The expected MAC, maybe truncated (test case 5): compare this many leading bytes. */
  readonly macHex: string;
}

const rep = (byteHex: string, n: number): string => byteHex.repeat(n);

export const SHA256_VECTORS: readonly Sha256Vector[] = [
  { name: 'empty', text: '', digestHex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { name: 'FIPS 180-2 B.1', text: 'abc', digestHex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  {
    name: 'FIPS 180-2 B.2',
    text: 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    digestHex: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  },
];

export const HMAC_VECTORS: readonly HmacVector[] = [
  { name: 'RFC 4231 case 1', keyHex: rep('0b', 20), text: 'Hi There', macHex: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { name: 'RFC 4231 case 2', keyHex: '4a656665', text: 'what do ya want for nothing?', macHex: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { name: 'RFC 4231 case 3', keyHex: rep('aa', 20), dataHex: rep('dd', 50), macHex: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
  {
    name: 'RFC 4231 case 4',
    keyHex: '0102030405060708090a0b0c0d0e0f10111213141516171819',
    dataHex: rep('cd', 50),
    macHex: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  { name: 'RFC 4231 case 5', keyHex: rep('0c', 20), text: 'Test With Truncation', macHex: 'a3b6167473100ee06e0c796c2955552b' },
  {
    name: 'RFC 4231 case 6',
    keyHex: rep('aa', 131),
    text: 'Test Using Larger Than Block-Size Key - Hash Key First',
    macHex: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'RFC 4231 case 7',
    keyHex: rep('aa', 131),
    text: 'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    macHex: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

export function vectorBytes(v: { readonly text?: string; readonly hex?: string; readonly dataHex?: string }): Uint8Array {
  const hex = v.hex ?? v.dataHex;
  if (hex !== undefined) return fromHex(hex);
  const t = v.text ?? '';
  const out = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = t.charCodeAt(i);
  return out;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

/** Every vector through `d`: one line per vector, "ok <name>" or "FAIL <name>: got <hex>". */
export function runVectors(d: { sha256(data: Uint8Array): Uint8Array; hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array }): string[] {
  const lines: string[] = [];
  for (const v of SHA256_VECTORS) {
    const got = toHex(d.sha256(vectorBytes(v)));
    lines.push(got === v.digestHex ? `ok sha256 ${v.name}` : `FAIL sha256 ${v.name}: got ${got}`);
  }
  for (const v of HMAC_VECTORS) {
    const got = toHex(d.hmacSha256(fromHex(v.keyHex), vectorBytes(v))).slice(0, v.macHex.length);
    lines.push(got === v.macHex ? `ok hmac ${v.name}` : `FAIL hmac ${v.name}: got ${got}`);
  }
  return lines;
}

/** CRC-16 check values for "123456789" (the CRC catalogue): name, initial value, CRC. */
export const CRC16_CHECKS: readonly (readonly [string, number, number])[] = [
  ['CCITT-FALSE', 0xffff, 0x29b1],
  ['XMODEM', 0, 0x31c3],
];
