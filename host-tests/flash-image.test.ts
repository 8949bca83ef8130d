// The Node-only flasher (host/device/flasher.ts) end to end: esptool-js over the Web Serial
// adapter, against the scripted ROM loader (host/device/rom-sim.ts), into an in-memory flash.
// The image is made here the way ESP-IDF lays one out: a bootloader and an application with
// the 0xE9 header (the app with its appended SHA-256), and a binary partition table compiled
// from firmware/app/partitions.csv with its MD5 entry.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flashImage } from '../host/device/flasher';
import { parsePartitionTable, readImage } from '../host/device/image';
import { espImage, imageDir, partitionTable } from './flash-fixture';
import { RomSimulator } from '../host/device/rom-sim';
import { WebSerialAdapter } from '../host/device/web-serial';

const file = (dir: string, name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
const flashAt = (sim: RomSimulator, address: number, length: number): Uint8Array => sim.flash.subarray(address, address + length);

describe('flashImage over the Web Serial adapter to a simulated ESP32 ROM loader', () => {
  it('writes bootloader, partition table and app at 0x1000, 0x8000 and the factory partition, and verifies', async () => {
    const dir = imageDir();
    const sim = new RomSimulator({ chip: 'esp32' });
    const port = new WebSerialAdapter(sim.opener);
    const progress: [number, number, number][] = [];
    const r = await flashImage(port, dir, { noReset: true, baud: 460800, progress: (...p) => progress.push(p) });
    if ('name' in r) throw new Error(`${r.name}: ${r.detail}`);
    expect(r.chip).toBe('ESP32');
    expect(r.verified.map((v) => [v.name, v.address])).toEqual([
      ['bootloader', 0x1000],
      ['partition table', 0x8000],
      ['application', 0x10000],
    ]);
    for (const [name, address] of [
      ['bootloader.bin', 0x1000],
      ['partition-table.bin', 0x8000],
      ['xs_esp32.bin', 0x10000],
    ] as const) {
      const want = file(dir, name);
      expect(Buffer.from(flashAt(sim, address, want.length)).equals(Buffer.from(want))).toBe(true);
    }
    // Nothing written outside the parts: the byte before the bootloader is still erased flash.
    expect(sim.flash[0xfff]).toBe(0xff);
    // Compressed writes, an MD5 per part, and the baud change the adapter applied in place.
    expect(sim.commands).toContain(0x10);
    expect(sim.commands.filter((c) => c === 0x13)).toHaveLength(3);
    expect(sim.baud).toBe(460800);
    expect(port.baudHistory.at(-1)).toBe(460800);
    // Progress reaches each part's total.
    for (const part of [0, 1, 2]) {
      const last = progress.filter((p) => p[0] === part).at(-1)!;
      expect(last[1]).toBe(last[2]);
    }
  }, 60_000);

  it('refuses to flash an ESP32-S3 with an image built for the classic ESP32 (E724) and writes nothing', async () => {
    const sim = new RomSimulator({ chip: 'esp32s3' });
    const r = await flashImage(new WebSerialAdapter(sim.opener), imageDir(0), { noReset: true, baud: 115200 });
    expect('name' in r && r.name).toBe('CHIP_WRONG');
    expect(sim.commands.filter((c) => c === 0x02 || c === 0x10)).toEqual([]);
    expect(sim.flash.every((b) => b === 0xff)).toBe(true);
  }, 60_000);

  it('says no chip answered (E723) when the port is silent', async () => {
    const sim = new RomSimulator({ silent: true });
    const r = await flashImage(new WebSerialAdapter(sim.opener), imageDir(), { noReset: true, attempts: 1 });
    expect('name' in r && r.name).toBe('CHIP_SILENT');
  }, 60_000);

  it('catches a corrupted write by the MD5 read-back (E726)', async () => {
    const sim = new RomSimulator({ corruptAddress: 0x10000 + 1234 });
    const r = await flashImage(new WebSerialAdapter(sim.opener), imageDir(), { noReset: true, baud: 115200 });
    expect('name' in r && r.name).toBe('VERIFY_FAILED');
    expect('detail' in r && r.detail).toMatch(/xs_esp32\.bin at 0x10000/);
  }, 60_000);
});

describe('readImage refuses what must not be flashed', () => {
  it('reads the app offset from the partition table, and puts an S3 bootloader at 0x0', () => {
    const img = readImage(imageDir(9));
    if ('name' in img) throw new Error(img.detail);
    expect(img.chipName).toBe('ESP32-S3');
    expect(img.parts.map((p) => p.address)).toEqual([0x0, 0x8000, 0x10000]);
    expect(parsePartitionTable(partitionTable(readFileSync('firmware/app/partitions.csv', 'utf8'))).find((p) => p.label === 'factory')?.offset).toBe(0x10000);
  });

  it('names a missing folder or file (E720)', () => {
    expect(readImage('/nonexistent/image')).toMatchObject({ name: 'IMAGE_MISSING' });
    const dir = imageDir();
    writeFileSync(join(dir, 'partition-table.bin'), '');
    const empty = mkdtempSync(join(tmpdir(), 'flash-empty-'));
    expect(readImage(empty)).toMatchObject({ name: 'IMAGE_MISSING', detail: expect.stringMatching(/bootloader\.bin/) });
  });

  it('refuses a truncated app (SHA-256), a bad magic and a corrupt partition table (E721)', () => {
    const dir = imageDir();
    const app = file(dir, 'xs_esp32.bin');
    writeFileSync(join(dir, 'xs_esp32.bin'), app.subarray(0, app.length - 100));
    expect(readImage(dir)).toMatchObject({ name: 'IMAGE_INVALID', detail: expect.stringMatching(/SHA-256/) });

    const dir2 = imageDir();
    writeFileSync(join(dir2, 'bootloader.bin'), new Uint8Array(1000));
    expect(readImage(dir2)).toMatchObject({ name: 'IMAGE_INVALID', detail: expect.stringMatching(/0xE9/) });

    const dir3 = imageDir();
    const table = file(dir3, 'partition-table.bin');
    table[6] = table[6]! ^ 1;
    writeFileSync(join(dir3, 'partition-table.bin'), table);
    expect(readImage(dir3)).toMatchObject({ name: 'IMAGE_INVALID', detail: expect.stringMatching(/MD5/) });
  });

  it('refuses parts that overlap or an app larger than its partition (E722)', () => {
    const big = imageDir(0, 0x390000 + 16);
    expect(readImage(big)).toMatchObject({ name: 'IMAGE_OVERLAP' });
    const dir = mkdtempSync(join(tmpdir(), 'flash-args-'));
    mkdirSync(join(dir, 'bootloader'));
    writeFileSync(join(dir, 'bootloader', 'bootloader.bin'), espImage(0, 0x8000, 1, false));
    mkdirSync(join(dir, 'partition_table'));
    writeFileSync(join(dir, 'partition_table', 'partition-table.bin'), partitionTable('factory, app, factory, 0x10000, 0x100000'));
    const files = { '0x1000': 'bootloader/bootloader.bin', '0x8000': 'partition_table/partition-table.bin' };
    writeFileSync(join(dir, 'flasher_args.json'), JSON.stringify({ flash_files: files }));
    expect(readImage(dir)).toMatchObject({ name: 'IMAGE_OVERLAP', detail: expect.stringMatching(/runs into partition_table/) });
  });
});
