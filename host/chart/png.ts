// A PNG encoder (ISO/IEC 15948, the PNG specification): signature, IHDR, PLTE for an 8-bit
// palette image (or 8-bit RGB when there are more than 256 colours), one IDAT of the zlib
// stream (node:zlib deflate) of the rows each behind filter byte 0, and IEND; every chunk
// carries the CRC-32 of its type and data. Deterministic for the same pixels.

import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as PNG and zlib define it (polynomial 0xEDB88320 reflected, init and final xor ~0). */
export function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff) >>> 0);
  return out;
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Encodes `rgb` (width x height x 3 bytes, rows top to bottom) as a PNG file. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`expected ${width * height * 3} bytes of RGB, got ${rgb.length}`);
  // A palette image where the colours allow: charts use a handful, and it is 3 times smaller.
  const index = new Map<number, number>();
  for (let i = 0; i < rgb.length && index.size <= 256; i += 3) {
    const c = (rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!;
    if (!index.has(c)) index.set(c, index.size);
  }
  const palette = index.size <= 256;
  const bpp = palette ? 1 : 3;
  const raw = new Uint8Array(height * (1 + width * bpp));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * bpp);
    raw[row] = 0; // filter: none
    if (palette)
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        raw[row + 1 + x] = index.get((rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!)!;
      }
    else raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), row + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = palette ? 3 : 2; // colour type: palette or RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering, filter 0 on every row
  ihdr[12] = 0; // no interlace
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr)];
  if (palette) {
    const plte = new Uint8Array(index.size * 3);
    for (const [c, i] of index) plte.set([(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff], i * 3);
    parts.push(chunk('PLTE', plte));
  }
  parts.push(chunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))), chunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
