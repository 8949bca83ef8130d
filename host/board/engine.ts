// Where the board's firmware runs: in this Node process (BoardCore directly), or inside the XS
// engine of @agoric/xsnap's worker, the engine the ESP32 runs (`--engine xs`). Both behind one
// asynchronous interface, so the board relays bytes and time the same way to either; the
// replies are the same because the same core module answers on both.

import type { PumpError } from '../../firmware/core/errors';
import type { Role } from '../../firmware/protocol/auth';
import type { VirtualPump } from '../sim/virtual-pump';
import type { XsWorker } from '../xs/runner';
import { startXsBoardWorker, XsLoadError } from '../xs/runner';
import type { BoardCoreOptions, KeyCommand, StepResult } from './core';
import { BoardCore } from './core';
import type { ImageSink } from './image-writes';
import { decodeImageWrite } from './image-writes';
import { boardError } from '../errors/board';

export type EngineName = 'node' | 'xs';

export type EngineStart =
  | { readonly ok: true; readonly installedKeys: Partial<Record<Role, string>>; readonly result: StepResult }
  | { readonly ok: false; readonly what: 'prescription' | 'mechanics' | 'library'; readonly error: PumpError };

export type KeyResult = StepResult & { readonly said: { command: string; ok: boolean; text: string } };

export interface BoardEngine {
  readonly name: EngineName;
  /** The virtual pump itself (Node engine only; the XS one lives in the worker). */
  readonly pump: VirtualPump | undefined;
  /** Boots the firmware; with `sink`, its NVS and flash writes are written through to it. */
  start(o: BoardCoreOptions, flash: Uint8Array | undefined, sink?: ImageSink): Promise<EngineStart>;
  receive(bytes: Uint8Array): Promise<StepResult>;
  runTo(toMs: number): Promise<StepResult>;
  key(k: KeyCommand): Promise<KeyResult>;
  nvsImage(): Promise<Record<string, string>>;
  flashImage(): Promise<Uint8Array>;
  shutdown(): Promise<StepResult>;
  close(): Promise<void>;
}

class NodeEngine implements BoardEngine {
  readonly name = 'node';
  #core: BoardCore | undefined;
  get pump(): VirtualPump | undefined {
    return this.#core?.pump;
  }
  #c(): BoardCore {
    if (!this.#core) throw new Error('the board engine was not started');
    return this.#core;
  }
  async start(o: BoardCoreOptions, flash: Uint8Array | undefined, sink?: ImageSink): Promise<EngineStart> {
    const s = BoardCore.start(o, flash, sink);
    if (!s.ok) return s;
    this.#core = s.core;
    return { ok: true, installedKeys: s.core.installedKeys, result: s.core.runTo(s.core.pump.nowMs) };
  }
  async receive(bytes: Uint8Array): Promise<StepResult> {
    return this.#c().receive(bytes);
  }
  async runTo(toMs: number): Promise<StepResult> {
    return this.#c().runTo(toMs);
  }
  async key(k: KeyCommand): Promise<KeyResult> {
    return this.#c().key(k);
  }
  async nvsImage(): Promise<Record<string, string>> {
    return this.#c().nvsImage();
  }
  async flashImage(): Promise<Uint8Array> {
    return this.#c().flashImage();
  }
  async shutdown(): Promise<StepResult> {
    return this.#c().shutdown();
  }
  async close(): Promise<void> {}
}

class XsEngine implements BoardEngine {
  readonly name = 'xs';
  readonly pump = undefined;
  readonly #worker: XsWorker;
  constructor(worker: XsWorker) {
    this.#worker = worker;
  }
  async #call<T>(header: Record<string, unknown>, payload?: Uint8Array): Promise<{ header: T; payload: Buffer }> {
    const head = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');
    const r = await this.#worker.command(payload ? Buffer.concat([head, payload]) : head);
    const nl = r.body.indexOf(10);
    return { header: JSON.parse(r.body.subarray(0, nl).toString('utf8')) as T, payload: r.body.subarray(nl + 1) };
  }
  async start(o: BoardCoreOptions, flash: Uint8Array | undefined, sink?: ImageSink): Promise<EngineStart> {
    // Each write crosses as an issueCommand the worker waits on: in the file before it returns.
    this.#worker.onIssue = sink && ((bytes) => sink.write(decodeImageWrite(new Uint8Array(bytes))));
    return (await this.#call<EngineStart>({ op: 'start', options: o, writeThrough: sink !== undefined }, flash)).header;
  }
  async receive(bytes: Uint8Array): Promise<StepResult> {
    return (await this.#call<StepResult>({ op: 'receive' }, bytes)).header;
  }
  async runTo(toMs: number): Promise<StepResult> {
    return (await this.#call<StepResult>({ op: 'runTo', toMs })).header;
  }
  async key(k: KeyCommand): Promise<KeyResult> {
    return (await this.#call<KeyResult>({ op: 'key', key: k })).header;
  }
  async nvsImage(): Promise<Record<string, string>> {
    return (await this.#call<Record<string, string>>({ op: 'nvs' })).header;
  }
  async flashImage(): Promise<Uint8Array> {
    return new Uint8Array((await this.#call<unknown>({ op: 'flash' })).payload);
  }
  async shutdown(): Promise<StepResult> {
    return (await this.#call<StepResult>({ op: 'shutdown' })).header;
  }
  close(): Promise<void> {
    return this.#worker.close();
  }
}

/** What to do, by where loading the board on XS failed (runner.ts XsLoadError). */
const XS_ADVICE: Record<XsLoadError['stage'], string> = {
  worker: 'Run without --engine xs to use Node, or rebuild the worker with `npm rebuild @agoric/xsnap` (gcc and make needed).',
  bundle: 'The board bundle for XS did not build: a source error (npm run typecheck shows it). Run without --engine xs meanwhile.',
  evaluate: 'XS threw while loading the firmware (the worker itself is fine): something in the firmware XS does not support, a bug to report with this message. Run without --engine xs meanwhile.',
};

/** E860 for a board XS could not load, with the advice for the stage that failed. */
export function xsUnavailable(e: unknown): ReturnType<typeof boardError> {
  const message = e instanceof Error ? e.message : String(e);
  return boardError('XS_UNAVAILABLE', `${message}\n${XS_ADVICE[e instanceof XsLoadError ? e.stage : 'worker']}`);
}

export async function createEngine(name: EngineName): Promise<BoardEngine> {
  if (name === 'node') return new NodeEngine();
  try {
    return new XsEngine(await startXsBoardWorker());
  } catch (e) {
    throw xsUnavailable(e);
  }
}
