// An NVS-like key-value store for the host: atomic per key, and able to lose power during a
// write (the old value stays), so tests can cut power at any write. No Node APIs.

import { type KeyValueStore } from '../../firmware/ports/kv-store';

export class PowerCut extends Error {
  constructor() {
    super('power cut');
  }
}

export class MockKeyValueStore implements KeyValueStore {
  readonly #values = new Map<string, Uint8Array>();
  /** Writes left before the power goes (undefined: never). The write that hits 0 is lost. */
  #writesLeft: number | undefined;
  /** Bytes that may still be written before the power goes (undefined: no cut armed). */
  #bytesLeft: number | undefined;
  writes = 0;
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
    if (this.#writesLeft !== undefined) {
      if (this.#writesLeft === 0) throw new PowerCut();
      this.#writesLeft--;
    }
    // NVS commits a value whole: cut after fewer bytes than it has, and the old value stays.
    if (this.#bytesLeft !== undefined) {
      if (this.#bytesLeft < value.length) {
        this.#bytesLeft = 0;
        throw new PowerCut();
      }
      this.#bytesLeft -= value.length;
    }
    this.writes++;
    this.#values.set(key, value.slice());
  }

  /** The power goes during write number `n` from now (0: the next write is lost). */
  cutAtWrite(n: number): void {
    this.#writesLeft = n;
  }

  /** The power goes after `n` more bytes have been written. */
  cutAfterBytes(n: number): void {
    this.#bytesLeft = n;
  }

  reboot(): void {
    this.#writesLeft = undefined;
    this.#bytesLeft = undefined;
    this.onWrite = undefined;
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
}
