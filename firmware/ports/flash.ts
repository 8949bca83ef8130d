// A raw flash partition as the event and delivery log sees it (NOR flash: SPI NOR on the
// ESP32 module). On the device it wraps ECMA-419's `embedded:storage/flash`
// (`flash.open({ path })` with `read(length, offset)`, `write(buffer, offset)`,
// `eraseBlock(block)` and `status()`); on the host, host/storage/flash-mock.ts stands in.

export interface FlashPartition {
  /** Size of the partition in bytes: a whole number of blocks. */
  readonly byteLength: number;
  /** Erase unit in bytes (4096 on the ESP32's SPI NOR flash). */
  readonly blockSize: number;
  /** A copy of `length` bytes from `offset` (relative to the partition). */
  read(offset: number, length: number): Uint8Array;
  /**
   * Programs `data` at `offset`. NOR semantics: a write can only turn bits from 1 to 0;
   * turning a 0 back to 1 needs the whole block erased. Returns once the bytes are programmed.
   */
  write(offset: number, data: Uint8Array): void;
  /** Erases block `block` (bytes `block * blockSize` onward): every byte reads 0xFF after. */
  eraseBlock(block: number): void;
}
