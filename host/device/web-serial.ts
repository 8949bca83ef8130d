// esptool-js's Transport talks to a Web Serial port (navigator.serial's SerialPort): open(),
// readable/writable WHATWG streams, setSignals(), getInfo(), close(). Node has none, so this
// adapter gives that shape over any Node duplex stream: a @serialport/stream port for a real
// board (openSerialPort), or an in-process stream in the tests (the ROM loader simulator).
// Readable.toWeb/Writable.toWeb do the stream conversion; the adapter adds the lifecycle.
//
// setSignals drives DTR/RTS (the auto-reset circuit of a DevKit). A pty has no modem lines, so
// on one it fails: only esptool-js's `no_reset` entry works there, and on a board without the
// auto-reset circuit (hold BOOT, tap EN).

import { Readable, Writable, type Duplex } from 'node:stream';
import type { ReadableStream, WritableStream } from 'node:stream/web';

/** What the adapter needs from the Node side: a duplex, plus the modem-line and baud calls a serial port has. */
export interface NodeSerialStream extends Duplex {
  /** @serialport/stream's set(): DTR, RTS, BREAK. Absent (or failing) on a pty. */
  set?(signals: { dtr?: boolean | undefined; rts?: boolean | undefined; brk?: boolean | undefined }, cb: (err: Error | null) => void): void;
  /** @serialport/stream's update(): a new baud rate without closing the port. */
  update?(options: { baudRate: number }, cb: (err: Error | null) => void): void;
}

/** Opens the Node stream at a baud rate; called by open() (and again if esptool-js reopens). */
export type StreamOpener = (baudRate: number) => Promise<NodeSerialStream>;

/** The Web Serial SerialPort members esptool-js 0.7's Transport uses, over a Node stream. */
export class WebSerialAdapter {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private stream: NodeSerialStream | undefined;
  /** Every baud rate the port was opened or switched at, in order (the tests read it). */
  readonly baudHistory: number[] = [];

  constructor(
    private readonly opener: StreamOpener,
    private readonly info: { usbVendorId?: number; usbProductId?: number } = {},
  ) {}

  async open(options: { baudRate?: number }): Promise<void> {
    if (this.stream !== undefined) throw new Error('the serial port is already open');
    const baud = options.baudRate ?? 115200;
    const stream = await this.opener(baud);
    this.stream = stream;
    this.baudHistory.push(baud);
    // toWeb wraps the same stream twice; cancelling the reader (esptool-js's disconnect) must
    // not end the writer first, so close() below is what tears the stream down.
    this.readable = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    this.writable = Writable.toWeb(stream) as unknown as WritableStream<Uint8Array>;
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {
    const s = this.stream;
    if (s?.set === undefined) throw new Error('this port cannot drive DTR/RTS (a pty?): use the no_reset entry and put the board in its downloader by hand');
    const set = s.set.bind(s);
    await new Promise<void>((resolve, reject) =>
      set({ dtr: signals.dataTerminalReady, rts: signals.requestToSend, brk: signals.break }, (err) => (err ? reject(err) : resolve())),
    );
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

  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    this.readable = null;
    this.writable = null;
    if (s === undefined || s.closed) return;
    // Cancelling the web reader may already have destroyed the stream; the native port (and its
    // lock) is only released at 'close', and esptool-js reopens right after, so wait for it.
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      if (!s.destroyed) s.destroy();
    });
  }
}

/**
 * A real serial device (/dev/ttyUSB0, a pty) through @serialport/stream and the native binding.
 * `lock` (TIOCEXCL, default on) keeps other programs off the port; a pty's slave stays open in
 * socat, so its exclusive flag survives a close and esptool-js's reopen (after the classic
 * ESP32 refuses GET_SECURITY_INFO) would fail: pass lock: false for a pty.
 */
export function openSerialPort(path: string, options: { lock?: boolean } = {}): WebSerialAdapter {
  return new WebSerialAdapter(async (baudRate) => {
    const [{ SerialPortStream }, { autoDetect }] = await Promise.all([import('@serialport/stream'), import('@serialport/bindings-cpp')]);
    const port = new SerialPortStream({ binding: autoDetect(), path, baudRate, autoOpen: false, lock: options.lock ?? true });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return port as unknown as NodeSerialStream;
  });
}
