// Bundles host/xs/entry.ts (the virtual rig, the firmware and the shared scenarios), or
// host/xs/board-entry.ts (the virtual board's firmware side, for `--engine xs`), or the
// steady-state heap probe host/xs/steady.ts, into one plain script for the XS engine of
// @agoric/xsnap's worker, which evaluates scripts (`e`) and has no module loader.
//
// The bundle is made as the device image is: rollup.config.mjs's xsBundleConfig, the same
// TypeScript transform (type errors fail it), JSON and module resolution, with
// tsconfig.xs.json (the firmware's settings plus these entries). Only the entry and the output
// differ: an IIFE in memory instead of an ES module on disk, and nothing stays an import,
// since xsnap has no Node built-ins, no npm packages and no Moddable modules; an import that
// does not resolve to a file in the repo fails the bundle.
//
// A build type-checks the whole program: 5 to 10 s of CPU per entry where esbuild took a tenth of a second. Each
// test file, the bench and every board started with `--engine xs` is its own process, so a
// built bundle is kept in build/xs/, named by a hash of everything it can depend on (see
// inputsKey), and used again while none of that has changed.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OutputOptions, RollupOptions } from 'rollup';
import { rollup } from 'rollup';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ENTRIES = {
  /** The shared parity scenarios (host/xs/entry.ts). */
  scenarios: 'host/xs/entry.ts',
  /** The virtual board's firmware side (host/xs/board-entry.ts, `--engine xs`). */
  board: 'host/xs/board-entry.ts',
  /** The steady-state heap probe (host/xs/steady.ts, host-tests/xs-heap.test.ts). */
  steady: 'host/xs/steady.ts',
} as const;

export type XsEntry = keyof typeof ENTRIES;

/** What this file and host/lin/build.ts use of rollup.config.mjs (plain JS, typed here). */
export interface XsBundleConfigModule {
  xsBundleConfig(bundle: { input: string; tsconfig: string; external?: (id: string) => boolean; output: OutputOptions }): RollupOptions;
}

/** The TypeScript program for code XS runs on the host: tsconfig.firmware.json plus the entries. */
export const XS_TSCONFIG = join(ROOT, 'tsconfig.xs.json');

/** rollup.config.mjs, imported by URL: it is plain JS outside the host tsconfig. */
export async function xsBundleConfigModule(): Promise<XsBundleConfigModule> {
  return (await import(/* @vite-ignore */ pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)) as XsBundleConfigModule;
}

/** The rollup options of one XS parity bundle: the device's, but this entry and an IIFE. */
export async function xsRollupOptions(entry: XsEntry): Promise<RollupOptions> {
  const { xsBundleConfig } = await xsBundleConfigModule();
  return xsBundleConfig({ input: join(ROOT, ENTRIES[entry]), tsconfig: XS_TSCONFIG, output: { format: 'iife' } });
}

/** Where built bundles are kept (build/ is not in git). */
export const XS_BUNDLE_CACHE = join(ROOT, 'build/xs');

/**
 * Every file a bundle's text or its type check can depend on, conservatively: all of
 * firmware/, host/ and hardware/ (the TypeScript program reaches into them), the build
 * settings, and package-lock.json for the versions of rollup, its plugins, TypeScript and the
 * bundled packages. A change to any of them builds afresh; a stale bundle is never used.
 */
const INPUT_DIRS = ['firmware', 'host', 'hardware'];
const INPUT_FILES = ['rollup.config.mjs', 'tsconfig.xs.json', 'tsconfig.firmware.json', 'tsconfig.base.json', 'package-lock.json'];

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

/** A hash of the entry's name and the path and contents of every input (sorted, so stable). */
export async function inputsKey(entry: XsEntry, root = ROOT): Promise<string> {
  const files = INPUT_FILES.map((f) => join(root, f));
  for (const dir of INPUT_DIRS) files.push(...(await filesUnder(join(root, dir))));
  const hash = createHash('sha256').update(`${entry}\0`);
  for (const file of files.sort()) {
    // A file removed while the tree is read (an editor's swap file, say) counts as missing.
    const bytes = await readFile(file).catch(() => Buffer.from('\0missing'));
    hash
      .update(`${relative(root, file)}\0`)
      .update(bytes)
      .update('\0');
  }
  return hash.digest('hex').slice(0, 24);
}

async function build(entry: XsEntry): Promise<string> {
  const options = await xsRollupOptions(entry);
  const failUnresolved = options.onwarn!;
  // The shared policy still fails an unresolved import; other warnings (circular imports, say)
  // are the device build's to report, not printed into a test's or the board's output.
  const bundle = await rollup({ ...options, onwarn: (warning) => failUnresolved(warning, () => {}) });
  try {
    const { output } = await bundle.generate(options.output as OutputOptions);
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

/** The kept bundle for these inputs, or a fresh build kept for the next process. */
async function cachedBuild(entry: XsEntry): Promise<string> {
  const key = await inputsKey(entry);
  const file = join(XS_BUNDLE_CACHE, `${entry}-${key}.js`);
  try {
    return await readFile(file, 'utf8');
  } catch {
    // Not built for these inputs yet.
  }
  const source = await build(entry);
  await mkdir(XS_BUNDLE_CACHE, { recursive: true });
  // Written whole, then renamed: a process reading at the same time sees all of it or nothing.
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, source);
  await rename(partial, file);
  // Older builds of this entry are of inputs that have changed since.
  for (const name of await readdir(XS_BUNDLE_CACHE)) {
    if (name.startsWith(`${entry}-`) && name.endsWith('.js') && name !== `${entry}-${key}.js`) await rm(join(XS_BUNDLE_CACHE, name), { force: true });
  }
  return source;
}

const built = new Map<XsEntry, Promise<string>>();

/** The bundle's source: an IIFE that defines the global `handleCommand`, built once per inputs. */
export function bundleForXs(entry: XsEntry = 'scenarios'): Promise<string> {
  let source = built.get(entry);
  if (source === undefined) {
    source = cachedBuild(entry);
    // A failed build is not kept: the next caller sees the error again, not a stale promise.
    source.catch(() => built.delete(entry));
    built.set(entry, source);
  }
  return source;
}
