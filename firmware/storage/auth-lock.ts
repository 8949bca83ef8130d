// The AUTH lockout in NVS (issue 14, item 5): failed AUTHs in a row and when the lock ends, so
// a power cycle no longer clears it. A record of its own on the RecordStore (alternating slots,
// CRC, counter: records.ts), so the erase-then-write of the ESP32's NVS never loses both the old
// and the new value. Written at each AUTH that tests a key, rate-limited by the lock itself
// (after the third failure, one attempt per lock: at most 144 a day at the 10-minute lock).

import type { LockoutMemory, LockoutStore } from '../ports/auth';
import type { RecordStore } from './records';
import { jsonBytes, parseJsonBytes } from './records';

const NAME = 'authlock';
const VERSION = 1;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export class StoredLockout implements LockoutStore {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  /** Never written: undefined. Both slots bad, or a payload that does not check: lost. */
  load(): LockoutMemory | 'lost' | undefined {
    const r = this.#records.load(NAME, VERSION);
    if (!r.ok) return 'lost';
    if (r.value === 'missing') return undefined;
    const parsed = parseJsonBytes(r.value.payload);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return 'lost';
    const m = parsed.value as Record<string, unknown>;
    const failures = m['failures'];
    const lockedUntilMs = m['untilMs'];
    const lockMs = m['lockMs'];
    if (!isCount(failures) || !isCount(lockedUntilMs) || !isCount(lockMs)) return 'lost';
    return { failures, lockedUntilMs, lockMs };
  }

  save(m: LockoutMemory): void {
    this.#records.save(NAME, VERSION, jsonBytes({ failures: m.failures, untilMs: m.lockedUntilMs, lockMs: m.lockMs }));
  }
}
