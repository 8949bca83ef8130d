// A key-value store with NVS semantics (ESP32 `preference` / `embedded:storage/key-value`):
// keys of at most 15 characters, values of at most 4000 bytes. A write is not atomic: a power
// cut may leave the key with its old value, its new one or MISSING (the SDK erases the key
// before writing it), never a mix. Callers that must keep a value alternate two keys.

export interface KeyValueStore {
  read(key: string): Uint8Array | undefined;
  write(key: string, value: Uint8Array): void;
}
