// host/serial/pty.ts: socat's pty pair with stable links, bytes both ways, and clean-up; and
// the numbered error when socat cannot be found or installed.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { openLinePort } from '../host/serial/line-port';
import { createPtyPair, findSocat } from '../host/serial/pty';
import { ROOT } from '../host/board/spawn';
import { EXIT } from '../host/errors';

const TMP = mkdtempSync(join(tmpdir(), 'pump-pty-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('pty pairs (host/serial/pty.ts)', () => {
  it('finds socat on PATH (CI installs it: .ci/run)', () => {
    expect(findSocat()).toMatch(/socat$/);
  });

  it('links both ends, carries bytes both ways, and removes the links when closed', async () => {
    const linkA = join(TMP, 'a');
    const linkB = join(TMP, 'b');
    const pair = await createPtyPair({ linkA, linkB });
    try {
      expect(lstatSync(linkB).isSymbolicLink()).toBe(true);
      expect(readlinkSync(linkA)).toBe(pair.a);
      expect(readlinkSync(linkB)).toBe(pair.b);
      expect(pair.a).toMatch(/^\/dev\/pts\/\d+$/);
      const a = await openLinePort(linkA, { baud: 115_200, binding: autoDetect() });
      const b = await openLinePort(linkB, { baud: 115_200, binding: autoDetect() });
      await b.write('ping\n');
      expect(await a.readLine(10_000)).toBe('ping');
      await a.write('pong\r\n');
      expect(await b.readLine(10_000)).toBe('pong');
      // A client leaving does not end the pair: the next one is served.
      await b.close();
      const b2 = await openLinePort(linkB, { baud: 115_200, binding: autoDetect() });
      await b2.write('again\n');
      expect(await a.readLine(10_000)).toBe('again');
      await b2.close();
      await a.close();
    } finally {
      await pair.close();
    }
    expect(existsSync(linkA)).toBe(false);
    expect(existsSync(linkB)).toBe(false);
  });

  it('without socat on PATH (and no apt-get to install it) the board exits 31 (pty) with E855 saying what to run', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'host/board/main.ts', '--quiet', '--link', join(TMP, 'x'), '--state', join(TMP, 'xs')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: join(TMP, 'empty-path') },
      timeout: 60_000,
    });
    expect(r.status).toBe(EXIT.pty);
    expect(r.stderr).toMatch(/E855 SOCAT_MISSING: socat is not installed[\s\S]*apt-get install socat/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ kind: 'error', code: 855, exitCode: EXIT.pty });
  });
});
