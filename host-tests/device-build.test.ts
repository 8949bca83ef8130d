// `npm run build:esp32` and `npm run flash` on a machine without the Moddable SDK or ESP-IDF,
// as in CI: each missing piece is named with its E7xx code and how to get it, the exit code is
// that error's own, and there is no stack trace. Environments are built by hand (no PATH to
// an SDK), so these pass wherever the tests run; nothing here reaches mcconfig or rollup.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCommand } from '../host/device/cli';
import { ROOT, runDevice } from '../host/device/cli';
import { EXIT } from '../host/errors';
import { DEVICE_ERRORS } from '../host/errors/device';
import { sdkBinDir } from '../host/device/toolchain';

const BARE_PATH = '/usr/bin:/bin';
let dir = '';
let fakeSdk = '';
let builtSdk = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pump-device-'));
  // An SDK checkout whose tools were never built, and one whose tools were.
  fakeSdk = join(dir, 'moddable');
  builtSdk = join(dir, 'moddable-built');
  for (const sdk of [fakeSdk, builtSdk]) {
    mkdirSync(join(sdk, 'tools'), { recursive: true });
    writeFileSync(join(sdk, 'tools/mcconfig.js'), '');
  }
  const bin = sdkBinDir(builtSdk);
  mkdirSync(bin, { recursive: true });
  for (const tool of ['mcconfig', 'xsc', 'xsl']) writeFileSync(join(bin, tool), '');
  mkdirSync(join(dir, 'empty-idf'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function device(command: DeviceCommand, argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDevice(command, argv, { PATH: BARE_PATH, ...env }, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const codes = (text: string): string[] => [...text.matchAll(/^E(\d{3}) /gm)].map((m) => m[1]!);

describe('device build: missing tools', () => {
  it('gives every device error its own exit code, none of them 0 or 1', () => {
    const exits = Object.values(DEVICE_ERRORS).map((e) => EXIT[e.exit]);
    expect(new Set(exits).size).toBe(exits.length);
    for (const e of exits) expect(e).toBeGreaterThan(1);
  });

  it('names both the SDK and ESP-IDF when neither is there, with what to do', async () => {
    const r = await device('build', [], {});
    expect(r.code).toBe(EXIT[DEVICE_ERRORS.MODDABLE_UNSET.exit]);
    expect(codes(r.err)).toEqual(['701', '704']);
    expect(r.err).toContain('export MODDABLE=');
    expect(r.err).toContain('ESP-IDF v6.0');
    expect(r.err).toContain('--xs-only');
    expect(r.out).toBe('');
  });

  it('asks only for the SDK with --xs-only, which stops before ESP-IDF', async () => {
    const r = await device('build', ['--xs-only'], {});
    expect(codes(r.err)).toEqual(['701']);
    expect(r.code).toBe(71);
  });

  it('tells a MODDABLE that is not an SDK checkout (E702)', async () => {
    const r = await device('build', ['--xs-only'], { MODDABLE: join(dir, 'empty-idf') });
    expect(codes(r.err)).toEqual(['702']);
    expect(r.code).toBe(EXIT[DEVICE_ERRORS.MODDABLE_INVALID.exit]);
  });

  it('tells an SDK whose tools were never built (E703) and how to build them', async () => {
    const r = await device('build', ['--xs-only'], { MODDABLE: fakeSdk });
    expect(codes(r.err)).toEqual(['703']);
    expect(r.err).toContain('build/makefiles/lin && make');
    expect(r.code).toBe(EXIT[DEVICE_ERRORS.MCCONFIG_MISSING.exit]);
  });

  it('with the SDK built but ESP-IDF missing, names IDF_PATH (E704) for build and flash', async () => {
    for (const command of ['build', 'flash'] as const) {
      const r = await device(command, [], { MODDABLE: builtSdk });
      expect(codes(r.err)).toEqual(['704']);
      expect(r.code).toBe(EXIT[DEVICE_ERRORS.IDF_PATH_UNSET.exit]);
    }
  });

  it('tells an IDF_PATH that holds no ESP-IDF (E705)', async () => {
    const r = await device('flash', ['--port', '/dev/ttyUSB0'], { MODDABLE: builtSdk, IDF_PATH: join(dir, 'empty-idf') });
    expect(codes(r.err)).toEqual(['705']);
    expect(r.code).toBe(EXIT[DEVICE_ERRORS.IDF_PATH_INVALID.exit]);
  });

  it('refuses an unknown board (E707) and an unknown option (E708) before checking tools', async () => {
    const board = await device('build', ['--board', 'esp8266'], {});
    expect(codes(board.err)).toEqual(['707']);
    expect(board.err).toContain('esp32-devkitc, esp32-s3-devkitc-1');
    expect(board.code).toBe(77);
    const option = await device('flash', ['--xs-only'], {});
    expect(codes(option.err)).toEqual(['708']);
    expect(option.code).toBe(78);
    expect(codes((await device('build', ['--board'], {})).err)).toEqual(['708']);
  });

  it('accepts a board by its mcconfig target', async () => {
    const r = await device('build', ['--board', 'esp32/esp32s3'], {});
    expect(codes(r.err)).toEqual(['701', '704']);
  });

  it('as a process: the exit code, the message, and no stack trace', () => {
    const tsx = join(ROOT, 'node_modules/.bin/tsx');
    const r = spawnSync(tsx, [join(ROOT, 'host/device/build.ts')], {
      cwd: ROOT,
      env: { PATH: `${dirname(process.execPath)}:${BARE_PATH}` },
      encoding: 'utf8',
    });
    expect(r.status).toBe(71);
    expect(codes(r.stderr)).toEqual(['701', '704']);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
  });
});
