// Byte helpers shared by the protocol and storage: lower-case hex both ways, ASCII text to
// bytes, and comparison in constant time for secrets (proofs and MACs), so how long a refusal
// takes says nothing about how many leading bytes of a guess were right.

const DIGITS = '0123456789abcdef';

/** Lower-case hex, two digits a byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += DIGITS[bytes[i]! >> 4]! + DIGITS[bytes[i]! & 15]!;
  return out;
}

/** True for lower-case hex (the only case the protocol writes), of `length` digits if given. */
export function isHex(text: string, length?: number): boolean {
  if (length !== undefined && text.length !== length) return false;
  if (text.length % 2 !== 0) return false;
  for (let i = 0; i < text.length; i++) if (DIGITS.indexOf(text[i]!) < 0) return false;
  return true;
}

/** Bytes of lower-case hex; undefined when the text is not (odd length, other characters). */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (!isHex(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (DIGITS.indexOf(text[2 * i]!) << 4) | DIGITS.indexOf(text[2 * i + 1]!);
  return out;
}

/** Bytes as text, one character a byte (the inverse of the encoders here and in crc.ts). */
export function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/**
 * The protocol's texts are printable ASCII (the line reader drops anything else), one byte a
 * character. A character above 0x7F here is a bug upstream: it throws rather than letting two
 * different texts hash alike.
 */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`not ASCII at ${i}`);
    out[i] = c;
  }
  return out;
}

/**
 * Equality in time that depends only on the length: every byte is looked at whatever differs.
 * Lengths are public (a MAC is always 16 hex), so a length mismatch may return at once.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** `equalBytes` for two texts (hex as received against hex computed), character by character. */
export function equalHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
