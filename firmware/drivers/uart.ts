// The programming link's UART on ECMA-419 `embedded:io/serial`. The ESP32 implementation reads
// the 128-byte hardware RX FIFO directly, with no software buffer behind it: every onReadable
// empties the FIFO at once into a buffer allocated here, and hands the bytes on. Output waits
// in a ring and goes into the TX FIFO as onWritable says there is room, so write() never blocks.

import type { SerialConstructor, SerialDevice } from '../ports/io';
import type { SerialPort } from '../ports/serial';

/** The ESP32 UART's hardware FIFOs, each way (ESP32 TRM, UART chapter). */
export const UART_FIFO_BYTES = 128;
export const DEFAULT_BAUD = 115_200;
/** Default output queue: a few long replies and event lines. */
export const DEFAULT_OUTPUT_BYTES = 1_024;
/** Reads per onReadable: more than a full FIFO's worth can come in while the first is handled. */
const MAX_READS_PER_CALLBACK = 4;
const QUESTION_MARK = 0x3f;

export interface UartOptions {
  Serial: SerialConstructor;
  /** UART 1 or 2; UART 0 is the debug console. */
  port: 1 | 2;
  /** GPIOs. */
  receive: number;
  transmit: number;
  /** Default 115200 (8N1). */
  baud?: number;
  /** Output queue size in bytes (default 1024). */
  outputBytes?: number | undefined;
}

export class Uart implements SerialPort {
  onBytes: ((bytes: Uint8Array) => void) | undefined = undefined;
  onRoom: (() => void) | undefined = undefined;

  readonly #serial: SerialDevice;
  readonly #rx = new Uint8Array(UART_FIFO_BYTES);
  readonly #out: Uint8Array;
  #outHead = 0;
  #outCount = 0;
  /**
   * TX FIFO room known for certain: what the last onWritable reported, less what was written
   * since. The FIFO only drains in between, so the real room is never less. It starts empty;
   * should bytes of an earlier owner still be leaving, the first write throws and waits for
   * the onWritable that opening the port always brings.
   */
  #txRoom = UART_FIFO_BYTES;
  /** Guards #pump against a Serial class that calls onWritable from inside write(). */
  #pumping = false;
  #closed = false;
  #droppedIn = 0;
  #droppedOut = 0;

  constructor(options: UartOptions) {
    const port: number = options.port;
    if (port !== 1 && port !== 2) throw new RangeError(`UART port ${port}: use 1 or 2 (0 is the debug console)`);
    const outputBytes = options.outputBytes ?? DEFAULT_OUTPUT_BYTES;
    if (!Number.isInteger(outputBytes) || outputBytes < 1) throw new RangeError(`UART output queue of ${outputBytes} bytes`);
    this.#out = new Uint8Array(outputBytes);
    this.#serial = new options.Serial({
      port,
      receive: options.receive,
      transmit: options.transmit,
      baud: options.baud ?? DEFAULT_BAUD,
      format: 'buffer',
      onReadable: () => this.#drain(),
      onWritable: (count) => {
        this.#txRoom = count;
        this.#pump();
      },
    });
  }

  get droppedInBytes(): number {
    return this.#droppedIn;
  }

  get droppedOutBytes(): number {
    return this.#droppedOut;
  }

  get outputRoom(): number {
    return this.#out.length - this.#outCount;
  }

  poll(): void {
    this.#drain();
  }

  /** Bytes waiting in the output queue (not yet in the TX FIFO). */
  get outputQueued(): number {
    return this.#outCount;
  }

  write(text: string): void {
    if (!this.#reserve(text.length)) return;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      this.#append(code < 0x80 ? code : QUESTION_MARK);
    }
    this.#pump();
  }

  /** Raw bytes, as they are: the NE-1000 mode's packets carry STX, ETX and CRC bytes. */
  writeBytes(bytes: Uint8Array): void {
    if (!this.#reserve(bytes.length)) return;
    for (let i = 0; i < bytes.length; i++) this.#append(bytes[i]!);
    this.#pump();
  }

  /** Whether `n` bytes fit the output queue whole; if not they are dropped, and counted. */
  #reserve(n: number): boolean {
    if (!this.#closed && n <= this.#out.length - this.#outCount) return true;
    this.#droppedOut += n;
    return false;
  }

  #append(byte: number): void {
    const out = this.#out;
    out[(this.#outHead + this.#outCount) % out.length] = byte;
    this.#outCount++;
  }

  /** Releases the UART and its pins; later writes are dropped (and counted). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#droppedOut += this.#outCount;
    this.#outCount = 0;
    this.#serial.close();
  }

  /**
   * Empties the RX FIFO. `read` takes at most what is there, so a short count means it is
   * empty; a full buffer may mean more arrived meanwhile, so read again.
   */
  #drain(): void {
    const rx = this.#rx;
    for (let i = 0; i < MAX_READS_PER_CALLBACK && !this.#closed; i++) {
      const n = this.#serial.read(rx);
      if (n === undefined || n <= 0) return;
      const onBytes = this.onBytes;
      // The buffer is allocated once; only the view of a short read is made per call.
      if (onBytes === undefined) this.#droppedIn += n;
      else onBytes(n === rx.length ? rx : rx.subarray(0, n));
      if (n < rx.length) return;
    }
  }

  /**
   * Moves queued output into the TX FIFO while it is known to have room. If nothing fits now,
   * a write since the last onWritable has armed the SDK's TX interrupt (or, before the first
   * write, opening did), so onWritable comes and this runs again: no timer is needed.
   */
  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    let moved = false;
    try {
      const out = this.#out;
      const queued = this.#outCount;
      while (this.#txRoom > 0 && this.#outCount > 0) {
        const n = Math.min(this.#txRoom, this.#outCount, out.length - this.#outHead);
        // Taken before the write: an onWritable inside it reports the room after these bytes.
        this.#txRoom -= n;
        try {
          this.#serial.write(out.subarray(this.#outHead, this.#outHead + n));
        } catch {
          // "output full": the FIFO had less room than promised. The bytes stay queued.
          this.#txRoom = 0;
          return;
        }
        this.#outHead = (this.#outHead + n) % out.length;
        this.#outCount -= n;
      }
      moved = this.#outCount < queued;
    } finally {
      this.#pumping = false;
    }
    // After the guard is down, so what the listener writes goes straight on.
    if (moved) this.onRoom?.();
  }
}
