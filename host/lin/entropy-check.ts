/// <reference path="../../firmware/types/entropy-native.d.ts" />
// The native entropy module (firmware/native/entropy, through firmware/drivers/entropy-native.ts)
// in the SDK's x-cli-lin build, where its C is the getrandom(2) variant: `npx tsx
// host/lin/build.ts --entry entropy-check` builds and runs it; every line should start with
// "ok". These check the plumbing (every byte asked for is written, no more, sub-views at an
// offset, long requests looped, two draws differ) and catch a source that is stuck or biased
// grossly; they do not certify randomness, which is the kernel's (or, on the ESP32, the
// hardware's) to provide.

import { fill, source } from 'entropy-native';
import { nativeEntropy } from '../../firmware/drivers/entropy-native';

const g = globalThis as { trace?: (s: string) => void };
const say = (line: string): void => g.trace?.(`${line}\n`);
const check = (ok: boolean, what: string): void => say(`${ok ? 'ok' : 'not ok'} ${what}`);

const entropy = nativeEntropy(fill);
const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

check(/getrandom/.test(source()), `source: ${source()}`);
check(entropy.bytes(0).length === 0, 'no bytes asked, none given');
const nonce = entropy.bytes(16);
const sid = entropy.bytes(4);
check(nonce.length === 16 && sid.length === 4, 'a 16-byte nonce and a 4-byte session id have their lengths');
check(!sameBytes(entropy.bytes(32), entropy.bytes(32)), 'two 32-byte draws differ');

// A view at an offset: only its 16 bytes are written.
const whole = new Uint8Array(32);
fill(whole.subarray(8, 24));
check(allZero(whole.subarray(0, 8)) && allZero(whole.subarray(24)) && !allZero(whole.subarray(8, 24)), 'a sub-view is filled inside its bounds only');

// An ArrayBuffer, and a request longer than one getrandom call (256 bytes): the tail is written.
const raw = new ArrayBuffer(1_000);
fill(raw);
check(!allZero(new Uint8Array(raw, 900)), 'a 1000-byte ArrayBuffer is filled to its end');

// 20 000 bits: the FIPS 140-2 monobit bounds (9 725 < ones < 10 275).
const bits = entropy.bytes(2_500);
let ones = 0;
for (const b of bits) for (let v = b; v; v >>= 1) ones += v & 1;
check(ones > 9_725 && ones < 10_275, `monobit: ${ones} ones in 20000 bits`);

// 65 536 bytes in 256 bins: chi-square with 255 degrees of freedom below 330.5 (p = 0.001).
const counts = new Array<number>(256).fill(0);
for (const b of entropy.bytes(65_536)) counts[b]!++;
const chi = counts.reduce((s, c) => s + (c - 256) ** 2 / 256, 0);
check(chi < 330.5, `byte histogram: chi-square ${chi.toFixed(1)} (255 degrees of freedom)`);
