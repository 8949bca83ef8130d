// The virtual board: the firmware (on Node or XS, host/board/engine.ts) behind one end of a
// socat pty pair; users connect to the other end's stable link with pumpctl or a serial
// terminal. Bytes from the pty go to the link at the current virtual time and the replies go
// straight back; virtual time follows the wall clock times --speed (pacer.ts), or with
// --clock manual moves only when a controller says so on the clock socket (clock-control.ts). NVS and flash
// images in the state directory are written through (state.ts): every write of the firmware
// is in them before it returns to the firmware, as on the device, so a board killed with
// kill -9 and restarted boots from exactly what it had written, like a real board after a
// power cut. More emulated devices (a balance) can sit on ptys of their own.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { formatError } from '../../firmware/core/errors';
import type { PumpEvent } from '../../firmware/core/events';
import type { SerialDevice } from '../serial/device';
import type { PtyPair } from '../serial/pty';
import { createPtyPair } from '../serial/pty';
import type { VirtualPump } from '../sim/virtual-pump';
import type { BoardCoreOptions, BoardSnapshot, KeyCommand, StepResult } from './core';
import type { BoardEngine, EngineName } from './engine';
import { createEngine } from './engine';
import type { ClockMode } from './clock-control';
import { clockError, clockSocketPath, listenClock, parseClockCommand } from './clock-control';
import { BoardLock, clearStaleLink } from './lock';
import { Pacer } from './pacer';
import type { ImageFiles } from './state';
import { boardKeys, NVS_LOG_MAX_BYTES, StateDir } from './state';
import { HostError } from '../errors';
import { boardError } from '../errors/board';
export const BAUD = 115_200;
/**
 * A manual advance runs the firmware in slices of this much board time, the devices polled
 * after each (a balance's continuous output, a reading settling), as the pacer's frames would.
 */
const CLOCK_SLICE_MS = 60_000;

export interface BoardOptions {
  /** Where users connect: a symlink to the user end of the pty pair. */
  readonly link: string;
  readonly stateDir: string;
  readonly fresh: boolean;
  readonly keysFile: string | undefined;
  readonly engine: EngineName;
  readonly speed: number;
  /** Default wall: time follows the wall clock times `speed`. manual: only the clock socket moves it. */
  readonly clock?: ClockMode;
  /** Everything the firmware side needs except images, keys and entropy. */
  readonly core: Omit<BoardCoreOptions, 'nvs' | 'keys' | 'keysMode' | 'entropyHex'>;
  /** Fixed entropy (tests comparing engines); default: the host's random source. */
  readonly entropyHex?: string;
  readonly socat?: string;
}

export interface BoardListener {
  event?(e: PumpEvent, snapshot: BoardSnapshot): void;
  frame?(snapshot: BoardSnapshot): void;
  said?(said: { command: string; ok: boolean; text: string }): void;
  /** The board stopped by itself (socat died, the engine failed). */
  failed?(e: HostError): void;
}

/** What the host sees of a device on its own pty. */
export interface AttachedDevice {
  readonly name: string;
  readonly link: string;
  readonly device: string;
}

interface Endpoint {
  readonly name: string;
  readonly pair: PtyPair;
  readonly port: SerialPortStream;
  readonly poll: (() => void) | undefined;
}

function openPort(path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ path, baudRate: BAUD, binding: autoDetect(), autoOpen: false });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(boardError('PTY_FAILED', `cannot open the board end ${path}: ${err.message}`)) : resolve(port))));
}

export class VirtualBoard {
  readonly options: BoardOptions;
  readonly engine: BoardEngine;
  readonly state: StateDir;
  /** The file of role keys pumpctl reads with --keys. */
  readonly keysFile: string;
  readonly keysGenerated: boolean;
  #snapshot: BoardSnapshot;
  readonly #listeners: BoardListener[] = [];
  readonly #locks: BoardLock[];
  readonly #endpoints: Endpoint[] = [];
  #pump: Endpoint | undefined;
  #pacer: Pacer | undefined;
  #clockServer: { close(): Promise<void> } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** The image files every NVS and flash write goes through to. */
  readonly #files: ImageFiles;
  #stopped: Promise<void> | undefined;

