// The controller's end of a manual board clock (`npm start -- --clock manual`): BoardClock sends
// `advance` / `to` / `now` on the board's clock socket and resolves with the board time reached,
// and boardScheduler() makes it the Scheduler pumpctl's procedures run on (Io.clock), so every
// 30-second sampling step of an accuracy run is a step of the board's own clock. Nothing here
// waits on the wall clock: a reply comes when the firmware has run, however slow the machine.

import type { Socket } from 'node:net';
import { createConnection } from 'node:net';
import type { Scheduler } from '../accuracy/interfaces';

export class BoardClockError extends Error {}

export class BoardClock {
  readonly path: string;
  #sock: Socket | undefined;
  #buf = '';
  #waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  #chain: Promise<unknown> = Promise.resolve();
  /** Board ms since boot, as of the last answer. */
  nowMs = 0;

  private constructor(path: string) {
    this.path = path;
  }

  /** Connects and reads the board's time. */
  static async open(path: string): Promise<BoardClock> {
    const c = new BoardClock(path);
    await c.now();
    return c;
  }

  /** Board time now (a round trip). */
  now(): Promise<number> {
    return this.#ask('now');
  }

  /** Runs the board `ms` further; resolves with the board time reached. */
  advance(ms: number): Promise<number> {
    return this.#ask(`advance ${Math.max(0, Math.round(ms))}`);
  }

  /** Runs the board to `ms` since boot (a time already passed changes nothing). */
  to(ms: number): Promise<number> {
    return this.#ask(`to ${Math.max(0, Math.ceil(ms))}`);
  }

  /** One command, in order after those before it; `OK <ms>` or a BoardClockError with the board's E862 text. */
  #ask(command: string): Promise<number> {
    const next = this.#chain.then(async () => {
      const line = await this.#exchange(command);
      const m = /^OK (\d+)$/.exec(line);
      if (!m) throw new BoardClockError(`${this.path}: ${command}: ${line}`);
      this.nowMs = Number(m[1]);
      return this.nowMs;
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #exchange(command: string): Promise<string> {
    const sock = await this.#connect();
    return new Promise<string>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      sock.write(`${command}\n`);
    });
  }

  /** The connection, opened again after the board restarted (a killed board's socket is gone). */
  #connect(): Promise<Socket> {
    if (this.#sock && !this.#sock.destroyed) return Promise.resolve(this.#sock);
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.path);
      sock.setEncoding('utf8');
      sock.once('connect', () => {
        this.#sock = sock;
        this.#buf = '';
        resolve(sock);
      });
      sock.on('data', (text: string) => {
        this.#buf += text;
        for (let nl = this.#buf.indexOf('\n'); nl >= 0; nl = this.#buf.indexOf('\n')) {
          const line = this.#buf.slice(0, nl);
          this.#buf = this.#buf.slice(nl + 1);
          this.#waiting.shift()?.resolve(line);
        }
      });
      const gone = (e?: Error): void => {
        const err = new BoardClockError(`the clock socket ${this.path} ${e ? `failed: ${e.message}` : 'closed'} (is the board running with --clock manual?)`);
        for (const w of this.#waiting.splice(0)) w.reject(err);
        if (this.#sock !== sock) reject(err);
      };
      sock.on('error', gone);
      sock.on('close', () => gone());
    });
  }

  close(): void {
    this.#sock?.destroy();
    this.#sock = undefined;
  }
}

/**
 * The procedures' Scheduler on a manual board clock: now() is the board time of the last answer
 * (nothing else moves it), sleepUntil() runs the board there. A run that is aborted ends its
 * sleep without moving the clock.
 */
export function boardScheduler(clock: BoardClock, signal?: AbortSignal): Scheduler {
  return {
    now: () => clock.nowMs,
    sleepUntil: async (ms) => {
      if (ms <= clock.nowMs || signal?.aborted) return;
      await clock.to(ms);
    },
  };
}
