// A mock ECMA-419 Serial and the host end of its wire, for the programming link on the virtual
// rig. The device side behaves as the ESP32's does (modules/io/serial/esp32 in the SDK): a
// 128-byte RX FIFO with no buffer behind it, so bytes that arrive while it is full are lost;
// read(buffer) takes what is there; write throws "output full" past the TX FIFO's room; and
// onReadable/onWritable are posted like interrupt messages, never run inside a device call.
// No Node imports: it is bundled into the XS engine later.

import type { SerialConstructor, SerialDevice, SerialOptions } from '../../firmware/ports/io';
import type { TimerService } from '../../firmware/ports/timebase';

/** Each hardware FIFO of the ESP32 UART. */
export const FIFO_BYTES = 128;
/** onWritable is posted once the TX FIFO holds fewer bytes than this (the SDK's threshold). */
export const TX_EMPTY_THRESHOLD = 10;

/** The clock deliveries are scheduled on: the VirtualClock. */
export interface LinkClock {
  set: TimerService['set'];
  readonly nowMs: number;
}

export interface SerialLinkOptions {
  /** Schedule every delivery on this clock; without it, everything happens synchronously. */
  readonly clock?: LinkClock;
  /** Both ends' rate, 8N1 (default 115200). The device must open the port at the same rate. */
  readonly baud?: number;
  /**
   * Host to device: bytes arrive in chunks of this size (default: what the wire carries in
   * 1 ms at the baud, 11 at 115200). 1 feeds byte by byte; a large value is one burst.
   */
  readonly chunkBytes?: number;
  /** With a clock: ms between chunks (default 1). 0 lands them all at one instant. */
  readonly chunkIntervalMs?: number;
  /**
   * With a clock: ms from a chunk's arrival to onReadable (default 0, the next turn of the
   * loop). A busy device is a longer latency: raise it to overflow the FIFO.
   */
  readonly readLatencyMs?: number;
}

export interface SerialHost {
  /** Sends text (each char code's low byte) or bytes to the device. */
  send(data: string | Uint8Array): void;
  /** Calls `listener` with every chunk the device transmits; returns a function that removes it. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Everything the device transmitted, as text (one char per byte). */
  readonly received: string;
  /** Forgets `received` (listeners still hear everything). */
  clearReceived(): void;
}

export interface SerialLinkStats {
  /** Bytes the host sent that reached the RX FIFO. */
  readonly deliveredBytes: number;
  /** Bytes lost because the RX FIFO was full when they arrived. */
  readonly overrunBytes: number;
  /** Bytes sent while the device's port was not open. */
  readonly unheardBytes: number;
  /** Bytes the device transmitted. */
  readonly transmittedBytes: number;
  /** Most bytes the RX FIFO held at once. */
  readonly rxHighWater: number;
  readonly readableCalls: number;
  readonly writableCalls: number;
}

export interface SerialLink {
  /** Pass as `Serial` in the Uart's options. One port may be open at a time. */
  readonly Serial: SerialConstructor;
  readonly host: SerialHost;
  readonly stats: SerialLinkStats;
  /** The options the device opened the port with, while it is open. */
  readonly opened: Readonly<SerialOptions> | undefined;
}

export function createSerialLink(options: SerialLinkOptions = {}): SerialLink {
  return new Wire(options).link;
}

type Task = () => void;

/** Both ends of the wire: FIFOs, scheduling, counters. */
class Wire {
  readonly link: SerialLink;
  readonly #clock: LinkClock | undefined;
  readonly #baud: number;
  readonly #chunkBytes: number;
  readonly #chunkIntervalMs: number;
  readonly #readLatencyMs: number;

  readonly #rx = new Uint8Array(FIFO_BYTES);
  #rxCount = 0;
  readonly #tx = new Uint8Array(FIFO_BYTES);
  #txCount = 0;
  #device: MockSerial | undefined;
  #opened: SerialOptions | undefined;
  /** Interrupt state as the SDK keeps it: one message posted at a time each way. */
  #readablePosted = false;
  #txArmed = false;
  #writablePosted = false;
  #txTicking = false;
  /** When the host's last queued chunk lands (monotonic ms): sends queue behind each other. */
  #hostBusyUntilMs = 0;

  // Synchronous mode: posted tasks run in order, never inside another task or a device call.
  readonly #tasks: Task[] = [];
  #running = false;
  #inDeviceCall = 0;

