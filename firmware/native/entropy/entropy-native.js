/*
 * The "entropy-native" module: random bytes from a documented hardware or kernel source, in C
 * (esp32/entropy-esp32.c on the ESP32, lin/entropy-lin.c on x-cli-lin). README.md in this
 * folder says what each source is and what it does not promise; firmware/drivers/entropy-native.ts
 * makes the protocol's Entropy port of `fill`, and firmware/drivers/entropy-native.d.ts declares
 * this module for TypeScript.
 */

/** Fills the ArrayBuffer or typed array with random bytes; throws if the source fails. */
function fill(buffer) @ "xs_entropy_fill";

/** A short text naming the source, for the boot log and the tests. */
function source() @ "xs_entropy_source";

export { fill, source };
