// The Entropy port over the native module in firmware/native/entropy (issue 18, item 4): on
// the ESP32, esp_fill_random() with the SAR ADC entropy source switched on for the call
// (bootloader_random_enable/disable), which ESP-IDF documents as true random with the radios
// off; on the SDK's Linux target, getrandom(2). The limits of each are in
// firmware/native/entropy/README.md. Unlike firmware/drivers/entropy.ts (Math.random, that is
// esp_random() with no entropy source on), these bytes do not come from a pseudo-random stream.
//
// The module's `fill` is passed in rather than imported here: the firmware's list of platform
// modules a driver may import (rollup.config.mjs MODDABLE_BUILTINS, mirrored in
// host-tests/build.test.ts) does not name "entropy-native" yet. To use it on the board, add
// "entropy-native" to both lists and, in firmware/app/main.ts,
//   import { fill } from 'entropy-native';
//   createAuth({ ..., entropy: nativeEntropy(fill), ... })
// in place of mathRandomEntropy. host/lin/entropy-check.ts runs this file over the module in
// the x-cli-lin build. firmware/drivers/entropy-native.d.ts declares the module.

import { type Entropy } from '../ports/auth';

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
