// The NE-1000's two framings on one byte stream (manual 1200-01, sections 10.2.2 and 10.2.3),
// both accepted at any time. Basic: `[address]command[data]<CR>`; the pump strips spaces and
// control characters and takes the text in capitals. Safe: `<STX><length><data><CRC hi><CRC
// lo><ETX>`, the length counting every byte after STX (itself, data, CRC, ETX), the CRC the
// CRC-16/XMODEM of the data (the manual's example: SAF0 is 02 08 53 41 46 30 55 43 03).
// Replies go back in the framing the pump's mode says: `<STX>text<ETX>`, or the safe packet.

import { crc16 } from '../../shared/crc';

export const STX = 0x02;
export const ETX = 0x03;
export const CR = 0x0d;

/** A basic command longer than this is discarded (answered `?`): NE commands are short. */
export const MAX_BASIC = 64;
/** A safe packet not finished this long after its last byte is dropped (a client gave up). */
export const SAFE_BYTE_TIMEOUT_MS = 1_000;
/** Packets waiting for an answer; more (a client not waiting for replies) are dropped. */
const MAX_WAITING = 16;

export type Packet =
  | { readonly kind: 'basic'; readonly text: string }
  | { readonly kind: 'safe'; readonly text: string }
  /** A safe packet whose length, ETX or CRC is wrong: answered `?COM`, nothing acted on. */
  | { readonly kind: 'corrupt'; readonly why: string }
  | { readonly kind: 'too-long' };

/** CRC-16/XMODEM (poly 0x1021, init 0), as the safe mode uses it. */
export function crcXmodem(bytes: Uint8Array): number {
  return crc16(bytes, bytes.length, 0);
}

/** `text` as bytes, one a character (the pump's replies are ASCII). */
export function textBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** A reply in basic framing: STX, the text, ETX. */
export function basicReply(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 2);
  out[0] = STX;
  out.set(textBytes(text), 1);
  out[out.length - 1] = ETX;
  return out;
}

/** A packet in safe framing (replies and, in the host's client, commands). */
export function safePacket(text: string): Uint8Array {
  const data = textBytes(text);
  const crc = crcXmodem(data);
  const out = new Uint8Array(data.length + 5);
  out[0] = STX;
  out[1] = data.length + 4;
  out.set(data, 2);
  out[data.length + 2] = crc >> 8;
  out[data.length + 3] = crc & 0xff;
  out[data.length + 4] = ETX;
  return out;
}

/** Takes bytes as they come and hands out whole packets, resynchronising after any fault. */
export class PacketReader {
  #basic = '';
  #basicTooLong = false;
  /** The safe packet being received (STX included), or undefined. */
  #safe: number[] | undefined;
  #lastByteMs = 0;
  readonly #waiting: Packet[] = [];
  /** Packets dropped because the queue was full. */
  dropped = 0;

  push(bytes: Uint8Array, nowMs: number): void {
    if (this.#safe && nowMs - this.#lastByteMs > SAFE_BYTE_TIMEOUT_MS) this.#safe = undefined;
    this.#lastByteMs = nowMs;
    for (let i = 0; i < bytes.length; i++) this.#byte(bytes[i]!);
  }

  next(): Packet | undefined {
    return this.#waiting.shift();
  }

  #emit(p: Packet): void {
    if (this.#waiting.length >= MAX_WAITING) this.dropped++;
    else this.#waiting.push(p);
  }

  #byte(b: number): void {
    const safe = this.#safe;
    if (safe) {
      safe.push(b);
      const length = safe[1];
      if (length === undefined) return;
      if (length < 4) {
        this.#safe = undefined;
        this.#emit({ kind: 'corrupt', why: `length byte ${length} is less than 4` });
        return;
      }
      if (safe.length < length + 1) return;
      this.#safe = undefined;
      this.#emit(checkSafe(safe));
      return;
    }
    if (b === STX) {
      // Both framings at any time: an STX begins a safe packet; a basic line begun before it
      // (stray bytes, an LF left from a CRLF) is dropped.
      this.#safe = [b];
      this.#basic = '';
      this.#basicTooLong = false;
      return;
    }
    if (b === CR) {
      this.#emit(this.#basicTooLong ? { kind: 'too-long' } : { kind: 'basic', text: this.#basic });
      this.#basic = '';
      this.#basicTooLong = false;
      return;
    }
    // Spaces and control characters are stripped (the manual); the rest is taken in capitals.
    if (b <= 0x20 || b === 0x7f) return;
    if (this.#basic.length >= MAX_BASIC) {
      this.#basicTooLong = true;
      return;
    }
    this.#basic += String.fromCharCode(b >= 0x61 && b <= 0x7a ? b - 0x20 : b);
  }
}

function checkSafe(p: readonly number[]): Packet {
  if (p[p.length - 1] !== ETX) return { kind: 'corrupt', why: 'no ETX where the length byte puts the end' };
  const data = Uint8Array.from(p.slice(2, p.length - 3));
  const crc = (p[p.length - 3]! << 8) | p[p.length - 2]!;
  if (crc !== crcXmodem(data)) return { kind: 'corrupt', why: 'CRC mismatch' };
  let text = '';
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b <= 0x20 || b === 0x7f) continue;
    text += String.fromCharCode(b >= 0x61 && b <= 0x7a ? b - 0x20 : b);
  }
  return { kind: 'safe', text };
}
