// Bundles host/xs/entry.ts (the virtual rig, the firmware and the shared scenarios), or
// host/xs/board-entry.ts (the virtual board's firmware side, for `--engine xs`), or the
// steady-state heap probe host/xs/steady.ts, into one
// plain script for the XS engine of @agoric/xsnap's worker, which evaluates scripts (`e`) and
// has no module loader. esbuild inlines every import, JSON included; anything that does not
// resolve to a file in the repo (a Node built-in, say) fails the bundle, since XS has neither.

import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ENTRIES = {
  /** The shared parity scenarios (host/xs/entry.ts). */
  scenarios: fileURLToPath(new URL('./entry.ts', import.meta.url)),
  /** The virtual board's firmware side (host/xs/board-entry.ts, `--engine xs`). */
  board: fileURLToPath(new URL('./board-entry.ts', import.meta.url)),
  /** The steady-state heap probe (host/xs/steady.ts, host-tests/xs-heap.test.ts). */
  steady: fileURLToPath(new URL('./steady.ts', import.meta.url)),
} as const;

/**
 * esbuild settings for code XS runs (here, and the SDK's Linux targets in host/lin/build.ts):
 * no Node, no browser, only what ECMAScript itself has; pure-JS packages resolve through their
 * ES module entry points; XS implements ES2022 and beyond, so no down-levelling.
 */
export const XS_ESBUILD: BuildOptions = {
  bundle: true,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  target: 'es2022',
  charset: 'utf8',
  legalComments: 'none',
};

/** The bundle's source: an IIFE that defines the global `handleCommand`. */
export async function bundleForXs(entry: keyof typeof ENTRIES = 'scenarios'): Promise<string> {
  const result = await build({ ...XS_ESBUILD, entryPoints: [ENTRIES[entry]], write: false, format: 'iife', logLevel: 'silent' });
  const out = result.outputFiles?.[0];
  if (out === undefined) throw new Error('esbuild produced no output for the XS bundle');
  return out.text;
}
