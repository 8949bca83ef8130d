// The protocol on the virtual board: a ProtocolLink wired to a virtual pump's controller, with
// deterministic entropy and provisioned keys, and clients talking to it in process. Tests,
// the fuzz benchmark and (later) the pseudo-terminal board build on it. No Node APIs.

import { FIRMWARE_VERSION } from '../../firmware/app/assemble';
import { createAuth } from '../../firmware/app/security';
import { nobleDigest } from './digest-noble';
import type { Auth, Entropy, Role } from '../../firmware/protocol/auth';
import { MemoryKeyStore } from '../../firmware/protocol/auth';
import { lineBytes } from '../../firmware/shared/crc';
import { ProtocolLink } from '../../firmware/protocol/link';
import type { VirtualPump, VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import { Prng } from '../sim/prng';
import { ProtocolClient } from './client';

/** Entropy from a seeded PRNG: the same bytes every run (never for a real device). */
export function seededEntropy(seed: number): Entropy {
  const prng = new Prng(seed);
  return { bytes: (n) => Uint8Array.from({ length: n }, () => prng.nextUint32() & 0xff) };
}

/** Example keys for tests and the virtual board: role byte repeated. Never use on a device. */
export function exampleKey(role: Role): Uint8Array {
  return new Uint8Array(32).fill(role === 'patient' ? 0x11 : role === 'clinician' ? 0x22 : 0x33);
}

export interface LinkedPump {
  readonly vp: VirtualPump;
  readonly link: ProtocolLink;
  readonly auth: Auth;
  readonly keys: MemoryKeyStore;
  /** Lines the link wrote that were not replies to a client (event lines). */
  readonly written: string[];
  client(): ProtocolClient;
}

export function createLinkedPump(options: VirtualPumpOptions & { readonly keys?: boolean }): LinkedPump {
  const vp = createVirtualPump(options);
  const keys = new MemoryKeyStore();
  if (options.keys !== false) for (const r of ['patient', 'clinician', 'service'] as const) keys.set(r, exampleKey(r));
  // As on the device (firmware/app/main.ts): failed attempts are events, and with storage the
  // lockout is kept in NVS across a new board booted from it.
  const auth = createAuth({ controller: vp.controller, entropy: seededEntropy(7), digest: nobleDigest, keys, ...(vp.persistence && { records: vp.persistence.records }) });
  const written: string[] = [];
  let capture: string[] | undefined;
  const link = new ProtocolLink({
    controller: vp.controller,
    auth,
    firmwareVersion: FIRMWARE_VERSION,
    ...(vp.persistence?.log && { log: vp.persistence.log }),
    write: (line) => (capture ?? written).push(line),
  });
  const send = (line: string): string[] => {
    capture = [];
    link.receive(lineBytes(`${line}\n`));
    const out = capture;
    capture = undefined;
    return out;
  };
  return { vp, link, auth, keys, written, client: () => new ProtocolClient(send, seededEntropy(11)) };
}
