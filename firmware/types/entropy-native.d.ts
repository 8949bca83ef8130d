// The "entropy-native" module (firmware/native/entropy: C on the ESP32 and on x-cli-lin,
// nothing elsewhere). firmware/drivers/entropy-device.ts imports it for the device, and
// host/lin/entropy-check.ts in the x-cli-lin build.

declare module 'entropy-native' {
  /** Fills the buffer with random bytes from the platform's source; throws if the source fails. */
  export function fill(buffer: ArrayBuffer | ArrayBufferView): void;
  /** A short text naming the source. */
  export function source(): string;
}
