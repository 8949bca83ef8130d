// The device's digest (firmware/drivers/digest-native.ts: the SDK's native SHA-256 and its
// HMAC) on the published vectors, inside the SDK's x-cli-lin build: the same C (modCrypt.c,
// kcl/fips180.c) and the same hmac.js the ESP32 image links. `npx tsx host/lin/build.ts
// --entry digest-check` builds and runs it; host-tests/digest-native.test.ts does that where
// MODDABLE is set and expects every line to start with "ok". The native CRC-16
// (firmware/drivers/crc-native.ts) is checked here too.

import { nativeCrc16 } from '../../firmware/drivers/crc-native';
import { nativeDigest } from '../../firmware/drivers/digest-native';
import { asciiBytes } from '../../firmware/shared/hex';
import { CRC16_CHECKS, runVectors } from './digest-vectors';

const g = globalThis as { trace?: (s: string) => void };
for (const line of runVectors(nativeDigest)) g.trace?.(`${line}\n`);
// The device's CRC-16 (the SDK's CRC16 in C) on the catalogue's check values for "123456789",
// twice each: checksum() carries on from its last value unless reset.
for (const [name, init, want] of CRC16_CHECKS) {
  for (let round = 1; round <= 2; round++) {
    const got = nativeCrc16(asciiBytes('123456789'), init);
    g.trace?.(`${got === want ? 'ok' : 'FAIL'} CRC-16/${name} round ${round}: ${got} (want ${want})\n`);
  }
}
