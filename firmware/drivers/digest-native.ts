/// <reference path="../types/crypt.d.ts" />
// The Digest port on the device: the Moddable SDK's native SHA-256 (module "crypt", C in
// modules/crypt/digest) and its HMAC (module "hmac", modules/crypt/etc/hmac.js: two passes of
// that native digest, with only the 64-byte pads in JavaScript). manifest.json puts "crypt",
// "bin" and "hmac" in the esp32 and x-cli-lin images and rollup.config.mjs keeps them as
// imports. host/lin/digest-check.ts runs the RFC 4231 vectors through this file in the SDK's
// x-cli-lin build (host-tests/digest-native.test.ts, where MODDABLE is set).

import { Digest as CryptDigest } from 'crypt';
import HMAC from 'hmac';
import type { Digest } from '../ports/digest';

export const nativeDigest: Digest = Object.freeze({
  sha256(data: Uint8Array): Uint8Array {
    const d = new CryptDigest('SHA256');
    d.write(data);
    return new Uint8Array(d.close());
  },
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    // A Digest per call: the HMAC resets and rewrites the one it is given, and a signed
    // command needs one HMAC, so nothing is gained by keeping one alive between commands.
    const h = new HMAC(new CryptDigest('SHA256'), key);
    h.update(data);
    return new Uint8Array(h.close());
  },
});
