// Test images laid out as ESP-IDF builds them, shared by the flash tests (not a test file).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TYPES: Record<string, number> = { app: 0, data: 1 };
const SUBTYPES: Record<string, number> = { factory: 0, nvs: 2, phy: 1, ota_0: 0x10 };

/** partitions.csv compiled as ESP-IDF's gen_esp32part.py does (entries, then the MD5 entry). */
export function partitionTable(csv: string): Uint8Array {
  const entries: Buffer[] = [];
  for (const raw of csv.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, type, subtype, offset, size] = line.split(',').map((s) => s.trim()) as [string, string, string, string, string];
    const e = Buffer.alloc(32);
    e.writeUInt16LE(0x50aa, 0);
    e[2] = TYPES[type] ?? Number(type);
    e[3] = SUBTYPES[subtype] ?? Number(subtype);
    e.writeUInt32LE(Number(offset), 4);
    e.writeUInt32LE(Number(size), 8);
    e.write(name, 12, 'latin1');
    entries.push(e);
  }
  const body = Buffer.concat(entries);
  const md5 = Buffer.alloc(32, 0xff);
  md5.writeUInt16LE(0xebeb, 0);
  createHash('md5').update(body).digest().copy(md5, 16);
  return new Uint8Array(Buffer.concat([body, md5]));
}

/** An ESP image: 0xE9 header with the chip id at byte 12, a deterministic body, optional SHA-256. */
export function espImage(chipId: number, bytes: number, seed: number, hashAppended: boolean): Uint8Array {
  const d = new Uint8Array(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = x >>> 24;
  }
  d.fill(0, 0, 24);
  d[0] = 0xe9;
  d[12] = chipId;
  d[23] = hashAppended ? 1 : 0;
  if (!hashAppended) return d;
  const out = new Uint8Array(bytes + 32);
  out.set(d);
  out.set(createHash('sha256').update(d).digest(), bytes);
  return out;
}

export function imageDir(chipId = 0, appBytes = 150_000): string {
  const dir = mkdtempSync(join(tmpdir(), 'flash-image-'));
  writeFileSync(join(dir, 'bootloader.bin'), espImage(chipId, 26_000, 1, false));
  writeFileSync(join(dir, 'partition-table.bin'), partitionTable(readFileSync('firmware/app/partitions.csv', 'utf8')));
  writeFileSync(join(dir, 'xs_esp32.bin'), espImage(chipId, appBytes, 2, true));
  return dir;
}
