// The event log's bytes on flash: the block header and the record, how each is encoded and
// checked, and the partition geometry the log accepts. Pure functions on byte arrays, no flash
// calls: the ring that writes, scans and reads them is log.ts. Format and reasoning:
// docs/storage-log.md.

import type { PumpError } from '../core/errors';
import { pumpError } from '../core/errors';
import { crc16 } from '../shared/crc';

export const LOG_FORMAT_VERSION = 1;
/** Block header: magic "PLOG", version, reserved 0, block sequence u32, first record sequence u32, CRC-16. */
export const LOG_BLOCK_HEADER_BYTES = 16;
/** Record: magic, payload length, sequence u32, type, payload, CRC-16, commit byte. */
export const LOG_RECORD_OVERHEAD = 10;
export const LOG_MAX_PAYLOAD = 254;
/** Record types 0-254 are the caller's (firmware/storage/log-records.ts); 255 is never valid. */
export const LOG_MAX_TYPE = 254;

const MAGIC0 = 0x50; // 'P'
const MAGIC1 = 0x4c; // 'L'
const MAGIC2 = 0x4f; // 'O'
const MAGIC3 = 0x47; // 'G'
const HEADER_CRC_AT = 14;
export const RECORD_MAGIC = 0xa5;
/** Written last, in a write of its own: the record is complete only when this byte reads back. */
export const RECORD_COMMIT = 0x5a;
/**
 * A torn record found at boot has its magic overwritten with this (1 -> 0 bits only, allowed
 * without an erase) before anything is appended after it, so later boots know it for a closed
 * torn write and not for corruption. Charge loss in NOR cells turns 0 bits into 1, never
 * 0xA5 into 0x00, so rot does not fake it.
 */
export const RECORD_KILLED = 0x00;
const ERASED = 0xff;
const MIN_BLOCK_SIZE = 512;

export function u32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

function putU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = (value >>> 16) & 0xff;
  buf[at + 3] = (value >>> 24) & 0xff;
}

/** One past the last programmed (non-0xFF) byte: where the next write may start. */
export function dataEnd(buf: Uint8Array): number {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === ERASED) end--;
  return end;
}

/** `byte` is `want` part-programmed over an erased byte: it cleared only bits `want` clears. */
function partOf(byte: number, want: number): boolean {
  return byte !== ERASED && (byte & want) === want;
}

/**
 * The first byte of the last region of the head block after a cut append: the record magic,
 * the magic half-programmed, or the closing 0x00 half-programmed over the magic. A cut leaves
 * the byte it stops at half-programmed, so each of these is a torn write to close, not rot.
 */
export function tornStart(byte: number): boolean {
  return partOf(byte, RECORD_MAGIC) || (byte | RECORD_MAGIC) === RECORD_MAGIC;
}

function magicAt(buf: Uint8Array, i: number): boolean {
  const m = i === 0 ? MAGIC0 : i === 1 ? MAGIC1 : i === 2 ? MAGIC2 : MAGIC3;
  return buf[i] === m;
}

/** Why a partition cannot hold the log, or undefined when it can. */
export function logGeometry(byteLength: number, blockSize: number): PumpError | undefined {
  const blocks = byteLength / blockSize;
  if (!Number.isInteger(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > 0x10000 || !Number.isInteger(blocks) || blocks < 2) {
    return pumpError('LOG_GEOMETRY', `a ${byteLength}-byte partition of ${blockSize}-byte blocks: the log needs at least 2 whole blocks of ${MIN_BLOCK_SIZE} to 65536 bytes`);
  }
  return undefined;
}

/** The block header `h` has the magic and its CRC-16 (its version is checked apart). */
export function headerValid(h: Uint8Array): boolean {
  return magicAt(h, 0) && magicAt(h, 1) && magicAt(h, 2) && magicAt(h, 3) && crc16(h, HEADER_CRC_AT) === (h[HEADER_CRC_AT]! | (h[HEADER_CRC_AT + 1]! << 8));
}

/** The header's version byte. */
export function headerVersion(h: Uint8Array): number {
  return h[4]!;
}

/** The header's block sequence (1, 2, ...: block b holds sequences with (s - 1) mod blocks = b). */
export function headerBlockSeq(h: Uint8Array): number {
  return u32(h, 6);
}
/** The sequence number of the block's first record (the next record's when the block was started). */
export function headerFirstSeq(h: Uint8Array): number {
  return u32(h, 10);
}

/**
 * A block whose programmed bytes end at `end` holds only the start of a header (magic and
 * version, the last byte possibly half-programmed): a header cut short by a power loss.
 */
export function headerTorn(h: Uint8Array, end: number): boolean {
  let prefix = end <= LOG_BLOCK_HEADER_BYTES;
  for (let i = 0; i < 5 && i < end; i++) {
    const want = i === 4 ? LOG_FORMAT_VERSION : i === 0 ? MAGIC0 : i === 1 ? MAGIC1 : i === 2 ? MAGIC2 : MAGIC3;
    // The last byte programmed may be half-programmed by the cut (host/storage/flash-mock.ts).
    prefix = prefix && (h[i] === want || (i === end - 1 && partOf(h[i]!, want)));
  }
  return prefix;
}

/** Fills `h` with the header of block sequence `seq` whose first record will be `firstSeq`. */
export function encodeHeader(h: Uint8Array, seq: number, firstSeq: number): void {
  h[0] = MAGIC0;
  h[1] = MAGIC1;
  h[2] = MAGIC2;
  h[3] = MAGIC3;
  h[4] = LOG_FORMAT_VERSION;
  h[5] = 0;
  putU32(h, 6, seq);
  putU32(h, 10, firstSeq);
  const crc = crc16(h, HEADER_CRC_AT);
  h[HEADER_CRC_AT] = crc & 0xff;
  h[HEADER_CRC_AT + 1] = crc >>> 8;
}

/**
 * Fills `rec` with record `seq` of `type` and the first `length` bytes of `payload`, all but
 * the commit byte (written apart, last). Returns the record's whole size.
 */
export function encodeRecord(rec: Uint8Array, seq: number, type: number, payload: Uint8Array, length: number): number {
  rec[0] = RECORD_MAGIC;
  rec[1] = length;
  putU32(rec, 2, seq);
  rec[6] = type;
  for (let i = 0; i < length; i++) rec[7 + i] = payload[i]!;
  const crc = crc16(rec, 7 + length);
  rec[7 + length] = crc & 0xff;
  rec[8 + length] = crc >>> 8;
  return length + LOG_RECORD_OVERHEAD;
}

/** The size of the committed, CRC-valid record at `p` (before `end`) newer than `lastSeq`, or 0. */
export function recordSizeAt(buf: Uint8Array, p: number, end: number, lastSeq: number): number {
  if (buf[p] !== RECORD_MAGIC) return 0;
  const len = buf[p + 1]!;
  const size = len + LOG_RECORD_OVERHEAD;
  if (len > LOG_MAX_PAYLOAD || p + size > end || buf[p + size - 1] !== RECORD_COMMIT) return 0;
  const crc = buf[p + size - 3]! | (buf[p + size - 2]! << 8);
  if (crc16(buf.subarray(p), size - 3) !== crc) return 0;
  return u32(buf, p + 2) > lastSeq ? size : 0;
}
