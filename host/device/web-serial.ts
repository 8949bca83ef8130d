// esptool-js's Transport talks to a Web Serial port (navigator.serial's SerialPort): open(),
// readable/writable WHATWG streams, setSignals(), getInfo(), close(). Node has none, so this
// adapter gives that shape over any Node duplex stream: a @serialport/stream port for a real
// board (openSerialPort), or an in-process stream in the tests (the ROM loader simulator).
// The adapter makes the web streams and keeps the native port's lifecycle (see the class).
//
// setSignals drives DTR/RTS (the auto-reset circuit of a DevKit). A pty has no modem lines, so
// on one it fails: only esptool-js's `no_reset` entry works there, and on a board without the
// auto-reset circuit (hold BOOT, tap EN).

import type { Duplex } from 'node:stream';
import { ReadableStream, WritableStream } from 'node:stream/web';

/** What the adapter needs from the Node side: a duplex, plus the modem-line and baud calls a serial port has. */
export interface NodeSerialStream extends Duplex {
  /** @serialport/stream's set(): DTR, RTS, BREAK. Absent (or failing) on a pty. */
  set?(signals: { dtr?: boolean | undefined; rts?: boolean | undefined; brk?: boolean | undefined }, cb: (err: Error | null) => void): void;
  /** @serialport/stream's update(): a new baud rate without closing the port. */
  update?(options: { baudRate: number }, cb: (err: Error | null) => void): void;
}

/** Opens the Node stream at a baud rate; called by open() (and again if esptool-js reopens). */
export type StreamOpener = (baudRate: number) => Promise<NodeSerialStream>;

/**
 * The Web Serial SerialPort members esptool-js 0.7's Transport uses, over a Node stream.
 *
 * esptool-js closes and reopens the port in the middle of a connection (after a classic ESP32
 * refuses GET_SECURITY_INFO, and on a baud change without setBaudRate). Closing the native port
 * there loses bytes: through a pty, about half the runs lost an answer after the reopen, and
 * on a real board an open toggles DTR/RTS, which can reset the chip out of its downloader
 * (esptool.py never reopens). So close() here only detaches the web streams, as a closed port
 * would (bytes arriving meanwhile are dropped), and open() attaches new ones to the same native
 * port; release() closes it for good (flashImage calls it when done).
 */
export class WebSerialAdapter {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private stream: NodeSerialStream | undefined;
  private detach: (() => void) | undefined;
  /** Every baud rate the port was opened or switched at, in order (the tests read it). */
  readonly baudHistory: number[] = [];

  constructor(
    private readonly opener: StreamOpener,
    private readonly info: { usbVendorId?: number; usbProductId?: number } = {},
  ) {}

  async open(options: { baudRate?: number }): Promise<void> {
    if (this.readable !== null) throw new Error('the serial port is already open');
    const baud = options.baudRate ?? 115200;
    let stream = this.stream;
    if (stream === undefined || stream.destroyed) {
      stream = await this.opener(baud);
      this.stream = stream;
      this.baudHistory.push(baud);
    } else if (baud !== this.baudHistory.at(-1)) await this.setBaudRate(baud);
    this.attach(stream);
  }

  /** New web streams over the open native port (see the class comment). */
  private attach(stream: NodeSerialStream): void {
    let onData: ((b: Buffer) => void) | undefined;
    let onEnd: (() => void) | undefined;
    let onError: ((e: Error) => void) | undefined;
    const detach = (): void => {
      if (onData) stream.off('data', onData);
      if (onEnd) stream.off('close', onEnd).off('end', onEnd);
      if (onError) stream.off('error', onError);
      onData = onEnd = onError = undefined;
    };
    this.detach = detach;
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        onData = (b) => c.enqueue(new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice());
        onEnd = () => {
          detach();
          c.close();
        };
        onError = (e) => {
          detach();
          c.error(e);
        };
        stream.on('data', onData).once('close', onEnd).once('end', onEnd).once('error', onError);
        stream.resume();
      },
      cancel: () => detach(),
    });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => new Promise<void>((resolve, reject) => stream.write(chunk, (err) => (err ? reject(err) : resolve()))),
      // esptool-js closes its writer to flush; the port itself stays open.
      close: () => {},
    });
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {
    const s = this.stream;
    if (s?.set === undefined) throw new Error('this port cannot drive DTR/RTS (a pty?): use the no_reset entry and put the board in its downloader by hand');
    const set = s.set.bind(s);
    await new Promise<void>((resolve, reject) => set({ dtr: signals.dataTerminalReady, rts: signals.requestToSend, brk: signals.break }, (err) => (err ? reject(err) : resolve())));
  }

  /** esptool-js's BaudRateConfigurablePort: switch speed in place instead of closing and reopening. */
  async setBaudRate(baudRate: number): Promise<void> {
    const s = this.stream;
    if (s?.update !== undefined) {
      const update = s.update.bind(s);
      await new Promise<void>((resolve, reject) => update({ baudRate }, (err) => (err ? reject(err) : resolve())));
    }
    this.baudHistory.push(baudRate);
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return this.info;
  }

  /** esptool-js's close: the web streams go, the native port stays open for its reopen. */
  async close(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    this.readable = null;
    this.writable = null;
  }

  /** Closes the native port (and frees its lock). */
  async release(): Promise<void> {
    await this.close();
    const s = this.stream;
    this.stream = undefined;
    if (s === undefined || s.closed) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      if (!s.destroyed) s.destroy();
    });
  }
}

/**
 * A real serial device (/dev/ttyUSB0, a pty) through @serialport/stream and the native binding.
 * `lock` (TIOCEXCL, default on) keeps other programs off the port; the adapter never reopens
 * it, so the lock holds for the whole flashing.
 */
export function openSerialPort(path: string, options: { lock?: boolean } = {}): WebSerialAdapter {
  return new WebSerialAdapter(async (baudRate) => {
    const [{ SerialPortStream }, { autoDetect }] = await Promise.all([import('@serialport/stream'), import('@serialport/bindings-cpp')]);
    const port = new SerialPortStream({ binding: autoDetect(), path, baudRate, autoOpen: false, lock: options.lock ?? true });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return port as unknown as NodeSerialStream;
  });
}
