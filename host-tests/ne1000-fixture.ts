// An in-process board in NE-1000 mode for the tests: the virtual board's core (the firmware,
// the virtual rig, NVS kept as an image) with the NE-1000 client on a mock serial port whose
// far end is the core. Time moves only through runTo(); nothing sleeps.

import { NE1000_LOADED } from '../firmware/protocol/ne1000/delivery';
import type { BoardCoreOptions } from '../host/board/core';
import type { BoardCore } from '../host/board/core';
import { startExampleCore } from '../host/board/example-core';
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
  return startExampleCore({ program: NE1000_LOADED, timeOfDayMs: 8 * 3_600_000, ne1000: true, ...extra });
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
