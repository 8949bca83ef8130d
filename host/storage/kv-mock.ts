// An NVS-like key-value store for the host, with the ESP32's real write sequence: every write
// erases the key, then writes it, so a power cut in between leaves the key MISSING, not holding
// its old value. Tests can cut the power at either step, or after any byte of a value. No Node APIs.

import type { KeyValueStore } from '../../firmware/ports/kv-store';
import { PowerCut } from './flash-mock';

export { PowerCut };

/**
 * Steps one write takes. The Moddable SDK's `Preference.set` on esp32
 * (modules/files/preference/esp32/modPreference.c, 8.2.x) calls nvs_erase_key (to work around
 * an ESP-IDF bug when a key changes type), then nvs_set_blob, then nvs_commit. ESP-IDF's NVS
 * writes each entry to flash as it is called, with a CRC-32 per entry, and drops an entry whose
 * CRC fails when it mounts the partition: so the erase is one step, and the set is the other,
 * which is either complete or absent. (nvs_commit writes nothing on the current NVS.)
 */
export const STEPS_PER_WRITE = 2;

export class MockKeyValueStore implements KeyValueStore {
  readonly #values = new Map<string, Uint8Array>();
  /** Steps (an erase or a set) that may still run before the power goes; undefined: no cut armed. */
  #stepsLeft: number | undefined;
  /** Value bytes that may still be written before the power goes; undefined: no cut armed. */
  #bytesLeft: number | undefined;
  /** Completed writes (the set step done). */
  writes = 0;
  /** Erase steps run (each write's, and those of writes cut before their set). */
  erases = 0;
  /** Called before each write with the store as it stands (power-cut journals). */
  onWrite: ((key: string, value: Uint8Array) => void) | undefined;

  read(key: string): Uint8Array | undefined {
    const v = this.#values.get(key);
    return v ? v.slice() : undefined;
  }

  write(key: string, value: Uint8Array): void {
    if (key.length > 15) throw new RangeError(`NVS keys are at most 15 characters: "${key}"`);
    if (value.length > 4000) throw new RangeError(`NVS values are at most 4000 bytes (${value.length})`);
    this.onWrite?.(key, value);
    this.#step(); // nvs_erase_key
    this.#values.delete(key);
    this.erases++;
    this.#step(); // nvs_set_blob: whole or absent, and the old value is already gone
    if (this.#bytesLeft !== undefined) {
      if (this.#bytesLeft < value.length) {
        const written = this.#bytesLeft;
        this.#bytesLeft = 0;
        throw new PowerCut(`power cut after ${written} of ${value.length} bytes of "${key}": the key is missing`);
      }
      this.#bytesLeft -= value.length;
    }
    this.writes++;
    this.#values.set(key, value.slice());
  }

  /**
   * The power goes after `n` more steps, counting each write's erase and its set separately
   * (STEPS_PER_WRITE per write): 0 cuts before the next erase (the old value stays), 1 after it
   * (the key is missing), 2 after the whole write.
   */
  cutAtStep(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`kv: cutAtStep(${n})`);
    this.#stepsLeft = n;
  }

  /** The power goes during write number `n` from now (0: the next), after its erase: the key is left missing. */
  cutAtWrite(n: number): void {
    this.cutAtStep(n * STEPS_PER_WRITE + 1);
  }

  /** The power goes after `n` more value bytes have been written (the cut write's key is left missing). */
  cutAfterBytes(n: number): void {
    this.#bytesLeft = n;
  }

  reboot(): void {
    this.#stepsLeft = undefined;
    this.#bytesLeft = undefined;
    this.onWrite = undefined;
  }

  /** The keys stored now. */
  keys(): string[] {
    return [...this.#values.keys()];
  }

  /** A copy of everything stored (for power-cut replays). */
  clone(): MockKeyValueStore {
    const c = new MockKeyValueStore();
    for (const [k, v] of this.#values) c.#values.set(k, v.slice());
    return c;
  }

  /** Direct damage, for corruption tests. */
  corrupt(key: string, at: number): void {
    const v = this.#values.get(key);
    if (v && at < v.length) v[at]! ^= 0xff;
  }

  /** Direct removal, as a cut after the erase leaves it (tests). */
  remove(key: string): void {
    this.#values.delete(key);
  }

  /** Every step refuses once the cut has happened, until `reboot()`. */
  #step(): void {
    if (this.#stepsLeft === undefined) return;
    if (this.#stepsLeft === 0) throw new PowerCut('power cut between NVS steps');
    this.#stepsLeft--;
  }
}
