// An already built ESP32 image, read from a folder and checked before any byte goes to a board:
// which files go where, and that each is what it claims to be. Two layouts are accepted:
//   - ESP-IDF's build folder (or a copy of it) with flasher_args.json: its flash_files map
//     gives every offset, its extra_esptool_args.chip the chip;
//   - a flat folder as the image workflow uploads it: bootloader.bin, partition-table.bin and
//     one application .bin. The bootloader offset follows the chip (classic ESP32 0x1000, the
//     newer chips 0x0), the partition table sits at 0x8000 (ESP-IDF's default, kept by
//     firmware/app/partitions.csv) and the application goes to the first app partition the
//     table itself lists (factory, else ota_0), so the offset is the build's, not a guess.
// Pure apart from reading the folder; every refusal is a DeviceProblem (host/errors/device.ts).

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceProblem } from '../errors/device';

/** esptool's chip ids, as written at byte 12 of every image header (esp_image_header_t.chip_id). */
export const CHIP_IDS: Readonly<Record<number, string>> = { 0: 'ESP32', 2: 'ESP32-S2', 5: 'ESP32-C3', 9: 'ESP32-S3', 12: 'ESP32-C2', 13: 'ESP32-C6', 16: 'ESP32-H2' };
const PARTITION_TABLE_OFFSET = 0x8000;
const PARTITION_TABLE_MAX = 0xc00;

export interface ImagePart {
  readonly name: string;
  readonly file: string;
  readonly address: number;
  readonly data: Uint8Array;
  /** Where the next part may start: the app partition's end for the application. */
  readonly limit?: number;
}

export interface FlashImage {
  /** esptool's chip id from the bootloader header (0 = ESP32, 9 = ESP32-S3, ...). */
  readonly chipId: number;
  readonly chipName: string;
  readonly parts: readonly ImagePart[];
}

interface Partition {
  readonly type: number;
  readonly subtype: number;
  readonly offset: number;
  readonly size: number;
  readonly label: string;
}

/** The entries of a binary partition table; throws with the reason when it is corrupt. */
export function parsePartitionTable(bin: Uint8Array): Partition[] {
  const out: Partition[] = [];
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  for (let at = 0; at + 32 <= Math.min(bin.length, PARTITION_TABLE_MAX); at += 32) {
    const magic = view.getUint16(at, true);
    if (magic === 0x50aa) {
      const label = Buffer.from(bin.subarray(at + 12, at + 28))
        .toString('latin1')
        .replace(/\0.*$/s, '');
      out.push({ type: bin[at + 2]!, subtype: bin[at + 3]!, offset: view.getUint32(at + 4, true), size: view.getUint32(at + 8, true), label });
    } else if (magic === 0xebeb) {
      // ESP-IDF's MD5 entry: 0xEBEB, 14 bytes of 0xFF, then the MD5 of all entries before it.
      const want = Buffer.from(bin.subarray(at + 16, at + 32)).toString('hex');
      const got = createHash('md5').update(bin.subarray(0, at)).digest('hex');
      if (want !== got) throw new Error(`its MD5 entry says ${want}, the entries hash to ${got}`);
    } else if (magic === 0xffff) {
      break;
    } else {
      throw new Error(`entry at byte ${at} has magic 0x${magic.toString(16)}, not 0x50aa`);
    }
  }
  if (out.length === 0) throw new Error('it holds no partition');
  return out;
}

/** The header checks every ESP image passes: magic 0xE9, and its appended SHA-256 when it has one. */
function checkAppImage(name: string, data: Uint8Array): string | undefined {
  if (data.length < 24 || data[0] !== 0xe9) return `${name} does not start with the ESP image magic byte 0xE9`;
  // esp_image_header_t.hash_appended (byte 23): the last 32 bytes are the SHA-256 of the rest.
  if (data[23] === 1 && data.length > 32) {
    const body = data.subarray(0, data.length - 32);
    const want = Buffer.from(data.subarray(data.length - 32)).toString('hex');
    if (createHash('sha256').update(body).digest('hex') !== want) return `${name}: its SHA-256 does not match its content (truncated or corrupted)`;
  }
  return undefined;
}

function chipIdOf(data: Uint8Array): number {
  return data[12]! | (data[13]! << 8);
}

function read(dir: string, file: string): Uint8Array | DeviceProblem {
  const path = join(dir, file);
  if (!existsSync(path) || !statSync(path).isFile()) return { name: 'IMAGE_MISSING', detail: `${path} is missing` };
  return new Uint8Array(readFileSync(path));
}

const isProblem = (x: unknown): x is DeviceProblem => typeof x === 'object' && x !== null && 'name' in x && 'detail' in x;

