// The key-value port on the ESP32's NVS through Moddable's `preference` module (one domain,
// keys of at most 15 characters, values of at most 4000 bytes as ArrayBuffers). A write is NOT
// atomic per key: `Preference.set` erases the key, then writes and commits it (the SDK's
// modules/files/preference/esp32/modPreference.c), so a power cut in between leaves the key
// missing. Nothing here can close that gap; the record store's alternating slots make it safe
// (firmware/storage/records.ts). A failed write throws from the SDK ("nvs set fail").

import Preference from 'preference';
import type { KeyValueStore } from '../ports/kv-store';

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
