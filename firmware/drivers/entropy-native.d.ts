// The "entropy-native" module (firmware/native/entropy: C on the ESP32 and on x-cli-lin,
// nothing elsewhere). host/lin/entropy-check.ts imports it; firmware/drivers/entropy-native.ts
// takes its `fill` as an argument.

declare module 'entropy-native' {
  /** Fills the buffer with random bytes from the platform's source; throws if the source fails. */
  export function fill(buffer: ArrayBuffer | ArrayBufferView): void;
  /** A short text naming the source. */
  export function source(): string;
}
