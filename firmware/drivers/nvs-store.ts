// The key-value port on the ESP32's NVS through Moddable's `preference` module (one domain,
// keys of at most 15 characters, values of at most 4000 bytes as ArrayBuffers). NVS commits
// each key's value atomically, which the record store's alternating slots build on.

import Preference from 'preference';
import { type KeyValueStore } from '../ports/kv-store';

export class NvsStore implements KeyValueStore {
  readonly #domain: string;

  constructor(domain = 'pump') {
    this.#domain = domain;
  }

  read(key: string): Uint8Array | undefined {
    const v = Preference.get(this.#domain, key);
    return v instanceof ArrayBuffer ? new Uint8Array(v) : undefined;
  }

  write(key: string, value: Uint8Array): void {
    Preference.set(this.#domain, key, value.slice().buffer);
  }
}
