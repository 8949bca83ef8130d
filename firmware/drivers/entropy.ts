// Random bytes for the protocol's nonces and session ids, from `Math.random`. What that is on
// the ESP32, read in the Moddable SDK 8.2.3 sources: XS's Math.random is c_rand()/C_RAND_MAX,
// and c_rand() is `0x7fffffff & esp_random()` (xs/platforms/esp/xsHost.h), so each byte below
// is the top 8 of 31 bits of one hardware RNG read. ESP-IDF documents esp_random() as a true
// random source only while Wi-Fi or Bluetooth is on, or after bootloader_random_enable()
// (which borrows the SAR ADC, so it must be off again before the battery ADC reads);
// otherwise its output is only pseudo-random. This firmware runs with both radios off and
// does not call bootloader_random_enable(): the nonces are unpredictable only as far as
// that pseudo-random stream is. The fix (issue 18, item 4) is the native module in
// firmware/native/entropy, used through firmware/drivers/entropy-native.ts: it enables the
// entropy source, fills the bytes with esp_fill_random() and disables it again before any ADC
// read (its README.md has the limits). firmware/app/main.ts seeds an HMAC_DRBG from it once
// (entropy-device.ts) and stirs these bytes into every request. On the host and in the XS parity runs the Entropy is seeded
// and deterministic on purpose (host/protocol/virtual-link.ts). docs/protocol.md notes this.

import type { Entropy } from '../ports/auth';

export const mathRandomEntropy: Entropy = {
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256) & 0xff;
    return out;
  },
};
