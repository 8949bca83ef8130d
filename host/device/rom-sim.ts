// A scripted ESP32 ROM serial loader, for testing the flasher without a board. It speaks the
// protocol Espressif documents (esptool docs, "Serial Protocol"): SLIP frames, a request
// header (direction 0, command, length, checksum) and a response (direction 1, the same
// command, a 32-bit value, data ending in two status bytes), and writes into an in-memory flash.
// Only the commands esptool-js 0.7 sends to a ROM (no stub) are served: SYNC (answered eight
// times, as the ROM does), READ_REG (the chip-detect magic register), WRITE_REG, GET_SECURITY_INFO
// (refused by the classic ESP32 ROM, answered by the S3's), SPI_ATTACH, SPI_SET_PARAMS,
// CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END and SPI_FLASH_MD5. Anything
// else gets the ROM's "invalid command" status (1, 5). Faults for the tests: a chip that never
// answers, and a flash that corrupts one byte as it is written.

import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { inflateSync } from 'node:zlib';
import type { NodeSerialStream, StreamOpener } from './web-serial';

export type SimChip = 'esp32' | 'esp32s3';

const MAGIC_REG = 0x40001000;
const MAGIC: Record<SimChip, number> = { esp32: 0x00f01d83, esp32s3: 0x9 };
const CHIP_ID: Record<SimChip, number> = { esp32: 0, esp32s3: 9 };

export interface RomSimOptions {
  readonly chip?: SimChip;
  readonly flashBytes?: number;
  /** Never answer anything (a board not in its downloader, or the wrong port). */
  readonly silent?: boolean;
  /** Flip the bits of the byte written at this flash address (a bad write the verify must catch). */
  readonly corruptAddress?: number;
}

export class RomSimulator {
  readonly chip: SimChip;
  readonly flash: Uint8Array;
  /** Commands received, in order (their numbers), for the tests to assert what was sent. */
  readonly commands: number[] = [];
  baud = 115200;
  private rx: number[] = [];
  private inFrame = false;
  private escape = false;
  private write: { offset: number; compressed: boolean; blocks: number; chunks: Uint8Array[]; next: number } | undefined;

  constructor(private readonly options: RomSimOptions = {}) {
    this.chip = options.chip ?? 'esp32';
    this.flash = new Uint8Array(options.flashBytes ?? 4 * 1024 * 1024).fill(0xff);
  }

