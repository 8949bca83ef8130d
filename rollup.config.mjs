// `npm run build`: firmware/app/main.ts and everything it imports into one ES module,
// build/firmware/main.js, which manifest.json hands to mcconfig. Modules the device provides
// (ECMA-419 `embedded:*` and Moddable's own) stay imports; anything else that does not resolve
// to a file in the repo fails the build, since XS has no Node built-ins and no npm packages.

import { fileURLToPath } from 'node:url';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

// Paths from this file, not the working directory, so host-tests/build.test.ts can use the
// config as it is.
const root = fileURLToPath(new URL('.', import.meta.url));

/** Moddable SDK modules the firmware may import; each must also be in the image (manifest.json). */
export const MODDABLE_BUILTINS = ['timer', 'time', 'preference', 'instrumentation', 'flash', 'mc/config'];

export function isDeviceModule(id) {
  return id.startsWith('embedded:') || MODDABLE_BUILTINS.includes(id);
}

/** @type {import('rollup').RollupOptions} */
export default {
  input: `${root}firmware/app/main.ts`,
  external: isDeviceModule,
  plugins: [
    // Type errors fail the build (tsconfig.firmware.json: strict, ES2022, no Node or DOM types).
    typescript({ tsconfig: `${root}tsconfig.firmware.json`, filterRoot: root, noEmitOnError: true }),
    json({ preferConst: true }),
    // Pure-JS packages the firmware uses (@noble/hashes for HMAC-SHA256) are bundled in; only
    // the ES module entry points, never a Node one.
    nodeResolve({ browser: false, exportConditions: ['import', 'default'], preferBuiltins: false }),
  ],
  onwarn(warning, warn) {
    // Rollup would only warn and keep the import (for example `node:fs`): fail instead.
    if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(`not available on XS: ${warning.message}`);
    warn(warning);
  },
  output: {
    file: `${root}build/firmware/main.js`,
    format: 'es',
    // No helpers for older engines: XS implements ES2022 and beyond.
    generatedCode: 'es2015',
    sourcemap: false,
  },
};
