// A serial port as text lines, for pumpctl and the balance drivers: write text, read the next
// line with a deadline. Built on @serialport/stream so the same code runs on a USB adapter, a
// pseudo-terminal (the virtual board) and @serialport/binding-mock in the tests.

import { SerialPortStream } from '@serialport/stream';
import { LineSplitter, MAX_LINE } from './line-splitter';

/** A serialport binding (bindings-cpp's autoDetect() or MockBinding), typed from the stream. */
export type Binding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

export type SerialErrorKind = 'open-failed' | 'timeout' | 'closed' | 'write-failed';

/** Everything that can go wrong on the wire, with the kind pumpctl maps to an exit code. */
export class SerialError extends Error {
  readonly kind: SerialErrorKind;
  readonly path: string;
  constructor(kind: SerialErrorKind, path: string, message: string) {
    super(message);
    this.kind = kind;
    this.path = path;
  }
}

export interface LinePort {
  readonly path: string;
  readonly closed: boolean;
  /** Sends the text as it is: the caller adds the line ending its device wants. */
  write(text: string): Promise<void>;
  /** The next line received (split by line-splitter.ts); SerialError 'timeout' or 'closed'. */
  readLine(timeoutMs: number): Promise<string>;
  /** Drops lines received and not yet read (before a fresh command). */
  drain(): string[];
  /** Called with each line as it arrives, before readers see it (event lines, logging). */
  onLine(listener: (line: string) => void): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly baud: number;
  /** The binding: bindings-cpp's autoDetect() for real ports and ptys, MockBinding in tests. */
  readonly binding: Binding;
  /** Longest line kept (default MAX_LINE): a longer one is cut there, the rest of it dropped (line-splitter.ts). */
  readonly maxLine?: number;
}

/** Opens a port; SerialError 'open-failed' says why (missing, busy, no permission). */
export async function openLinePort(path: string, o: OpenOptions): Promise<LinePort> {
  const port = new SerialPortStream({ path, baudRate: o.baud, binding: o.binding, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err: Error | null) => (err ? reject(new SerialError('open-failed', path, openMessage(path, err))) : resolve())));
  return new StreamLinePort(path, port, new LineSplitter(o.maxLine ?? MAX_LINE));
}

function openMessage(path: string, err: Error): string {
  const m = err.message;
  if (/ENOENT|No such file/i.test(m)) return `no serial port at ${path} (is the board plugged in, or the virtual board running?)`;
  if (/EACCES|Permission denied/i.test(m)) return `no permission to open ${path} (add yourself to the dialout group, then log in again)`;
  if (/EBUSY|Resource busy|lock/i.test(m)) return `${path} is in use by another program (close it first)`;
  return `cannot open ${path}: ${m}`;
}

class StreamLinePort implements LinePort {
  readonly path: string;
  readonly #port: SerialPortStream;
  readonly #lines: string[] = [];
  #waiter: ((line: string | SerialError) => void) | undefined;
  #closed = false;
  readonly #listeners: ((line: string) => void)[] = [];

  constructor(path: string, port: SerialPortStream, splitter: LineSplitter) {
    this.path = path;
    this.#port = port;
    port.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk.toString('latin1'))) this.#line(line);
    });
    port.on('close', () => this.#end());
    port.on('error', () => this.#end());
  }

  get closed(): boolean {
    return this.#closed;
  }

  #line(line: string): void {
    for (const l of this.#listeners) l(line);
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w(line);
    } else this.#lines.push(line);
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(new SerialError('closed', this.path, `the connection to ${this.path} was lost`));
  }

  onLine(listener: (line: string) => void): void {
    this.#listeners.push(listener);
  }

  write(text: string): Promise<void> {
    if (this.#closed) return Promise.reject(new SerialError('closed', this.path, `the connection to ${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.#port.write(Buffer.from(text, 'latin1'), (err: Error | null | undefined) => {
        if (err) reject(new SerialError('write-failed', this.path, `cannot write to ${this.path}: ${err.message}`));
        else this.#port.drain(() => resolve());
      });
    });
  }

  readLine(timeoutMs: number): Promise<string> {
    const next = this.#lines.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#closed) return Promise.reject(new SerialError('closed', this.path, `the connection to ${this.path} was lost`));
    if (this.#waiter) return Promise.reject(new Error('readLine called while another read is waiting'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new SerialError('timeout', this.path, `no answer from ${this.path} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = (r) => {
        clearTimeout(timer);
        if (r instanceof SerialError) reject(r);
        else resolve(r);
      };
    });
  }

  drain(): string[] {
    return this.#lines.splice(0);
  }

  close(): Promise<void> {
    if (this.#closed || !this.#port.isOpen) {
      this.#closed = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#port.close(() => resolve()));
  }
}
