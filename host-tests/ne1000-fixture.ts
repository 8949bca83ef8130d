// An in-process board in NE-1000 mode for the tests: the virtual board's core (the firmware,
// the virtual rig, NVS kept as an image) with the NE-1000 client on a mock serial port whose
// far end is the core. Time moves only through runTo(); nothing sleeps.

import library from '../firmware/app/examples/library.example.json';
import mechanics from '../firmware/app/examples/mechanics.example.json';
import prescription from '../firmware/app/examples/prescription.example.json';
import { NE1000_LOADED } from '../firmware/protocol/ne1000/delivery';
import type { BoardCoreOptions } from '../host/board/core';
import { BoardCore } from '../host/board/core';
import { Ne1000Client } from '../host/protocol/ne1000-client';
import { pumpBinding } from './pump-binding';

export interface NeRig {
  readonly core: BoardCore;
  readonly client: Ne1000Client;
  /** Raw bytes in, the reply bytes out (for what a client would not send). */
  raw(bytes: Uint8Array | string): string;
  close(): Promise<void>;
}

export function neCore(extra: Partial<BoardCoreOptions> = {}): BoardCore {
  const s = BoardCore.start({
    defaults: { mechanics, library, prescription },
    program: NE1000_LOADED,
    timeOfDayMs: 8 * 3_600_000,
    faults: [],
    loadCell: false,
    seed: 1,
    entropyHex: '00'.repeat(32),
    provisioningWindowMs: 120_000,
    ne1000: true,
    ...extra,
  });
  if (!s.ok) throw new Error(`the board refused its ${s.what}: ${s.error.message}`);
  return s.core;
}

export async function neRig(extra: Partial<BoardCoreOptions> = {}, core = neCore(extra)): Promise<NeRig> {
  const path = '/dev/ttyNE1000';
  const port = pumpBinding(path, (text) => core.receive(Buffer.from(text, 'latin1')).out);
  const client = await Ne1000Client.open(path, { binding: port.binding, timeoutMs: 5_000 });
  return {
    core,
    client,
    raw: (bytes) => core.receive(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes).out,
    close: () => client.close(),
  };
}
