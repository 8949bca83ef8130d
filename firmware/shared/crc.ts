// Checksums shared by the protocol and storage (firmware/shared: below both, imports only
// firmware/shared).
// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR; check value
// 0x29B1 for "123456789") on every frame and log record (`init` 0 makes it
// CRC-16/XMODEM, check value 0x31C3, the NE-1000 safe mode's CRC), and CRC-32 (IEEE 802.3,
// check value 0xCBF43926) naming a staged prescription.
//
// CRC-16 goes a byte at a time through a 256-entry table (512 bytes, made once at load): every
// frame in and every reply out is checksummed, and on XS each bytecode costs tens of machine
// instructions, so the bitwise loop (eight rounds a byte) was the largest single cost of a
// signed command (docs/performance.md). A line's text becomes bytes in C where XS can
// (hex.ts, nativeAsciiBytes), not one character call at a time. CRC-32 stays bitwise: it
// names a staged prescription, a few times per programming, and needs no table of 1 KB.

import { nativeAsciiBytes } from './hex';

/** CRC-16/CCITT-FALSE's table: the CRC of each byte value shifted through 8 rounds. */
const CRC16_TABLE = ((): Uint16Array => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[n] = crc;
  }
  return table;
})();

/**
 * A CRC-16 (poly 0x1021, no reflection) of all of `bytes` from `init` in C, where the platform
 * has one (the device: firmware/drivers/crc-native.ts); undefined for an `init` it has no
 * instance for, and the table below is used.
 */
export type Crc16Native = (bytes: Uint8Array, init: number) => number | undefined;

// Not named `native`: xsc reads `native(...)` as its own host-function syntax.
let inC: Crc16Native | undefined;

/** The device hands its C CRC here once at start (main.ts); the host never does. */
export function useNativeCrc16(crc: Crc16Native | undefined): void {
  inC = crc;
}

export function crc16(bytes: Uint8Array, end = bytes.length, init = 0xffff): number {
  if (inC !== undefined) {
    const crc = inC(end === bytes.length ? bytes : bytes.subarray(0, end), init);
    if (crc !== undefined) return crc;
  }
  const table = CRC16_TABLE;
  let crc = init;
  let i = 0;
  // Four bytes a round, read as one word: on XS an indexed typed-array read costs about as much
  // as the rest of a byte's round, and a DataView call reads four. (crc << 8) keeps bits above
  // 16 that only the final mask drops; the table index is masked to 8 bits, so they never
  // reach the low 16.
  if (end >= 8) {
    const words = new DataView(bytes.buffer, bytes.byteOffset, end);
    for (const whole = end - 3; i < whole; i += 4) {
      const w = words.getUint32(i);
      crc = table[((crc >> 8) ^ (w >>> 24)) & 0xff]! ^ (crc << 8);
      crc = table[((crc >> 8) ^ (w >> 16)) & 0xff]! ^ (crc << 8);
      crc = table[((crc >> 8) ^ (w >> 8)) & 0xff]! ^ (crc << 8);
      crc = table[((crc >> 8) ^ w) & 0xff]! ^ (crc << 8);
    }
  }
  for (; i < end; i++) crc = table[((crc >> 8) ^ bytes[i]!) & 0xff]! ^ (crc << 8);
  return crc & 0xffff;
}

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A line's bytes for its checksum: one byte a character, the low byte of anything beyond ASCII,
 * never throwing (a reply may quote text a host sent). For HMAC input, hex.ts's strict
 * asciiBytes is used instead.
 */
export function lineBytes(text: string): Uint8Array {
  const ascii = nativeAsciiBytes(text);
  if (ascii !== undefined) return ascii;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

const UPPER_HEX = '0123456789ABCDEF';

/** The frame checksum as sent: 4 upper-case hex digits. */
export function crc16Hex(text: string): string {
  const crc = crc16(lineBytes(text));
  return UPPER_HEX[crc >> 12]! + UPPER_HEX[(crc >> 8) & 15]! + UPPER_HEX[(crc >> 4) & 15]! + UPPER_HEX[crc & 15]!;
}

export function crc32Hex(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