  private constructor(o: BoardOptions, engine: BoardEngine, state: StateDir, files: ImageFiles, locks: BoardLock[], keys: { file: string; generated: boolean }, first: BoardSnapshot) {
    this.options = o;
    this.engine = engine;
    this.state = state;
    this.#files = files;
    this.#locks = locks;
    this.keysFile = keys.file;
    this.keysGenerated = keys.generated;
    this.#snapshot = first;
  }

  /** Boots the firmware from the state directory and puts it behind a pty at `o.link`. */
  static async start(o: BoardOptions, listener?: BoardListener): Promise<VirtualBoard> {
    const state = new StateDir(o.stateDir);
    state.ensure();
    try {
      mkdirSync(dirname(o.link), { recursive: true });
    } catch (e) {
      throw boardError('LINK_BUSY', `cannot create the directory for ${o.link}: ${(e as Error).message}`);
    }
    const locks: BoardLock[] = [];
    let engine: BoardEngine | undefined;
    let files: ImageFiles | undefined;
    let clockServer: { close(): Promise<void> } | undefined;
    try {
      locks.push(BoardLock.acquire(`${o.link}.lock`, o.link, [o.link]));
      locks.push(BoardLock.acquire(state.lockPath, `the state directory ${o.stateDir}`, []));
      // Before the firmware boots (and marks its state as running): the path must be free.
      clearStaleLink(o.link);
      if (o.fresh) state.erase();
      const images = state.load();
      const keys = boardKeys(state, o.keysFile);
      engine = await createEngine(o.engine);
      const entropyHex = o.entropyHex ?? (await import('node:crypto')).randomBytes(32).toString('hex');
      files = state.openImages(images.flash);
      const started = await engine.start({ ...o.core, ...(images.nvs && { nvs: images.nvs }), keys: keys.keys, keysMode: keys.mode, entropyHex }, images.flash, files);
      if (!started.ok) throw boardError('REFUSED', `the firmware refused the ${started.what}:\n  ${formatError(started.error)}`);
      const board = new VirtualBoard(o, engine, state, files, locks, keys, started.result.snapshot);
      if (listener) board.#listeners.push(listener);
      // The boot's writes are in the images already; nvs.json takes the whole store now.
      files.compactNvs(await engine.nvsImage());
      board.#deliver(started.result);
      // Before the pty: a socket that cannot be made leaves no socat to clean up.
      if (board.manualClock) clockServer = board.#clockServer = await listenClock(clockSocketPath(o.link), (line) => board.#clockCommand(line));
      board.#pump = await board.#endpoint('pump', o.link, (bytes) => board.#serial(() => board.#fromHost(bytes)), undefined);
      board.#pacer = new Pacer({
        // A manual clock still gets frames (device polls, flash saves, status lines), never time.
        speed: board.manualClock ? 0 : o.speed,
        startMs: board.#snapshot.nowMs,
        nowMs: () => board.#snapshot.nowMs,
        step: (toMs) => board.#serial(async () => board.#apply(await board.engine.runTo(toMs))),
        frame: () => board.#serial(() => board.#frame()),
        failed: (e) => board.#fail(e),
      });
      board.#pacer.start();
      return board;
    } catch (e) {
      await clockServer?.close();
      await engine?.close();
      files?.close(false);
      for (const l of locks) l.release();
      throw e;
    }
  }

  get manualClock(): boolean {
    return this.options.clock === 'manual';
  }

  /** The clock socket (--clock manual), else undefined. */
  get clockSocket(): string | undefined {
    return this.manualClock ? clockSocketPath(this.options.link) : undefined;
  }

  /** Board time's pace now: virtual ms per wall ms (--speed, or what setSpeed set; 0 with a manual clock). */
  get speed(): number {
    return this.manualClock ? 0 : (this.#pacer?.speed ?? this.options.speed);
  }

  /**
   * A new pace for the wall clock from where board time is now (the dashboard's speed control),
   * between two steps of the firmware. A manual clock belongs to its controller: refused.
   */
  setSpeed(speed: number): Promise<void> {
    if (this.manualClock) return Promise.reject(boardError('USAGE', 'the clock is manual (--clock manual): board time moves only through the clock socket'));
    if (!(Number.isFinite(speed) && speed >= 0)) return Promise.reject(boardError('USAGE', `speed ${speed} is not a number >= 0 (virtual ms per wall ms)`));
    return this.#serial(async () => this.#pacer?.setSpeed(speed));
  }

  /** The pty device (/dev/pts/N) users' link points to. */
  get device(): string {
    return this.#pump!.pair.b;
  }

  get link(): string {
    return this.options.link;
  }

  /** The pid of the pump's socat (a successor stops it if this board dies). */
  get socatPids(): number[] {
    return this.#endpoints.map((e) => e.pair.pid);
  }

  /** The latest virtual time, status and rig figures. */
  get snapshot(): BoardSnapshot {
    return this.#snapshot;
  }

  /** The virtual pump (Node engine only); every engine has `snapshot.rig` for what was pushed. */
  get pump(): VirtualPump | undefined {
    return this.engine.pump;
  }

  listen(l: BoardListener): void {
    this.#listeners.push(l);
  }

  get devices(): AttachedDevice[] {
    return this.#endpoints.map((e) => ({ name: e.name, link: e.pair.linkB, device: e.pair.b }));
  }

  /**
   * Puts an emulated device on a pty of its own at `link`: bytes from the host reach
   * `device.receive(text, virtual ms)`, and its answers and anything `poll` returns (each frame)
   * go back. It can read `board.snapshot.rig.pushedNl` (or `board.pump`) to weigh what the rig
   * delivered.
   */
  async attachDevice(d: { name: string; link: string; device: SerialDevice }): Promise<AttachedDevice> {
    if (this.#endpoints.some((e) => e.name === d.name || e.pair.linkB === d.link)) throw boardError('DEVICE_ATTACH', `a device named ${d.name} or at ${d.link} is already attached`);
    try {
      this.#locks.push(BoardLock.acquire(`${d.link}.lock`, d.link, [d.link]));
    } catch (e) {
      throw e instanceof HostError ? boardError('DEVICE_ATTACH', e.text) : e;
    }
    const send = (text: string): void => {
      if (text !== '') ep.port.write(Buffer.from(text, 'latin1'));
    };
    const ep = await this.#endpoint(
      d.name,
      d.link,
      (bytes) =>
        this.#serial(async () => {
          await this.#catchUp();
          send(d.device.receive(Buffer.from(bytes).toString('latin1'), this.#snapshot.nowMs));
        }),
      () => send(d.device.poll?.(this.#snapshot.nowMs) ?? ''),
    );
    return { name: d.name, link: d.link, device: ep.pair.b };
  }

  async #endpoint(name: string, link: string, onBytes: (b: Uint8Array) => void, poll: (() => void) | undefined): Promise<Endpoint> {
    let pair: PtyPair;
    try {
      // socat would replace whatever is at the path: only a leftover symlink may go.
      clearStaleLink(link);
      pair = await createPtyPair({ linkB: link, ...(this.options.socat && { socat: this.options.socat }) });
    } catch (e) {
      throw e instanceof HostError && name !== 'pump' ? boardError('DEVICE_ATTACH', e.text) : e;
    }
    for (const l of this.#locks) if (l.path === `${link}.lock`) l.addSocat(pair.pid);
    const port = await openPort(pair.a).catch(async (e: unknown) => {
      await pair.close();
      throw e;
    });
    port.on('data', (chunk: Buffer) => onBytes(new Uint8Array(chunk)));
    pair.onExit = (code, signal) => this.#fail(boardError('PTY_FAILED', `socat for ${name} (${link}) exited unexpectedly (code ${code}, signal ${signal})`));
    const ep = { name, pair, port, poll };
    this.#endpoints.push(ep);
    return ep;
  }

  /** Runs `fn` after every operation queued before it: the engine sees one thing at a time. */
  #serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #fromHost(bytes: Uint8Array): Promise<void> {
    if (this.#stopped) return;
    await this.#catchUp();
    this.#apply(await this.engine.receive(bytes));
  }

  /**
   * Brings the virtual clock up to the wall clock before bytes are handled. The pacer moves it
   * a frame at a time (100 ms of wall time: two minutes of virtual time at x1200); a balance read
   * or a status query between frames must see the time it was asked at, not the last frame's.
   */
  async #catchUp(): Promise<void> {
    if (this.manualClock) return; // board time is the controller's, not the wall clock's
    const target = this.#pacer?.targetMs();
    if (target !== undefined && target > this.#snapshot.nowMs) this.#apply(await this.engine.runTo(target));
  }

  /**
   * A line from the clock socket: runs the firmware to the time it names (in slices, devices
   * polled after each), then a frame, and answers with the board time reached. Queued with the
   * bytes from the ptys, so a reply and an advance never interleave.
   */
  #clockCommand(line: string): Promise<string> {
    return this.#serial(async () => {
      if (this.#stopped) return clockError('the board is stopping');
      const c = parseClockCommand(line, this.#snapshot.nowMs);
      if (!c.ok) return clockError(c.message);
      while (this.#snapshot.nowMs < c.toMs) {
        const before = this.#snapshot.nowMs;
        this.#apply(await this.engine.runTo(Math.min(c.toMs, before + CLOCK_SLICE_MS)));
        if (this.#snapshot.nowMs <= before) throw new Error(`the engine did not advance past ${before} ms`);
        for (const ep of this.#endpoints) ep.poll?.();
      }
      await this.#frame();
      return `OK ${this.#snapshot.nowMs}`;
    });
  }

  /** The bytes for the pty: whatever the firmware wrote to NVS and flash is in the images already. */
  #apply(r: StepResult): void {
    if (r.out !== '' && this.#pump && !this.#stopped) this.#pump.port.write(Buffer.from(r.out, 'latin1'));
    this.#deliver(r);
  }

  #deliver(r: StepResult): void {
    this.#snapshot = r.snapshot;
    for (const e of r.events) for (const l of this.#listeners) l.event?.(e, r.snapshot);
  }

  async #frame(): Promise<void> {
    for (const ep of this.#endpoints) ep.poll?.();
    if (this.#files.journalBytes > NVS_LOG_MAX_BYTES) this.#files.compactNvs(await this.engine.nvsImage());
    for (const l of this.#listeners) l.frame?.(this.#snapshot);
  }

  /** A console key: b bolus, p pause/resume, s the service button. */
  key(k: KeyCommand): Promise<void> {
    return this.#serial(async () => {
      const r = await this.engine.key(k);
      this.#apply(r);
      for (const l of this.#listeners) l.said?.(r.said);
    });
  }

  #fail(e: unknown): void {
    const err = e instanceof HostError ? e : boardError('PTY_FAILED', `the board stopped: ${(e as Error).stack ?? String(e)}`);
    for (const l of this.#listeners) l.failed?.(err);
  }

  /**
   * An orderly power-off: the firmware records a clean shutdown, nvs.json takes the whole
   * store, both images are synced to the disk, the ptys and locks are released. Safe to call
   * twice.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#clockServer?.close();
      await this.#pacer?.stop();
      await this.#serial(async () => {
        this.#deliver(await this.engine.shutdown());
        this.#files.compactNvs(await this.engine.nvsImage());
      }).catch(() => undefined);
      try {
        this.#files.close(true);
      } catch {
        // Closed already, or the disk is gone: nothing more to save.
      }
      await this.engine.close().catch(() => undefined);
      for (const ep of this.#endpoints) {
        ep.pair.onExit = undefined;
        await new Promise<void>((resolve) => (ep.port.isOpen ? ep.port.close(() => resolve()) : resolve()));
        await ep.pair.close();
      }
      for (const l of this.#locks) l.release();
    })();
    return this.#stopped;
  }
}