  /** Bytes from the host; returns the SLIP frames to send back. */
  receive(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const b of bytes) {
      if (b === 0xc0) {
        if (this.inFrame && this.rx.length > 0) out.push(...this.handle(Uint8Array.from(this.rx)));
        this.rx = [];
        this.inFrame = true;
      } else if (!this.inFrame) {
      } else if (this.escape) {
        this.rx.push(b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b);
        this.escape = false;
      } else if (b === 0xdb) {
        this.escape = true;
      } else {
        this.rx.push(b);
      }
    }
    return this.options.silent ? [] : out.map(slip);
  }

  private handle(pkt: Uint8Array): Uint8Array[] {
    if (pkt.length < 8 || pkt[0] !== 0) return [];
    const view = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
    const op = pkt[1]!;
    const len = view.getUint16(2, true);
    const chk = view.getUint32(4, true);
    const data = pkt.subarray(8, 8 + len);
    const word = (i: number): number => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(i * 4, true);
    this.commands.push(op);
    const ok = (value = 0, body: Uint8Array = new Uint8Array(0)): Uint8Array[] => [response(op, value, body, 0, 0)];
    const fail = (err: number): Uint8Array[] => [response(op, 0, new Uint8Array(0), 1, err)];
    switch (op) {
      case 0x08: // SYNC: the ROM answers eight times
        return Array.from({ length: 8 }, () => response(op, 0x20120707, new Uint8Array(0), 0, 0));
      case 0x0a: // READ_REG
        return ok(word(0) === MAGIC_REG ? MAGIC[this.chip] : 0);
      case 0x09: // WRITE_REG
      case 0x0d: // SPI_ATTACH
      case 0x0b: // SPI_SET_PARAMS
        return ok();
      case 0x14: {
        // GET_SECURITY_INFO: not in the classic ESP32 ROM; the S3 returns flags, key purposes, chip id, API version.
        if (this.chip === 'esp32') return fail(0x05);
        const info = new Uint8Array(20);
        new DataView(info.buffer).setUint32(12, CHIP_ID[this.chip], true);
        return ok(0, info);
      }
      case 0x0f: // CHANGE_BAUDRATE: new rate, old rate (0 from a ROM client)
        this.baud = word(0);
        return ok();
      case 0x02: // FLASH_BEGIN: erase size, blocks, block size, offset
      case 0x10: {
        // FLASH_DEFL_BEGIN: the same, blocks counted in compressed data
        const offset = word(3);
        const erase = word(0);
        if (offset + erase > this.flash.length) return fail(0x08);
        this.flash.fill(0xff, offset, offset + erase);
        this.write = { offset, compressed: op === 0x10, blocks: word(1), chunks: [], next: 0 };
        return ok();
      }
      case 0x03: // FLASH_DATA: length, seq, 0, 0, data; checksum 0xEF xor the data bytes
      case 0x11: {
        const w = this.write;
        const block = data.subarray(16, 16 + word(0));
        if (w === undefined || w.compressed !== (op === 0x11) || word(1) !== w.next) return fail(0x07);
        if (checksum(block) !== chk) return fail(0x07);
        w.chunks.push(Uint8Array.from(block));
        w.next++;
        if (!w.compressed) {
          this.store(w.offset + (w.next - 1) * block.length, block);
        } else if (w.next === w.blocks) {
          this.store(w.offset, inflateSync(Buffer.concat(w.chunks)));
        }
        return ok();
      }
      case 0x04: // FLASH_END
      case 0x12: // FLASH_DEFL_END
        this.write = undefined;
        return ok();
      case 0x13: {
        // SPI_FLASH_MD5: the ROM answers 32 ASCII hex digits (the stub 16 raw bytes)
        const md5 = createHash('md5')
          .update(this.flash.subarray(word(0), word(0) + word(1)))
          .digest('hex');
        return ok(0, new TextEncoder().encode(md5));
      }
      default:
        return fail(0x05);
    }
  }

  private store(address: number, bytes: Uint8Array): void {
    this.flash.set(bytes, address);
    const bad = this.options.corruptAddress;
    if (bad !== undefined && bad >= address && bad < address + bytes.length) this.flash[bad] = this.flash[bad]! ^ 0xff;
  }

  /** A fresh in-process stream to this chip each time the port opens (esptool-js reopens it). */
  readonly opener: StreamOpener = async () => {
    const stream: NodeSerialStream = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, cb) => {
        const frames = this.receive(chunk);
        // Answer on a later turn, as a wire would, never inside the host's write call.
        setImmediate(() => {
          for (const f of frames) if (!stream.destroyed) stream.push(f);
        });
        cb();
      },
    });
    stream.update = (o, cb) => {
      this.baud = o.baudRate;
      cb(null);
    };
    return stream;
  };
}

function checksum(data: Uint8Array): number {
  let c = 0xef;
  for (const b of data) c ^= b;
  return c;
}

function response(op: number, value: number, body: Uint8Array, status: number, error: number): Uint8Array {
  const pkt = new Uint8Array(8 + body.length + 2);
  const view = new DataView(pkt.buffer);
  pkt[0] = 1;
  pkt[1] = op;
  view.setUint16(2, body.length + 2, true);
  view.setUint32(4, value >>> 0, true);
  pkt.set(body, 8);
  pkt[8 + body.length] = status;
  pkt[9 + body.length] = error;
  return pkt;
}

function slip(pkt: Uint8Array): Uint8Array {
  const out = [0xc0];
  for (const b of pkt) {
    if (b === 0xc0) out.push(0xdb, 0xdc);
    else if (b === 0xdb) out.push(0xdb, 0xdd);
    else out.push(b);
  }
  out.push(0xc0);
  return Uint8Array.from(out);
}
