// Runs the firmware and the virtual rig inside a real XS engine: @agoric/xsnap's
// `xsnap-worker`, built from C sources when `npm ci` runs the package's install script
// (package.json `allowScripts`). The binary is spawned directly; the package's JavaScript API
// would need the SES lockdown stack in the test process.
//
// The protocol (netstrings, `<length>:<bytes>,`): the worker reads commands on its fd 3 and
// writes replies on its fd 4.
//   e<source>  evaluates a script (the bundle from bundle.ts, which defines handleCommand);
//   ?<bytes>   calls the global handleCommand(ArrayBuffer); whatever ArrayBuffer it returns is
//              the body of the reply.
//   .<meter>\x01<body>  is an OK reply: a JSON object (currentHeapCount, compute, allocate,
//              timestamps), the byte 1, then the body;
//   !<text>    is an error reply: the exception's text.
// A scenario's stream comes back as the reply body (JSON), not through `print` or stdout: the
// reply is framed and tied to the request, so nothing else the worker prints can corrupt it.
// If the script calls `issueCommand`, the worker sends `?<bytes>` and blocks for a `/<bytes>`
// reply; the runner hands the bytes to `onIssue` if set (the virtual board's write-through),
// then answers with an empty `/`, always, so no call can hang the worker.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { bundleForXs } from './bundle';
import type { Stream } from './scenarios';

/** The worker's meter for one command (deterministic for `compute`). */
export interface XsMeter {
  readonly currentHeapCount: number;
  readonly compute: number;
  readonly allocate: number;
}

export interface XsReply {
  readonly meter: XsMeter;
  readonly body: Buffer;
}

/** Where `npm ci` builds the worker: node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/<os>/release. */
export function xsnapWorkerPath(): string {
  const os = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'lin';
  let pkg: string;
  try {
    pkg = dirname(createRequire(import.meta.url).resolve('@agoric/xsnap/package.json'));
  } catch {
    pkg = join(dirname(new URL(import.meta.url).pathname), '../../node_modules/@agoric/xsnap');
  }
  return join(pkg, 'xsnap-native/xsnap/build/bin', os, 'release/xsnap-worker');
}

/** Fails with what to do when the binary is not there (the parity tests must fail, not skip). */
export function requireXsnapWorker(): string {
  const path = xsnapWorkerPath();
  if (!existsSync(path)) {
    throw new Error(
      `The XS engine is missing: no xsnap-worker at ${path}. It is built by @agoric/xsnap's install script ` +
        '(gcc and make needed); run `npm ci` (package.json allowScripts lets it run), or ' +
        '`npm rebuild @agoric/xsnap`.',
    );
  }
  return path;
}

/**
 * Why a worker could not be loaded, by stage, since each wants different advice: the worker
 * binary is missing (rebuild it), the bundle did not build (a source error), or XS threw while
 * evaluating it (the firmware does something XS does not: a bug to report, not a rebuild).
 */
export class XsLoadError extends Error {
  constructor(
    readonly stage: 'worker' | 'bundle' | 'evaluate',
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }

  static at<T>(stage: XsLoadError['stage'], f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw new XsLoadError(stage, e);
    }
  }
}

/** A netstring reader: bytes in, whole messages out. */
class NetstringReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (m: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const lenText = this.buf.subarray(0, colon).toString('latin1');
      if (!/^\d+$/.test(lenText)) throw new Error(`bad netstring length from xsnap-worker: ${JSON.stringify(lenText.slice(0, 40))}`);
      const len = Number(lenText);
      const end = colon + 1 + len;
      if (this.buf.length < end + 1) return;
      if (this.buf[end] !== 0x2c) throw new Error('bad netstring terminator from xsnap-worker');
      const message = this.buf.subarray(colon + 1, end);
      this.buf = this.buf.subarray(end + 1);
      this.onMessage(message);
    }
  }
}

