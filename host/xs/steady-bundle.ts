// Bundles host/xs/steady.ts (the steady-state heap probe) into one plain script for the XS
// worker, the way bundle.ts bundles the parity scenarios: esbuild, no Node, ES2022.

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function bundleSteadyProbe(): Promise<string> {
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(new URL('./steady.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    target: 'es2022',
    logLevel: 'silent',
  });
  if (outputFiles[0] === undefined) throw new Error('esbuild produced no output for the steady-state probe');
  return outputFiles[0].text;
}
