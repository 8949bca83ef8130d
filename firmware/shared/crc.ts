// Checksums shared by the protocol and storage (firmware/shared: below both, imports nothing).
// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR; check value
// 0x29B1 for "123456789") on every frame and log record (`init` 0 makes it
// CRC-16/XMODEM, check value 0x31C3, the NE-1000 safe mode's CRC), and CRC-32 (IEEE 802.3,
// check value 0xCBF43926) naming a staged prescription. Bitwise: frames are short, and no
// table means nothing to allocate or freeze.

export function crc16(bytes: Uint8Array, end = bytes.length, init = 0xffff): number {
  let crc = init;
  for (let i = 0; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
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
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function crc16Hex(text: string): string {
  return crc16(lineBytes(text)).toString(16).toUpperCase().padStart(4, '0');
}

export function crc32Hex(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
