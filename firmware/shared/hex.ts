// Byte helpers shared by the protocol and storage: lower-case hex both ways, ASCII text to
// bytes, and comparison in constant time for secrets (proofs and MACs), so how long a refusal
// takes says nothing about how many leading bytes of a guess were right.

// Every signed frame goes through asciiBytes, bytesToHex and isHex (its MAC), and on XS a
// bytecode costs tens of machine instructions and a call far more (docs/performance.md): so
// what C can do is left to C (a string's bytes copied by ArrayBuffer.fromString, a word's hex
// by Number's toString, a RegExp test), and the loops below run only where it cannot.

const DIGITS = '0123456789abcdef';
const LOWER_HEX = /^[0-9a-f]*$/;

/** XS's `ArrayBuffer.fromString` (a string's UTF-8 bytes, copied in C); Node has none. */
const FROM_STRING = typeof (ArrayBuffer as { fromString?: unknown }).fromString === 'function';

/**
 * A text's bytes copied in C where the engine can (XS), when every character is ASCII: UTF-8
 * is then one byte a character, the bytes the loops here make one at a time. Undefined
 * otherwise (Node, or a character above 0x7F): the caller takes its own loop.
 */
export function nativeAsciiBytes(text: string): Uint8Array | undefined {
  if (!FROM_STRING) return undefined;
  const bytes = new Uint8Array((ArrayBuffer as unknown as { fromString(s: string): ArrayBuffer }).fromString(text));
  return bytes.length === text.length ? bytes : undefined;
}

/** XS's `String.fromArrayBuffer` (UTF-8 bytes to a string, in C); Node has none. */
const FROM_ARRAY_BUFFER = typeof (String as { fromArrayBuffer?: unknown }).fromArrayBuffer === 'function';

/**
 * `bytes[start..end)` as text, one character a byte, made in C where the engine can (XS) and
 * every byte is ASCII: UTF-8 is then the bytes themselves. Undefined otherwise (Node; a byte
 * above 0x7F, which XS either refuses as UTF-8 or reads as fewer characters): the caller
 * takes its own way.
 */
export function nativeAsciiText(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (!FROM_ARRAY_BUFFER) return undefined;
  try {
    const text = (String as unknown as { fromArrayBuffer(b: ArrayBufferLike, offset: number, length: number): string }).fromArrayBuffer(bytes.buffer, bytes.byteOffset + start, end - start);
    return text.length === end - start ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Lower-case hex, two digits a byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  // Four bytes at a time as one unsigned word, in C by toString(16).
  for (const whole = bytes.length - 3; i < whole; i += 4) {
    out += (((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0).toString(16).padStart(8, '0');
  }
  for (; i < bytes.length; i++) out += DIGITS[bytes[i]! >> 4]! + DIGITS[bytes[i]! & 15]!;
  return out;
}

/** True for lower-case hex (the only case the protocol writes), of `length` digits if given. */
export function isHex(text: string, length?: number): boolean {
  if (length !== undefined && text.length !== length) return false;
  return text.length % 2 === 0 && LOWER_HEX.test(text);
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
  const native = nativeAsciiText(bytes, 0, bytes.length);
  if (native !== undefined) return native;
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
  const ascii = nativeAsciiBytes(text);
  if (ascii !== undefined) return ascii;
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

/**
 * `equalBytes` for two texts (hex as received against hex computed): every character is looked
 * at whatever differs. Two lower-case hex texts (a MAC, a proof: always, once checked) are
 * compared eight digits at a time as numbers read in C, a sixth of the calls of a character
 * loop on XS; anything else character by character.
 */
export function equalHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  let i = 0;
  if (a.length % 8 === 0 && LOWER_HEX.test(a) && LOWER_HEX.test(b)) {
    for (; i < a.length; i += 8) diff |= Number.parseInt(a.slice(i, i + 8), 16) ^ Number.parseInt(b.slice(i, i + 8), 16);
    return diff === 0;
  }
  for (; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
