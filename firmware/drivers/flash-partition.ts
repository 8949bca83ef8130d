// The flash port on a raw ESP32 partition through Moddable's `flash` module (the partition is
// declared in firmware/app/partitions.csv). NOR flash: erased bytes read 0xFF, and a write
// only clears bits until the sector is erased; the log is written with that in mind.

import Flash from 'flash';
import type { FlashPartition } from '../ports/flash';

export class FlashPartitionDriver implements FlashPartition {
  readonly #flash: Flash;
  readonly byteLength: number;
  readonly blockSize: number;

  constructor(partition = 'pumplog') {
    this.#flash = new Flash(partition);
    this.byteLength = this.#flash.byteLength;
    this.blockSize = this.#flash.blockSize;
  }

  read(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.#flash.read(offset, length) as ArrayBuffer);
  }

  write(offset: number, data: Uint8Array): void {
    this.#flash.write(offset, data.length, data.slice().buffer);
  }

  eraseBlock(block: number): void {
    this.#flash.erase(block);
  }
}
