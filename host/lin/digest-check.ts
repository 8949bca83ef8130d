// The device's digest (firmware/drivers/digest-native.ts: the SDK's native SHA-256 and its
// HMAC) on the published vectors, inside the SDK's x-cli-lin build: the same C (modCrypt.c,
// kcl/fips180.c) and the same hmac.js the ESP32 image links. `npx tsx host/lin/build.ts
// --entry digest-check` builds and runs it; host-tests/digest-native.test.ts does that where
// MODDABLE is set and expects every line to start with "ok".

import { nativeDigest } from '../../firmware/drivers/digest-native';
import { runVectors } from './digest-vectors';

const g = globalThis as { trace?: (s: string) => void };
for (const line of runVectors(nativeDigest)) g.trace?.(`${line}\n`);
