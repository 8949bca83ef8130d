// Records on the key-value store: each with a magic, a format and record version, a write
// counter and a CRC-32, written to alternating slots (`<name>.a`, `<name>.b`) so the newest
// valid copy survives a write that is cut or a slot that decays. A record that fails its
// checks is never used: the other slot is, and failing both, the caller falls back to safe
// defaults and raises a storage fault. (grbl's settings and RespiraWorks' parameter store work
// this way.) On the ESP32 a write erases the key before writing it, so a cut write leaves its
// slot MISSING (docs/safety.md): a missing slot is passed over like a bad one, and since a save
// only ever overwrites the older slot, the newer one is what a cut leaves to load.

import type { PumpError, Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import { crc32 } from '../shared/crc';
import { asciiBytes, asciiText } from '../shared/hex';
import type { KeyValueStore } from '../ports/kv-store';

const MAGIC0 = 0x50; // 'P'
const MAGIC1 = 0x52; // 'R'
const FORMAT = 1;
const HEADER = 2 + 1 + 2 + 4 + 2; // magic, format, record version, counter, length
const TRAILER = 4; // CRC-32

export interface Loaded {
  readonly payload: Uint8Array;
  readonly version: number;
  readonly counter: number;
}

/** What reading one slot found. */
type Slot = { readonly ok: true; readonly loaded: Loaded } | { readonly ok: false; readonly why: PumpError | undefined };

export class RecordStore {
  readonly #kv: KeyValueStore;
  /** Problems found while loading (a bad slot whose twin was fine): for the event log. */
  readonly problems: PumpError[] = [];

  constructor(kv: KeyValueStore) {
    this.#kv = kv;
  }

  /** The newest valid copy; `missing` when neither slot was ever written. */
  load(name: string, version: number): Result<Loaded | 'missing'> {
    const a = this.#slot(`${name}.a`, version);
    const b = this.#slot(`${name}.b`, version);
    const best = a.ok && b.ok ? (a.loaded.counter >= b.loaded.counter ? a : b) : a.ok ? a : b.ok ? b : undefined;
    for (const s of [a, b]) if (!s.ok && s.why && best) this.problems.push(s.why);
    if (best?.ok) return ok(best.loaded);
    const why = (!a.ok && a.why) || (!b.ok && b.why);
    return why ? fail(why) : ok('missing');
  }

  /** Writes over the older slot, so the newest valid copy survives if this write is cut. */
  save(name: string, version: number, payload: Uint8Array): number {
    const a = this.#slot(`${name}.a`, version);
    const b = this.#slot(`${name}.b`, version);
    const ca = a.ok ? a.loaded.counter : -1;
    const cb = b.ok ? b.loaded.counter : -1;
    const counter = Math.max(ca, cb) + 1;
    const key = ca <= cb ? `${name}.a` : `${name}.b`;
    const bytes = new Uint8Array(HEADER + payload.length + TRAILER);
    const view = new DataView(bytes.buffer);
    bytes[0] = MAGIC0;
    bytes[1] = MAGIC1;
    bytes[2] = FORMAT;
    view.setUint16(3, version);
    view.setUint32(5, counter);
    view.setUint16(9, payload.length);
    bytes.set(payload, HEADER);
    view.setUint32(HEADER + payload.length, crc32(bytes.subarray(0, HEADER + payload.length)));
    this.#kv.write(key, bytes);
    return counter;
  }

  #slot(key: string, version: number): Slot {
    const bytes = this.#kv.read(key);
    if (!bytes) return { ok: false, why: undefined };
    const bad = (name: 'STORAGE_CORRUPT' | 'STORAGE_FOREIGN' | 'STORAGE_FUTURE', message: string): Slot => ({ ok: false, why: pumpError(name, `${key}: ${message}`, key) });
    if (bytes.length < HEADER + TRAILER || bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) return bad('STORAGE_FOREIGN', 'not a record of this firmware');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const length = view.getUint16(9);
    if (HEADER + length + TRAILER !== bytes.length) return bad('STORAGE_CORRUPT', 'its length does not match');
    if (view.getUint32(HEADER + length) !== crc32(bytes.subarray(0, HEADER + length))) return bad('STORAGE_CORRUPT', 'its CRC does not match');
    if (bytes[2] !== FORMAT || view.getUint16(3) > version) return bad('STORAGE_FUTURE', `written by a newer firmware (format ${bytes[2]}, version ${view.getUint16(3)})`);
    return { ok: true, loaded: { payload: bytes.slice(HEADER, HEADER + length), version: view.getUint16(3), counter: view.getUint32(5) } };
  }
}

/** JSON as ASCII bytes (non-ASCII escaped), so no text encoder is needed on XS. */
export function jsonBytes(value: unknown): Uint8Array {
  return asciiBytes(JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

export function parseJsonBytes(bytes: Uint8Array): Result<unknown> {
  try {
    return ok(JSON.parse(asciiText(bytes)) as unknown);
  } catch {
    return fail(pumpError('STORAGE_CORRUPT', 'a stored record is not valid JSON'));
  }
}
