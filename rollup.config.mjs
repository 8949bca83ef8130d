// `npm run build`: firmware/app/main.ts and everything it imports into one ES module,
// build/firmware/main.js, which manifest.json hands to mcconfig. Modules the device provides
// (ECMA-419 `embedded:*` and Moddable's own) stay imports; anything else that does not resolve
// to a file in the repo fails the build, since XS has no Node built-ins and no npm packages.
//
// The pin map: hardware/pinmap.json holds every board with a paragraph of reasons per pin. The
// device needs one board's numbers, so the bundle gets only the board chosen at build time
// (PUMP_BOARD: a board name from pinmap.json or its mcconfig target such as esp32/esp32s3;
// default: the file's "default"), stripped to what firmware/app/board.ts reads. Tests and the
// virtual rig import the whole file and read its default, as before.
//
// The other code XS runs is bundled by the same plugins with the same settings (xsBundleConfig
// below): the XS parity bundles (host/xs/bundle.ts) and the SDK's Linux programs
// (host/lin/build.ts), so XS on the host runs what the board runs. They differ in the entry,
// the tsconfig's file list (tsconfig.xs.json), what stays an import and the output.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

// Paths from this file, not the working directory, so host-tests/build.test.ts can use the
// config as it is.
const root = fileURLToPath(new URL('.', import.meta.url));

/** Moddable SDK modules the firmware may import; each must also be in the image (manifest.json). */
export const MODDABLE_BUILTINS = ['timer', 'time', 'preference', 'instrumentation', 'flash', 'mc/config', 'crypt', 'hmac', 'crc', 'entropy-native'];

export function isDeviceModule(id) {
  return id.startsWith('embedded:') || MODDABLE_BUILTINS.includes(id);
}

const PINMAP = `${root}hardware/pinmap.json`;
/** What board.ts reads of a pin; the rest ("why") is for people and stays out of the image. */
const PIN_FIELDS = ['gpio', 'activeLow', 'fitted', 'divider'];

/**
 * The board a name selects: a key of pinmap.json's `boards` or a board's `mcconfig` target.
 * Undefined when nothing matches (host/device/build.ts reports that as E707 before bundling).
 */
export function selectBoard(pinmap, wanted) {
  const name = wanted === undefined || wanted === '' ? pinmap.default : wanted;
  if (pinmap.boards[name] !== undefined) return name;
  return Object.keys(pinmap.boards).find((key) => pinmap.boards[key].mcconfig === name);
}

/** pinmap.json as the device sees it: one board, named as the default, numbers only. */
export function pinmapForBoard(pinmap, board) {
  const pins = {};
  for (const [signal, pin] of Object.entries(pinmap.boards[board].pins)) {
    pins[signal] = Object.fromEntries(PIN_FIELDS.filter((f) => f in pin).map((f) => [f, pin[f]]));
  }
  return { default: board, boards: { [board]: { pins } } };
}

/** Serves hardware/pinmap.json cut down to one board; @rollup/plugin-json then parses it. */
export function boardPinmap(wanted) {
  return {
    name: 'board-pinmap',
    load(id) {
      if (id !== PINMAP) return null;
      const pinmap = JSON.parse(readFileSync(PINMAP, 'utf8'));
      const board = selectBoard(pinmap, wanted);
      if (board === undefined) {
        this.error(`hardware/pinmap.json has no board or mcconfig target "${wanted}" (boards: ${Object.keys(pinmap.boards).join(', ')})`);
      }
      return JSON.stringify(pinmapForBoard(pinmap, board));
    },
  };
}

/** The bundle for one board (`wanted` as in selectBoard). */
export function configFor(wanted) {
  return {
    ...config,
    plugins: [boardPinmap(wanted), ...config.plugins],
  };
}

/**
 * The TypeScript transform for everything XS runs: type errors fail the build (strict, ES2022,
 * no Node or DOM types; the tsconfig passed in must extend tsconfig.firmware.json and add files
 * only, host-tests/bundle-config.test.ts checks it).
 */
export const TYPESCRIPT_OPTIONS = Object.freeze({ filterRoot: root, noEmitOnError: true });
export const JSON_OPTIONS = Object.freeze({ preferConst: true });
/**
 * Pure-JS packages the firmware uses (@noble/hashes for HMAC-SHA256) are bundled in; only the
 * ES module entry points, never a Node one.
 */
export const RESOLVE_OPTIONS = Object.freeze({ browser: false, exportConditions: ['import', 'default'], preferBuiltins: false });
/** No helpers for older engines: XS implements ES2022 and beyond. */
export const XS_OUTPUT = Object.freeze({ generatedCode: 'es2015', sourcemap: false });

/** Rollup would only warn and keep an unresolved import (for example `node:fs`): fail instead. */
export function failUnresolved(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(`not available on XS: ${warning.message}`);
  warn(warning);
}

/**
 * A bundle of code XS runs: the device image below, and the XS parity bundles and the Linux
 * target's program (host/xs/bundle.ts, host/lin/build.ts), so that XS on the host runs what
 * the board runs. Only the entry, the file list (`tsconfig`), what stays an import and the
 * output's file and format differ between them.
 * @param {{ input: string, tsconfig: string, external?: (id: string) => boolean, output: import('rollup').OutputOptions }} bundle
 * @returns {import('rollup').RollupOptions}
 */
export function xsBundleConfig({ input, tsconfig, external = () => false, output }) {
  return {
    input,
    external,
    plugins: [typescript({ ...TYPESCRIPT_OPTIONS, tsconfig }), json(JSON_OPTIONS), nodeResolve(RESOLVE_OPTIONS)],
    onwarn: failUnresolved,
    output: { ...XS_OUTPUT, ...output },
  };
}

/** @type {import('rollup').RollupOptions} */
const config = xsBundleConfig({
  input: `${root}firmware/app/main.ts`,
  tsconfig: `${root}tsconfig.firmware.json`,
  external: isDeviceModule,
  output: { file: `${root}build/firmware/main.js`, format: 'es' },
});

export default configFor(process.env.PUMP_BOARD);
