// A key-value store with NVS semantics (ESP32 `preference` / `embedded:storage/key-value`):
// keys of at most 15 characters, values of at most 4000 bytes, each write atomic per key (a
// power cut leaves the old value or the new one, never a mix).

export interface KeyValueStore {
  read(key: string): Uint8Array | undefined;
  write(key: string, value: Uint8Array): void;
}
