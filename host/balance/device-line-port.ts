// A LinePort straight onto an emulated SerialDevice, in virtual time: the in-process virtual
// rig and the tests connect a balance driver to an emulator with it, without a pseudo-terminal
// or a real timer. Waiting for a line advances the virtual clock in small steps and polls the
// device, so a timeout costs no real time. Lines are split as line-port.ts splits them, by the
// same LineSplitter (length limit included).

import type { LinePort } from '../serial/line-port';
import { SerialError } from '../serial/line-port';
import { LineSplitter, MAX_LINE } from '../serial/line-splitter';
import type { SerialDevice } from '../serial/device';
import type { DriverClock } from './types';

/** The virtual clock the device lives on: `advance` runs the world forward (the rig too). */
export interface VirtualTime {
  nowMs(): number;
  advance(ms: number): void;
}

/** A clock of its own, for tests with nothing else running. */
export function manualTime(startMs = 0): VirtualTime & { t: number } {
  const t = {
    t: startMs,
    nowMs: () => t.t,
    advance: (ms: number) => {
      t.t += ms;
    },
  };
  return t;
}

/** The drivers' clock on virtual time: sleeping advances the world. */
export function virtualDriverClock(time: VirtualTime): DriverClock {
  return {
    nowMs: () => time.nowMs(),
    sleep: (ms) => {
      time.advance(ms);
      return Promise.resolve();
    },
  };
}

export interface DeviceLinePortOptions {
  readonly path?: string;
  /** Virtual ms between polls of the device while a reader waits (default 50). */
  readonly pollStepMs?: number;
  /** Every byte the host wrote, for tests that check framing. */
  readonly record?: string[];
  /** Longest line kept (default MAX_LINE, as a real port): a longer one is cut, the rest dropped. */
  readonly maxLine?: number;
}

export class DeviceLinePort implements LinePort {
  readonly path: string;
  readonly #device: SerialDevice;
  readonly #time: VirtualTime;
  readonly #step: number;
  readonly #record: string[] | undefined;
  readonly #lines: string[] = [];
  readonly #listeners: ((line: string) => void)[] = [];
  readonly #splitter: LineSplitter;
  #closed = false;

  constructor(device: SerialDevice, time: VirtualTime, o: DeviceLinePortOptions = {}) {
    this.#device = device;
    this.#time = time;
    this.path = o.path ?? 'virtual-balance';
    this.#step = o.pollStepMs ?? 50;
    this.#record = o.record;
    this.#splitter = new LineSplitter(o.maxLine ?? MAX_LINE);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #data(text: string): void {
    for (const line of this.#splitter.push(text)) {
      for (const l of this.#listeners) l(line);
      this.#lines.push(line);
    }
  }

  write(text: string): Promise<void> {
    if (this.#closed) return Promise.reject(new SerialError('closed', this.path, `the connection to ${this.path} is closed`));
    this.#record?.push(text);
    this.#data(this.#device.receive(text, this.#time.nowMs()));
    return Promise.resolve();
  }

  readLine(timeoutMs: number): Promise<string> {
    if (this.#closed) return Promise.reject(new SerialError('closed', this.path, `the connection to ${this.path} was lost`));
    let waited = 0;
    for (;;) {
      const next = this.#lines.shift();
      if (next !== undefined) return Promise.resolve(next);
      if (waited >= timeoutMs) return Promise.reject(new SerialError('timeout', this.path, `no answer from ${this.path} within ${timeoutMs} ms`));
      const step = Math.min(this.#step, timeoutMs - waited);
      this.#time.advance(step);
      waited += step;
      if (this.#device.poll) this.#data(this.#device.poll(this.#time.nowMs()));
    }
  }

  drain(): string[] {
    if (this.#device.poll) this.#data(this.#device.poll(this.#time.nowMs()));
    return this.#lines.splice(0);
  }

  onLine(listener: (line: string) => void): void {
    this.#listeners.push(listener);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