interface FlasherArgs {
  readonly flash_files?: Readonly<Record<string, string>>;
}

/** Reads and checks the image in `dir`, or says what is wrong with it. */
export function readImage(dir: string): FlashImage | DeviceProblem {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { name: 'IMAGE_MISSING', detail: `${dir} is not a folder` };
  const parts: ImagePart[] = [];
  const argsPath = join(dir, 'flasher_args.json');
  if (existsSync(argsPath)) {
    let args: FlasherArgs;
    try {
      args = JSON.parse(readFileSync(argsPath, 'utf8')) as FlasherArgs;
    } catch (e) {
      return { name: 'IMAGE_INVALID', detail: `${argsPath}: ${e instanceof Error ? e.message : String(e)}` };
    }
    for (const [offset, file] of Object.entries(args.flash_files ?? {})) {
      const address = Number(offset);
      if (!Number.isInteger(address) || address < 0) return { name: 'IMAGE_INVALID', detail: `${argsPath}: offset ${offset} is not a number` };
      const data = read(dir, file);
      if (isProblem(data)) return data;
      const name = /bootloader/.test(file) ? 'bootloader' : /partition/.test(file) ? 'partition table' : /ota_data/.test(file) ? 'ota data' : 'application';
      parts.push({ name, file, address, data });
    }
    if (!parts.some((p) => p.name === 'bootloader')) return { name: 'IMAGE_MISSING', detail: `${argsPath} names no bootloader` };
  } else {
    const boot = read(dir, 'bootloader.bin');
    if (isProblem(boot)) return boot;
    const table = read(dir, 'partition-table.bin');
    if (isProblem(table)) return table;
    const apps = readdirSync(dir).filter((f) => f.endsWith('.bin') && f !== 'bootloader.bin' && f !== 'partition-table.bin' && f !== 'ota_data_initial.bin');
    if (apps.length !== 1) {
      return { name: 'IMAGE_MISSING', detail: apps.length === 0 ? `${dir} has no application .bin` : `${dir} has several application files (${apps.join(', ')}); keep one` };
    }
    let entries: Partition[];
    try {
      entries = parsePartitionTable(table);
    } catch (e) {
      return { name: 'IMAGE_INVALID', detail: `partition-table.bin: ${e instanceof Error ? e.message : String(e)}` };
    }
    const app = entries.find((p) => p.type === 0 && p.subtype === 0x00) ?? entries.find((p) => p.type === 0 && p.subtype === 0x10);
    if (app === undefined) return { name: 'IMAGE_INVALID', detail: 'partition-table.bin has no factory or ota_0 app partition' };
    const appData = read(dir, apps[0]!);
    if (isProblem(appData)) return appData;
    const bootAddress = boot.length >= 14 && chipIdOf(boot) === 0 ? 0x1000 : 0x0;
    parts.push({ name: 'bootloader', file: 'bootloader.bin', address: bootAddress, data: boot });
    parts.push({ name: 'partition table', file: 'partition-table.bin', address: PARTITION_TABLE_OFFSET, data: table });
    parts.push({ name: 'application', file: apps[0]!, address: app.offset, data: appData, limit: app.offset + app.size });
  }

  for (const p of parts) {
    if (p.name === 'bootloader' || p.name === 'application') {
      const bad = checkAppImage(p.file, p.data);
      if (bad !== undefined) return { name: 'IMAGE_INVALID', detail: bad };
    }
  }
  const chipId = chipIdOf(parts.find((p) => p.name === 'bootloader')!.data);
  const app = parts.find((p) => p.name === 'application');
  if (app !== undefined && chipIdOf(app.data) !== chipId) {
    return {
      name: 'IMAGE_INVALID',
      detail: `the bootloader is for ${CHIP_IDS[chipId] ?? `chip id ${chipId}`}, the application for ${CHIP_IDS[chipIdOf(app.data)] ?? `chip id ${chipIdOf(app.data)}`}`,
    };
  }
  const sorted = [...parts].sort((a, b) => a.address - b.address);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    const end = p.address + p.data.length;
    if (p.limit !== undefined && end > p.limit) {
      return { name: 'IMAGE_OVERLAP', detail: `${p.file} is ${p.data.length} bytes, its partition at 0x${p.address.toString(16)} holds ${p.limit - p.address}` };
    }
    const next = sorted[i + 1];
    if (next !== undefined && end > next.address) {
      return { name: 'IMAGE_OVERLAP', detail: `${p.file} (0x${p.address.toString(16)}-0x${end.toString(16)}) runs into ${next.file} at 0x${next.address.toString(16)}` };
    }
  }
  return { chipId, chipName: CHIP_IDS[chipId] ?? `chip id ${chipId}`, parts: sorted };
}
