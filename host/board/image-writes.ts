// The firmware's writes to non-volatile storage as the virtual board passes them through to
// its image files (host/board/state.ts), one at a time, before the write returns to the
// firmware, as on the device: a flash program, a sector erase, an NVS key set. On the XS engine
// each one crosses from the worker to the host as the bytes below (xsnap's issueCommand, which
// blocks until the host answers). No Node APIs: host/board/core.ts runs inside XS too.

export type ImageWrite =
  | { readonly kind: 'flash'; readonly offset: number; readonly data: Uint8Array }
  | { readonly kind: 'erase'; readonly block: number }
  | { readonly kind: 'nvs'; readonly key: string; readonly value: Uint8Array };

/** Where the writes go; it returns once the write is in the image. */
export interface ImageSink {
  write(w: ImageWrite): void;
}

const FLASH = 0x46; // F
const ERASE = 0x45; // E
const NVS = 0x4e; // N

/** `F` offset(u32 LE) data | `E` block(u32 LE) | `N` key length(u8) key value. */
export function encodeImageWrite(w: ImageWrite): Uint8Array {
  if (w.kind === 'nvs') {
    const out = new Uint8Array(2 + w.key.length + w.value.length);
    out[0] = NVS;
    out[1] = w.key.length;
    for (let i = 0; i < w.key.length; i++) out[2 + i] = w.key.charCodeAt(i) & 0xff;
    out.set(w.value, 2 + w.key.length);
    return out;
  }
  const data = w.kind === 'flash' ? w.data : new Uint8Array(0);
  const out = new Uint8Array(5 + data.length);
  out[0] = w.kind === 'flash' ? FLASH : ERASE;
  const n = w.kind === 'flash' ? w.offset : w.block;
  out[1] = n & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = (n >>> 16) & 0xff;
  out[4] = (n >>> 24) & 0xff;
  out.set(data, 5);
  return out;
}

export function decodeImageWrite(b: Uint8Array): ImageWrite {
  if (b[0] === NVS && b.length >= 2 && b.length >= 2 + b[1]!) {
    const n = b[1]!;
    return { kind: 'nvs', key: String.fromCharCode(...b.subarray(2, 2 + n)), value: b.slice(2 + n) };
  }
  if ((b[0] === FLASH || b[0] === ERASE) && b.length >= 5) {
    const n = (b[1]! | (b[2]! << 8) | (b[3]! << 16) | (b[4]! << 24)) >>> 0;
    return b[0] === FLASH ? { kind: 'flash', offset: n, data: b.slice(5) } : { kind: 'erase', block: n };
  }
  throw new Error(`not an image write: ${b.length} bytes starting ${b[0]}`);
}
