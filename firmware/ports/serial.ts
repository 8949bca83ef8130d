// The programming link as the protocol sees it: a byte stream in, text out. Bytes, not lines:
// framing belongs to firmware/protocol/line-reader, so the same reader works on any transport
// and the driver's only job is to empty the 128-byte hardware FIFO before it overflows.

export interface SerialPort {
  /**
   * Bytes drained from the UART, in order. The array is the driver's own buffer, valid only
   * during the call: copy what must be kept (LineReader.push does).
   */
  onBytes: ((bytes: Uint8Array) => void) | undefined;
  /**
   * Queues text for sending (ASCII; other characters go out as "?"). Never blocks and never
   * throws: a write that does not fit the output queue is dropped whole and counted, so a
   * line never goes out cut short.
   */
  write(text: string): void;
  /** Bytes free in the output queue: a dispatcher answers only what fits. */
  readonly outputRoom: number;
  /** Called once queued output has moved on into the hardware, so there is room again. */
  onRoom: (() => void) | undefined;
  /**
   * Empties the receive FIFO now, through onBytes. A dispatcher handling a queue of lines
   * calls it between them, so the FIFO never waits longer than one line's handling.
   */
  poll(): void;
  /** Bytes received while nothing listened (onBytes undefined). */
  readonly droppedInBytes: number;
  /** Bytes of writes dropped because the output queue was full (or the port closed). */
  readonly droppedOutBytes: number;
}
