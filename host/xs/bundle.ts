// Bundles host/xs/entry.ts (the virtual rig, the firmware and the shared scenarios), or
// host/xs/board-entry.ts (the virtual board's firmware side, for `--engine xs`), into one
// plain script for the XS engine of @agoric/xsnap's worker, which evaluates scripts (`e`) and
// has no module loader. esbuild inlines every import, JSON included; anything that does not
// resolve to a file in the repo (a Node built-in, say) fails the bundle, since XS has neither.

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRIES = {
  /** The shared parity scenarios (host/xs/entry.ts). */
  scenarios: fileURLToPath(new URL('./entry.ts', import.meta.url)),
  /** The virtual board's firmware side (host/xs/board-entry.ts, `--engine xs`). */
  board: fileURLToPath(new URL('./board-entry.ts', import.meta.url)),
} as const;

/** The bundle's source: an IIFE that defines the global `handleCommand`. */
export async function bundleForXs(entry: keyof typeof ENTRIES = 'scenarios'): Promise<string> {
  const result = await build({
    entryPoints: [ENTRIES[entry]],
    bundle: true,
    write: false,
    format: 'iife',
    // No Node, no browser: only what ECMAScript itself has. Pure-JS packages resolve through
    // their ES module entry points.
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    // XS implements ES2022 and beyond: no down-levelling.
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild produced no output for the XS bundle');
  return out.text;
}
