// The Entropy the device's protocol uses: the native module's hardware source (esp_fill_random
// with the SAR ADC entropy source on, firmware/native/entropy) seeds an HMAC_DRBG on the SDK's
// native digest, once, when firmware/app/main.ts calls this before it opens the battery's
// ADC. Each request stirs in 8 bytes of Math.random (esp_random()) and a request counter.

import { fill } from 'entropy-native';
import type { Entropy } from '../ports/auth';
import { nativeDigest } from './digest-native';
import { mathRandomEntropy } from './entropy';
import { seededEntropy } from './entropy-native';

export function createDeviceEntropy(): Entropy {
  let count = 0;
  return seededEntropy(fill, nativeDigest.hmacSha256, () => {
    const stir = mathRandomEntropy.bytes(8);
    // A counter in the last 4 bytes: two requests never stir the same bytes in.
    count = (count + 1) >>> 0;
    new DataView(stir.buffer).setUint32(4, count ^ new DataView(stir.buffer).getUint32(4));
    return stir;
  });
}
