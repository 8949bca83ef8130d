// The XS parity bundles (host/xs/bundle.ts) are made as the device image is: the same rollup
// plugins, warning policy and output settings from rollup.config.mjs's xsBundleConfig, and a
// tsconfig that adds files to the firmware's and changes none of its settings. If either side
// is given a transform of its own (esbuild again, a plugin more, another target), a check here
// fails. Also the key that build/xs/ keeps bundles under: it must change with any input.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OutputOptions, Plugin, RollupOptions } from 'rollup';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { inputsKey, XS_TSCONFIG, xsRollupOptions } from '../host/xs/bundle';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type ConfigModule = { configFor(board: string | undefined): RollupOptions; failUnresolved: unknown };
const configModule = async (): Promise<ConfigModule> => (await import(/* @vite-ignore */ pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)) as ConfigModule;

const pluginNames = (o: RollupOptions): string[] => (o.plugins as Plugin[]).map((p) => p.name);
const outputSettings = (o: RollupOptions): OutputOptions => {
  const { file: _file, format: _format, ...rest } = o.output as OutputOptions;
  return rest;
};

/** The compiler options a tsconfig resolves to, less where it was read from. */
function compilerOptions(path: string): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(path, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(String(d.messageText)) });
  if (parsed === undefined) expect.fail(`${path} did not parse`);
  expect(parsed.errors).toEqual([]);
  const { configFilePath: _path, ...options } = parsed.options;
  return options;
}

describe('the XS parity bundle and the device image: one transform', () => {
  it.each(['scenarios', 'board', 'steady'] as const)('%s: the same plugins, warning policy and output settings as the device build', async (entry) => {
    const config = await configModule();
    const device = config.configFor(undefined);
    const xs = await xsRollupOptions(entry);
    // The device build puts the pin map for its one board in front; the rest is the same list.
    expect(pluginNames(device)).toEqual(['board-pinmap', 'typescript', 'json', 'node-resolve']);
    expect(pluginNames(xs)).toEqual(pluginNames(device).slice(1));
    expect(xs.onwarn).toBe(config.failUnresolved);
    expect(device.onwarn).toBe(config.failUnresolved);
    expect(outputSettings(xs)).toEqual(outputSettings(device));
    expect((xs.output as OutputOptions).format).toBe('iife');
  });

  it("tsconfig.xs.json adds files to the firmware's program and changes none of its settings", async () => {
    const xs = JSON.parse(await readFile(XS_TSCONFIG, 'utf8')) as Record<string, unknown>;
    expect(xs['extends']).toBe('./tsconfig.firmware.json');
    expect(Object.keys(xs).sort()).toEqual(['//', 'extends', 'files']);
    expect(compilerOptions(XS_TSCONFIG)).toEqual(compilerOptions(join(ROOT, 'tsconfig.firmware.json')));
  });
});

describe('the key a built XS bundle is kept under (build/xs/)', () => {
  let root = '';
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('changes with any file the bundle can depend on, and only with those', async () => {
    root = await mkdtemp(join(tmpdir(), 'xs-key-'));
    for (const f of ['rollup.config.mjs', 'tsconfig.xs.json', 'tsconfig.firmware.json', 'tsconfig.base.json', 'package-lock.json']) await writeFile(join(root, f), f);
    for (const d of ['firmware/core', 'host/sim', 'host/xs', 'hardware', 'docs']) await mkdir(join(root, d), { recursive: true });
    await writeFile(join(root, 'firmware/core/pump.ts'), 'export const a = 1;');
    const first = await inputsKey('scenarios', root);
    expect(await inputsKey('scenarios', root)).toBe(first);
    expect(await inputsKey('board', root)).not.toBe(first);

    // Outside the inputs: the same bundle.
    await writeFile(join(root, 'docs/notes.md'), 'words');
    expect(await inputsKey('scenarios', root)).toBe(first);

    const keys = new Set([first]);
    const changes: [string, string][] = [
      ['firmware/core/pump.ts', 'export const a = 2;'],
      ['host/sim/rig.ts', 'export const b = 1;'],
      ['hardware/pinmap.json', '{}'],
      ['host/xs/xs-globals.d.mts', 'export {};'],
      ['package-lock.json', 'rollup 4.66'],
      ['tsconfig.base.json', 'target ES2023'],
    ];
    for (const [file, text] of changes) {
      await writeFile(join(root, file), text);
      keys.add(await inputsKey('scenarios', root));
    }
    expect(keys.size).toBe(changes.length + 1);
  });
});
