// The Entropy port over the native module in firmware/native/entropy (issue 18, item 4): on
// the ESP32, esp_fill_random() with the SAR ADC entropy source switched on for the call
// (bootloader_random_enable/disable), which ESP-IDF documents as true random with the radios
// off; on the SDK's Linux target, getrandom(2). The limits of each are in
// firmware/native/entropy/README.md. Unlike firmware/drivers/entropy.ts (Math.random, that is
// esp_random() with no entropy source on), these bytes do not come from a pseudo-random stream.
//
// The module's `fill` is passed in rather than imported here, so that the host tests run
// these over a stand-in: firmware/drivers/entropy-device.ts imports the module and is what
// firmware/app/main.ts uses. host/lin/entropy-check.ts runs nativeEntropy over the module in
// the x-cli-lin build. firmware/types/entropy-native.d.ts declares the module.

import type { Entropy } from '../ports/auth';
import type { HmacSha256 } from '../shared/hmac-drbg';
import { HmacDrbg } from '../shared/hmac-drbg';

/** The native module's fill: writes random bytes over the whole view, or throws. */
export type FillRandom = (buffer: Uint8Array) => void;

/** An Entropy that asks `fill` for every request, keeping nothing between calls. */
export function nativeEntropy(fill: FillRandom): Entropy {
  return Object.freeze({
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      if (n > 0) fill(out);
      return out;
    },
  });
}

/** Bytes read from the source at boot: 32 of entropy input and 16 of nonce (SP 800-90A). */
export const SEED_BYTES = 48;

/**
 * The device's Entropy: HMAC_DRBG seeded once from `fill` when created, then every request
 * generated from it. The ESP32's source borrows the SAR ADC the battery reads (README.md in
 * firmware/native/entropy), so it is read once, before the battery's ADC is opened, not at
 * every HELLO. `stir` (8 bytes, e.g. esp_random() through Math.random, and a counter) goes in
 * as additional input on every request: it cannot weaken the seed, and hedges a bad one.
 */
export function seededEntropy(fill: FillRandom, hmac: HmacSha256, stir: () => Uint8Array): Entropy {
  const seed = new Uint8Array(SEED_BYTES);
  fill(seed);
  const drbg = new HmacDrbg(hmac, seed);
  seed.fill(0);
  return Object.freeze({
    bytes: (n: number): Uint8Array => drbg.generate(n, stir()),
  });
}
