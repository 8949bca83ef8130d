// The virtual board inside XS (`--engine xs`, host/board/engine.ts): the firmware, the virtual
// rig and the protocol link of host/board/core.ts, behind the worker's global handleCommand.
// The host relays bytes and time. Each message is a JSON header, a newline, then raw bytes
// (the bytes from the pty, or a flash image); each reply has the same shape. The header's
// `op` is start, receive, runTo, key, nvs, flash or shutdown. With `writeThrough` at start,
// every NVS and flash write goes to the host through xsnap's issueCommand, which returns only
// when the host has answered: the write is in the image file before it returns here.

import type { BoardCoreOptions, KeyCommand } from '../board/core';
import { BoardCore } from '../board/core';
import type { ImageSink } from '../board/image-writes';
import { encodeImageWrite } from '../board/image-writes';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
let core: BoardCore | undefined;

interface Header {
  readonly op: string;
  readonly options?: BoardCoreOptions;
  readonly toMs?: number;
  readonly key?: KeyCommand;
  readonly writeThrough?: boolean;
}

const issue = (globalThis as unknown as { issueCommand(message: ArrayBuffer): ArrayBuffer }).issueCommand;
const hostSink: ImageSink = {
  write(w) {
    const bytes = encodeImageWrite(w);
    issue(bytes.buffer as ArrayBuffer);
  },
};

function reply(header: unknown, payload?: Uint8Array): ArrayBuffer {
  const head = encoder.encode(`${JSON.stringify(header)}\n`);
  const out = new Uint8Array(head.length + (payload?.length ?? 0));
  out.set(head, 0);
  if (payload) out.set(payload, head.length);
  return out.buffer as ArrayBuffer;
}

function handleCommand(message: ArrayBuffer): ArrayBuffer {
  const bytes = new Uint8Array(message);
  const nl = bytes.indexOf(10);
  const header = JSON.parse(decoder.decode(bytes.subarray(0, nl < 0 ? bytes.length : nl))) as Header;
  const payload = nl < 0 ? new Uint8Array(0) : bytes.subarray(nl + 1);
  if (header.op === 'start') {
    const started = BoardCore.start(header.options!, payload.length > 0 ? payload.slice() : undefined, header.writeThrough ? hostSink : undefined);
    if (!started.ok) return reply({ ok: false, what: started.what, error: started.error });
    core = started.core;
    return reply({ ok: true, installedKeys: core.installedKeys, result: core.runTo(core.pump.nowMs) });
  }
  if (core === undefined) throw new Error(`board op ${header.op} before start`);
  switch (header.op) {
    case 'receive':
      return reply(core.receive(payload));
    case 'runTo':
      return reply(core.runTo(header.toMs!));
    case 'key':
      return reply(core.key(header.key!));
    case 'nvs':
      return reply(core.nvsImage());
    case 'flash':
      return reply({}, core.flashImage());
    case 'shutdown':
      return reply(core.shutdown());
    default:
      throw new Error(`unknown board op ${header.op}`);
  }
}

(globalThis as unknown as { handleCommand: typeof handleCommand }).handleCommand = handleCommand;
