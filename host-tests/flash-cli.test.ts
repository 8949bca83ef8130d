// `npm run flash -- --image DIR`: the command line around flashImage (host/device/flash-cli.ts,
// cli.ts's node:util parseArgs), against the scripted ROM loader. What a tester sees: progress
// lines or a bar, the verified parts, and numbered errors with their exit codes.

import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, runDevice } from '../host/device/cli';
import { runFlashImage } from '../host/device/flash-cli';
import { RomSimulator } from '../host/device/rom-sim';
import { WebSerialAdapter } from '../host/device/web-serial';

/** A minimal valid image: bootloader and app with 0xE9 headers, a one-partition table with its MD5 entry. */
function imageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flash-cli-'));
  const img = (n: number): Buffer => {
    const b = Buffer.alloc(n, 0x5a);
    b[0] = 0xe9;
    b.writeUInt16LE(0, 12); // chip id: ESP32
    b[23] = 0;
    return b;
  };
  const entry = Buffer.alloc(32);
  entry.writeUInt16LE(0x50aa, 0);
  entry.writeUInt32LE(0x10000, 4);
  entry.writeUInt32LE(0x100000, 8);
  entry.write('factory', 12);
  const md5 = Buffer.alloc(32, 0xff);
  md5.writeUInt16LE(0xebeb, 0);
  createHash('md5').update(entry).digest().copy(md5, 16);
  writeFileSync(join(dir, 'bootloader.bin'), img(4000));
  writeFileSync(join(dir, 'partition-table.bin'), Buffer.concat([entry, md5]));
  writeFileSync(join(dir, 'app.bin'), img(40_000));
  return dir;
}

function capture(tty: boolean): { io: Parameters<typeof runFlashImage>[1]; out: string[]; err: string[]; bar: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const bar: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t), tty: tty ? (t) => bar.push(t) : undefined }, out, err, bar };
}

describe('flash --image on the command line', () => {
  it('prints progress lines when not on a terminal, then the verified parts', async () => {
    const sim = new RomSimulator();
    const c = capture(false);
    const code = await runFlashImage({ image: imageDir(), port: '/dev/sim', baud: 115200, noReset: true }, c.io, () => new WebSerialAdapter(sim.opener));
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(c.out.some((l) => /^app\.bin at 0x10000: 100% \(\d+ of \d+ bytes sent\)$/.test(l))).toBe(true);
    expect(c.out.filter((l) => l.startsWith('verified '))).toHaveLength(3);
    expect(c.out.at(-1)).toMatch(/ESP32 flashed from .*Tap EN/);
  }, 60_000);

  it('draws a bar redrawn with \\r on a terminal', async () => {
    const sim = new RomSimulator();
    const c = capture(true);
    expect(await runFlashImage({ image: imageDir(), port: '/dev/sim', baud: 115200, noReset: true }, c.io, () => new WebSerialAdapter(sim.opener))).toBe(0);
    expect(c.bar.every((t) => t.startsWith('\r['))).toBe(true);
    expect(c.bar.filter((t) => t.endsWith('\n'))).toHaveLength(3);
    expect(c.out.some((l) => / bytes sent\)/.test(l))).toBe(false);
  }, 60_000);

  it('exits with the numbered error and what to do (silent chip: E723, exit 93)', async () => {
    const sim = new RomSimulator({ silent: true });
    const c = capture(false);
    const code = await runFlashImage({ image: imageDir(), port: '/dev/sim', noReset: true, attempts: 1 }, c.io, () => new WebSerialAdapter(sim.opener));
    expect(code).toBe(93);
    expect(c.err.join('\n')).toMatch(/^E723 .*\n {2}What to do: .*BOOT/s);
  }, 60_000);

  it("needs --port with --image (E708), through npm run flash's entry", async () => {
    const err: string[] = [];
    const code = await runDevice('flash', ['--image', imageDir()], {}, { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(78);
    expect(err.join('\n')).toMatch(/^E708 .*--image needs --port/);
  });
});

describe('device options through node:util parseArgs', () => {
  it('keeps E708 for unknown options, missing values and values on flags', () => {
    expect(parseArgs('build', ['--board'])).toEqual({ name: 'ARGUMENT', detail: '--board needs a value' });
    expect(parseArgs('flash', ['--port='])).toEqual({ name: 'ARGUMENT', detail: '--port needs a value' });
    expect(parseArgs('build', ['--debug=yes'])).toEqual({ name: 'ARGUMENT', detail: '--debug=yes is not an option of build:esp32' });
    expect(parseArgs('flash', ['--xs-only'])).toEqual({ name: 'ARGUMENT', detail: '--xs-only is not an option of flash' });
    expect(parseArgs('build', ['--image', 'x'])).toMatchObject({ name: 'ARGUMENT' });
    expect(parseArgs('flash', ['stray'])).toEqual({ name: 'ARGUMENT', detail: 'stray is not an option of flash' });
    expect(parseArgs('flash', ['--baud', '12'])).toMatchObject({ name: 'ARGUMENT', detail: expect.stringMatching(/not a baud rate/) });
  });

  it('reads both --opt value and --opt=value', () => {
    expect(parseArgs('build', ['--board=esp32', '--port', '/dev/ttyUSB0', '--debug', '--xs-only'])).toMatchObject({ board: 'esp32', port: '/dev/ttyUSB0', debug: true, xsOnly: true });
    expect(parseArgs('flash', ['--image', 'img', '--baud=460800', '--no-reset'])).toMatchObject({ image: 'img', baud: 460800, noReset: true });
  });
});
