// The program `npm run bench:device` (host/bench/device.ts) counts instructions of, under
// valgrind's callgrind, in the Moddable SDK's x-cli-lin build: the firmware alone - the real
// controller, PulseStepper and SF06-LF drivers and the protocol link with the SDK's native
// digest (firmware/drivers/digest-native.ts) - on stub IO (host/xs/stub-io.ts) and a virtual
// clock. Simulated time is advanced by that clock inside the program, never by waiting, so a
// simulated hour takes what its timer callbacks cost and nothing else.
//
// The arguments (the global `scriptArgs`, set by host/lin/xs-cli-main.c):
//   deliver <rateNlPerDay> <microsteps> <minutes>
//       boots (controller started, link on, one simulated second run), then runs that many
//       simulated minutes of delivery;
//   commands <count> <prepared>
//       boots the same way, logs in as a clinician (HELLO, AUTH), prepares <prepared> signed
//       STATUS frames (the client's HMACs, done whatever <count> is, so their cost is part of
//       the boot), then hands the link <count> of them, one line per call as the UART's
//       onReadable would, and runs ten more simulated seconds;
//   mac <count>
//       boots, computes <count> frame MACs (frameMacWith over the native digest) and runs ten
//       more simulated seconds: the digest's share of a signed command.
// Runs differ only in the count or the minutes: the slope between runs is what one more
// simulated hour, or one more signed command, costs. The last line is a JSON summary the
// harness checks (still running, no alarm, every command answered OK).

import type { Controller } from '../../firmware/app/controller';
import { nativeCrc16 } from '../../firmware/drivers/crc-native';
import { nativeDigest } from '../../firmware/drivers/digest-native';
import { authProofWith, frameMacWith, NONCE_BYTES, sessionKeyWith } from '../../firmware/protocol/auth';
import { withCrc } from '../../firmware/protocol/frame';
import { ProtocolLink } from '../../firmware/protocol/link';
import { useNativeCrc16 } from '../../firmware/shared/crc';
import { asciiBytes, bytesToHex } from '../../firmware/shared/hex';
import { exampleAuth, opened, PoolClock, quietController } from '../xs/stub-io';

// As firmware/app/main.ts does on the device: frame and record CRCs in C.
useNativeCrc16(nativeCrc16);

const g = globalThis as { trace?: (s: string) => void; scriptArgs?: string[] };
const say = (line: string): void => g.trace?.(`${line}\n`);

const args = g.scriptArgs ?? [];
const mode = args[0];
const clock = new PoolClock();

/** What the link wrote: counted, the last line kept (nothing that grows with the run). */
const out = { lines: 0, ok: 0, last: '' };
function written(line: string): void {
  out.lines++;
  // "<seq> OK ..." for a reply: the byte after the first space.
  const space = line.indexOf(' ');
  if (space > 0 && line.charCodeAt(space + 1) === 0x4f /* O */ && line.charCodeAt(space + 2) === 0x4b /* K */) out.ok++;
  out.last = line;
}

function boot(rateNlPerDay: number, microsteps: number): { controller: Controller; link: ProtocolLink } {
  const controller = quietController(clock, rateNlPerDay, microsteps, 'bench');
  const link = new ProtocolLink({ controller, auth: exampleAuth(nativeDigest, 1), firmwareVersion: 'bench-device', write: written });
  controller.start();
  clock.runFor(1_000);
  return { controller, link };
}

function line(link: ProtocolLink, text: string): void {
  link.receive(asciiBytes(`${text}\n`));
}

/** HELLO and AUTH as a clinician; the session's id and key, for signing frames. */
function login(link: ProtocolLink): { sid: string; ks: Uint8Array } {
  const key = new Uint8Array(32).fill(0x22); // the clinician's example key
  line(link, 'HELLO');
  const nonce = /nonce=([0-9a-f]{32})/.exec(out.last)?.[1];
  if (nonce === undefined) throw new Error(`bench-device: HELLO gave no nonce: ${out.last}`);
  const hostNonce = bytesToHex(new Uint8Array(NONCE_BYTES).fill(0xb0));
  line(link, withCrc(`1 AUTH clinician ${hostNonce} ${authProofWith(nativeDigest, key, nonce, hostNonce, 'clinician')}`));
  const sid = /session=([0-9a-f]{8})/.exec(out.last)?.[1];
  if (sid === undefined) throw new Error(`bench-device: AUTH failed: ${out.last}`);
  return { sid, ks: sessionKeyWith(nativeDigest, key, nonce, hostNonce, sid) };
}

function int(text: string | undefined, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench-device: ${what} must be a whole number, not ${text}`);
  return n;
}

let controller: Controller;
if (mode === 'deliver') {
  const rate = int(args[1], 'rateNlPerDay');
  const microsteps = int(args[2], 'microsteps');
  const minutes = int(args[3], 'minutes');
  controller = boot(rate, microsteps).controller;
  clock.runFor(minutes * 60_000);
} else if (mode === 'commands') {
  const count = int(args[1], 'count');
  const prepared = int(args[2], 'prepared');
  if (count > prepared) throw new Error('bench-device: count must not exceed prepared');
  const booted = boot(1_000_000, 16);
  controller = booted.controller;
  const session = login(booted.link);
  // Each frame as the host would send it: "<seq> STATUS #<mac> *<crc>" and its LF, as bytes.
  const frames: Uint8Array[] = [];
  for (let i = 0; i < prepared; i++) {
    const signed = `${i + 2} STATUS`;
    frames.push(asciiBytes(`${withCrc(`${signed} #${frameMacWith(nativeDigest, session.ks, session.sid, signed)}`)}\n`));
  }
  const before = out.ok;
  for (let i = 0; i < count; i++) booted.link.receive(frames[i]!);
  const answered = out.ok - before;
  if (answered !== count) throw new Error(`bench-device: ${answered} of ${count} signed commands answered OK; last: ${out.last}`);
  clock.runFor(10_000);
} else if (mode === 'mac') {
  // The frame MAC alone, as Auth.verify computes it for each signed frame: the share of a
  // command that is the digest (SDK's hmac.js over its native SHA-256) and not the protocol.
  const count = int(args[1], 'count');
  controller = boot(1_000_000, 16).controller;
  const ks = new Uint8Array(32).fill(0x5a);
  let mac = '';
  for (let i = 0; i < count; i++) mac = frameMacWith(nativeDigest, ks, '0123abcd', '12 STATUS');
  if (count > 0 && mac.length !== 16) throw new Error(`bench-device: a MAC of ${mac.length} hex digits`);
  clock.runFor(10_000);
} else {
  throw new Error('bench-device: arguments are "deliver <rateNlPerDay> <microsteps> <minutes>", "commands <count> <prepared>" or "mac <count>"');
}

const s = controller.status();
say(
  JSON.stringify({
    mode,
    nowMs: clock.nowMs,
    state: s.state,
    deliveredNl: s.deliveredNl,
    alarms: controller.pump.alarms.list().length,
    timerSets: clock.sets,
    timerFires: clock.fired,
    digitalOpens: opened.digital,
    pwmOpens: opened.pwm,
    linkLines: out.lines,
    linkOk: out.ok,
  }),
);