  readonly #listeners: ((bytes: Uint8Array) => void)[] = [];
  #received = '';
  readonly #stats = {
    deliveredBytes: 0,
    overrunBytes: 0,
    unheardBytes: 0,
    transmittedBytes: 0,
    rxHighWater: 0,
    readableCalls: 0,
    writableCalls: 0,
  };

  constructor(options: SerialLinkOptions) {
    this.#clock = options.clock;
    this.#baud = options.baud ?? 115_200;
    this.#chunkBytes = Math.max(1, Math.trunc(options.chunkBytes ?? Math.floor(this.#baud / 10_000)));
    this.#chunkIntervalMs = Math.max(0, options.chunkIntervalMs ?? 1);
    this.#readLatencyMs = Math.max(0, options.readLatencyMs ?? 0);

    const wire = this;
    const stats = this.#stats;
    this.link = {
      Serial: class extends MockSerial {
        constructor(o: SerialOptions) {
          super(o, wire);
        }
      },
      host: {
        send: (data) => this.#send(data),
        onData: (listener) => {
          this.#listeners.push(listener);
          return () => {
            const i = this.#listeners.indexOf(listener);
            if (i >= 0) this.#listeners.splice(i, 1);
          };
        },
        get received() {
          return wire.#received;
        },
        clearReceived: () => {
          this.#received = '';
        },
      },
      stats,
      get opened() {
        return wire.#opened;
      },
    };
  }

  // ---- the device's calls (MockSerial) ---------------------------------------------------

  open(device: MockSerial, o: SerialOptions): void {
    if (this.#device !== undefined) throw new RangeError('port in use');
    if (o.format !== 'buffer') throw new RangeError(`format ${String(o.format)}: the mock serves "buffer" only`);
    if (o.baud !== this.#baud) throw new RangeError(`baud ${o.baud}: the host end runs at ${this.#baud}`);
    this.#device = device;
    this.#opened = { ...o };
    this.#rxCount = 0;
    this.#txCount = 0;
    // Opening with onWritable arms the TX interrupt, and the empty FIFO fires it at once. In
    // synchronous mode that message waits for the next device call or host send: the device
    // is still inside its constructor here.
    this.#txArmed = o.onWritable !== undefined;
    this.#inDeviceCall++;
    this.#checkTx();
    this.#inDeviceCall--;
  }

  close(device: MockSerial): void {
    if (this.#device !== device) return;
    this.#device = undefined;
    this.#opened = undefined;
    this.#txArmed = false;
  }

  read(device: MockSerial, buffer: Uint8Array): number | undefined {
    this.#checkOpen(device);
    if (this.#rxCount === 0) return undefined;
    const n = Math.min(buffer.length, this.#rxCount);
    if (n <= 0) throw new Error('invalid');
    buffer.set(this.#rx.subarray(0, n));
    this.#rx.copyWithin(0, n, this.#rxCount);
    this.#rxCount -= n;
    return n;
  }

  write(device: MockSerial, buffer: Uint8Array): void {
    this.#checkOpen(device);
    if (buffer.length > FIFO_BYTES - this.#txCount) throw new Error('output full');
    this.#tx.set(buffer, this.#txCount);
    this.#txCount += buffer.length;
    if (this.#opened?.onWritable !== undefined) this.#txArmed = true;
    this.#deviceCall(() => {
      if (this.#clock === undefined) this.#transmit(this.#txCount);
      else this.#startTxTicks();
      this.#checkTx();
    });
  }

  #checkOpen(device: MockSerial): void {
    if (this.#device !== device) throw new Error('closed');
  }

  /** Tasks posted during a device call wait until it returns, as messages would. */
  #deviceCall(body: () => void): void {
    this.#inDeviceCall++;
    try {
      body();
    } finally {
      this.#inDeviceCall--;
    }
    this.#runTasks();
  }

  // ---- host to device --------------------------------------------------------------------

  #send(data: string | Uint8Array): void {
    let bytes: Uint8Array;
    if (typeof data === 'string') {
      bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
    } else {
      bytes = data.slice();
    }
    const clock = this.#clock;
    for (let at = 0; at < bytes.length; at += this.#chunkBytes) {
      const chunk = bytes.subarray(at, at + this.#chunkBytes);
      if (clock === undefined) {
        this.#post(() => this.#arrive(chunk));
      } else {
        const landsAt = Math.max(clock.nowMs, this.#hostBusyUntilMs);
        this.#hostBusyUntilMs = landsAt + this.#chunkIntervalMs;
        clock.set(() => this.#arrive(chunk), landsAt - clock.nowMs);
      }
    }
  }

  /** A chunk reaches the RX FIFO; what does not fit is lost, as on the chip. */
  #arrive(chunk: Uint8Array): void {
    const open = this.#opened;
    if (open === undefined) {
      this.#stats.unheardBytes += chunk.length;
      return;
    }
    const fits = Math.min(chunk.length, FIFO_BYTES - this.#rxCount);
    this.#rx.set(chunk.subarray(0, fits), this.#rxCount);
    this.#rxCount += fits;
    this.#stats.deliveredBytes += fits;
    this.#stats.overrunBytes += chunk.length - fits;
    this.#stats.rxHighWater = Math.max(this.#stats.rxHighWater, this.#rxCount);
    this.#postReadable();
  }

  #postReadable(): void {
    if (this.#readablePosted || this.#opened?.onReadable === undefined || this.#rxCount === 0) return;
    this.#readablePosted = true;
    this.#post(() => this.#deliverReadable(), this.#readLatencyMs);
  }

  #deliverReadable(): void {
    this.#readablePosted = false;
    const onReadable = this.#opened?.onReadable;
    const before = this.#rxCount;
    if (onReadable === undefined || before === 0) return;
    this.#stats.readableCalls++;
    onReadable(before);
    // Bytes left behind raise the RX timeout interrupt again (only if the callback read some,
    // so a device that never reads cannot spin the synchronous loop).
    if (this.#rxCount > 0 && this.#rxCount < before) this.#postReadable();
  }

  // ---- device to host --------------------------------------------------------------------

  /** With a clock, the TX FIFO empties at the baud: every ms, baud / 10 bits / 1000 bytes. */
  #startTxTicks(): void {
    const clock = this.#clock!;
    if (this.#txTicking) return;
    this.#txTicking = true;
    const perMs = Math.max(1, Math.floor(this.#baud / 10_000));
    const tick = (): void => {
      this.#transmit(Math.min(perMs, this.#txCount));
      this.#checkTx();
      if (this.#txCount > 0 && this.#device !== undefined) clock.set(tick, 1);
      else this.#txTicking = false;
    };
    clock.set(tick, 1);
  }

  #transmit(n: number): void {
    if (n <= 0) return;
    const bytes = this.#tx.slice(0, n);
    this.#tx.copyWithin(0, n, this.#txCount);
    this.#txCount -= n;
    this.#stats.transmittedBytes += n;
    this.#received += String.fromCharCode(...bytes);
    for (const l of this.#listeners.slice()) l(bytes);
  }

  /** The SDK's TX interrupt: once armed, fires when the FIFO is below the threshold. */
  #checkTx(): void {
    if (!this.#txArmed || this.#writablePosted || this.#txCount >= TX_EMPTY_THRESHOLD) return;
    this.#txArmed = false;
    this.#writablePosted = true;
    this.#post(() => {
      this.#writablePosted = false;
      const onWritable = this.#opened?.onWritable;
      const room = FIFO_BYTES - this.#txCount;
      if (onWritable === undefined || room === 0) return;
      this.#stats.writableCalls++;
      onWritable(room);
    });
  }

  // ---- scheduling ------------------------------------------------------------------------

  #post(task: Task, delayMs = 0): void {
    if (this.#clock !== undefined) {
      this.#clock.set(task, delayMs);
      return;
    }
    this.#tasks.push(task);
    this.#runTasks();
  }

  #runTasks(): void {
    if (this.#running || this.#inDeviceCall > 0) return;
    this.#running = true;
    try {
      for (let task = this.#tasks.shift(); task !== undefined; task = this.#tasks.shift()) task();
    } finally {
      this.#running = false;
    }
  }
}

/** The device's Serial instance; all state lives on the Wire. */
class MockSerial implements SerialDevice {
  readonly #wire: Wire;

  constructor(options: SerialOptions, wire: Wire) {
    this.#wire = wire;
    wire.open(this, options);
  }

  read(buffer: Uint8Array): number | undefined {
    return this.#wire.read(this, buffer);
  }

  write(buffer: Uint8Array): void {
    this.#wire.write(this, buffer);
  }

  close(): void {
    this.#wire.close(this);
  }
}