function netstring(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${payload.length}:`, 'latin1'), payload, Buffer.from(',', 'latin1')]);
}

/** One xsnap-worker process: one XS machine, commands answered in order. */
export class XsWorker {
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private readonly pending: { resolve: (r: XsReply) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exited: Error | undefined;
  /**
   * Called with the bytes of each issueCommand from inside XS, before the worker gets its
   * answer (it waits for it): what this does is done when the call returns inside XS.
   */
  onIssue: ((bytes: Buffer) => void) | undefined;

  private constructor(binary: string) {
    // fd 3: commands to the worker; fd 4: its replies. stdout (print) and stderr are kept for
    // error messages.
    this.child = spawn(binary, [], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    this.toWorker = this.child.stdio[3] as Writable;
    const fromWorker = this.child.stdio[4] as Readable;
    const reader = new NetstringReader((m) => this.reply(m));
    fromWorker.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (e) {
        this.fail(e as Error);
      }
    });
    const keep = (chunk: Buffer): void => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('error', (e) => this.fail(e));
    this.child.on('exit', (code, signal) => this.fail(new Error(`xsnap-worker exited (code ${code}, signal ${signal}); output: ${this.stderr.trim()}`)));
    this.toWorker.on('error', (e) => this.fail(e));
  }

  /** Starts a worker (the binary must exist: see requireXsnapWorker). */
  static start(binary = requireXsnapWorker()): XsWorker {
    return new XsWorker(binary);
  }

  /** Starts a worker with one of the bundles loaded (host/xs/bundle.ts); closed again if loading fails. */
  static async loaded(entry: Parameters<typeof bundleForXs>[0]): Promise<XsWorker> {
    const binary = XsLoadError.at('worker', requireXsnapWorker);
    const source = await bundleForXs(entry).catch((e: unknown) => {
      throw new XsLoadError('bundle', e);
    });
    const worker = XsWorker.start(binary);
    try {
      await worker.evaluate(source);
    } catch (e) {
      await worker.close();
      throw new XsLoadError('evaluate', e);
    }
    return worker;
  }

  private fail(e: Error): void {
    this.exited ??= e;
    for (const p of this.pending.splice(0)) p.reject(e);
  }

  private reply(m: Buffer): void {
    const kind = m[0];
    if (kind === 0x3f /* ? */) {
      // issueCommand from inside XS: handed to `onIssue` (the board's write-through), then
      // answered, always: the worker waits for the answer, so a stray call cannot hang it.
      try {
        this.onIssue?.(m.subarray(1));
      } finally {
        this.toWorker.write(netstring(Buffer.from('/', 'latin1')));
      }
      return;
    }
    const p = this.pending.shift();
    if (p === undefined) {
      this.fail(new Error(`unexpected reply from xsnap-worker: ${m.subarray(0, 80).toString('utf8')}`));
      return;
    }
    if (kind === 0x2e /* . */) {
      const sep = m.indexOf(0x01);
      const meterText = m.subarray(1, sep < 0 ? m.length : sep).toString('utf8');
      const meter = (meterText === '' ? { currentHeapCount: 0, compute: 0, allocate: 0 } : JSON.parse(meterText)) as XsMeter;
      p.resolve({ meter, body: sep < 0 ? Buffer.alloc(0) : m.subarray(sep + 1) });
    } else if (kind === 0x21 /* ! */) {
      p.reject(new Error(`XS: ${m.subarray(1).toString('utf8')}`));
    } else {
      p.reject(new Error(`unexpected reply from xsnap-worker: ${m.subarray(0, 80).toString('utf8')}`));
    }
  }

  private send(command: string, payload: Buffer): Promise<XsReply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.toWorker.write(netstring(Buffer.concat([Buffer.from(command, 'latin1'), payload])));
    });
  }

  /** Evaluates a script in the machine's global scope (`e`). */
  evaluate(source: string): Promise<XsReply> {
    return this.send('e', Buffer.from(source, 'utf8'));
  }

  /** Calls the global handleCommand with `bytes` (`?`); the reply body is what it returned. */
  command(bytes: Buffer | string): Promise<XsReply> {
    return this.send('?', typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /**
   * The live heap: `w` writes a snapshot, which collects garbage first and then holds exactly
   * the live slots and chunks. Slots are the reply's count; chunk bytes are the size of the
   * snapshot's BLOC atom (xs/sources/xsSnapshot.c, fxWriteSnapshot: atoms of a 4-byte
   * big-endian size, header included, and a 4-letter name). On this 64-bit host: a slot is
   * 32 bytes (16 on the ESP32), and chunk bytes include 64-bit pointers and headers.
   */
  async liveHeap(path: string): Promise<{ slots: number; chunkBytes: number }> {
    const r = await this.send('w', Buffer.from(path, 'utf8'));
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(512);
      const n = readSync(fd, head, 0, head.length, 0);
      // The file's own atom (size, "XS_M"), then VERS, SIGN, CREA, BLOC.
      for (let at = 8; at + 8 <= n; at += head.readUInt32BE(at)) {
        if (head.toString('latin1', at + 4, at + 8) === 'BLOC') return { slots: r.meter.currentHeapCount, chunkBytes: head.readUInt32BE(at) - 8 };
      }
      throw new Error(`no BLOC atom in the first ${n} bytes of the snapshot ${path}`);
    } finally {
      closeSync(fd);
      rmSync(path, { force: true });
    }
  }

  /** Ends the worker (closing fd 3 makes it leave its loop). */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.toWorker.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

/** A worker with the scenario bundle loaded: runs the shared scenarios on XS. */
export class XsScenarioRunner {
  private constructor(private readonly worker: XsWorker) {}

  static async start(): Promise<XsScenarioRunner> {
    return new XsScenarioRunner(await XsWorker.loaded('scenarios'));
  }

  /** The scenario names the bundle knows. */
  async names(): Promise<string[]> {
    const r = await this.worker.command('');
    return (JSON.parse(r.body.toString('utf8')) as { scenarios: string[] }).scenarios;
  }

  /** Runs one scenario inside XS; its stream, and the worker's meter for the run. */
  async run(name: string): Promise<{ stream: Stream; meter: XsMeter }> {
    const r = await this.worker.command(name);
    const { stream } = JSON.parse(r.body.toString('utf8')) as { stream: Stream };
    return { stream, meter: r.meter };
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/**
 * A worker with the virtual board's bundle loaded (host/xs/board-entry.ts): host/board/engine.ts
 * relays the pty's bytes and the wall clock's pacing to it (`--engine xs`).
 */
export function startXsBoardWorker(): Promise<XsWorker> {
  return XsWorker.loaded('board');
}
