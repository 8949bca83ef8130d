// `npm run build:esp32` and `npm run flash`: checks the build machine first (toolchain.ts),
// bundles the firmware for the chosen board (rollup.config.mjs, the pin map cut to that board),
// then hands build/firmware/main.js and manifest.json to the Moddable SDK's mcconfig.
//   build:esp32            mcconfig -m -t build: TypeScript (rollup), xsc, xsl, then ESP-IDF.
//   build:esp32 --xs-only  the stages before ESP-IDF only (TypeScript, xsc, xsl), for machines
//                          without ESP-IDF: mcconfig writes its makefile, make builds mc.xs.c.
//   flash                  mcconfig -m: builds, flashes the board on --port, and for --debug
//                          builds starts serial2xsbug (the console in xsbug).
//   flash --image DIR      flashes an already built image with esptool-js (flash-cli.ts,
//                          docs/flashing.md): no SDK, no ESP-IDF.
// Anything missing ends with a numbered E7xx message (host/errors/device.ts) and its own exit code, never a
// stack trace.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import { parseArgs as nodeParseArgs } from 'node:util';
import type { RollupOptions } from 'rollup';
import { rollup } from 'rollup';
import { runFlashImage } from './flash-cli';
import type { Env } from './toolchain';
import { checkToolchain } from './toolchain';
import { EXIT } from '../errors';
import type { DeviceProblem } from '../errors/device';
import { DEVICE_ERRORS, formatDeviceProblem } from '../errors/device';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type DeviceCommand = 'build' | 'flash';

export interface DeviceOptions {
  readonly board: string | undefined;
  readonly port: string | undefined;
  readonly debug: boolean;
  readonly xsOnly: boolean;
  /** flash --image DIR: flash an already built image with esptool-js, no SDK or ESP-IDF. */
  readonly image?: string | undefined;
  /** flash --image: the baud rate to switch to after connecting (default 921600). */
  readonly baud?: number | undefined;
  /** flash --image: the board is already in its downloader (BOOT held), do not pulse DTR/RTS. */
  readonly noReset?: boolean;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) };

/** The options, or the problem with them (node:util parseArgs; its errors become E708). */
export function parseArgs(command: DeviceCommand, argv: readonly string[]): DeviceOptions | DeviceProblem {
  const name = command === 'build' ? 'build:esp32' : 'flash';
  const options = {
    board: { type: 'string' },
    port: { type: 'string' },
    debug: { type: 'boolean' },
    ...(command === 'build' ? { 'xs-only': { type: 'boolean' } } : { image: { type: 'string' }, baud: { type: 'string' }, 'no-reset': { type: 'boolean' } }),
  } satisfies ParseArgsConfig['options'] as ParseArgsConfig['options'];
  let values: Record<string, string | boolean | undefined>;
  try {
    values = nodeParseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    // ERR_PARSE_ARGS_UNKNOWN_OPTION, _INVALID_OPTION_VALUE (missing value, or --debug=x), _UNEXPECTED_POSITIONAL.
    const code = (e as { code?: string }).code;
    const bad = argv.find((a) => !a.startsWith('--') || !(a.slice(2).split('=')[0]! in options!)) ?? '';
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = argv.find((a) => /^--(board|port|image|baud)$/.test(a) || /^--(debug|xs-only|no-reset)=/.test(a)) ?? '';
      return { name: 'ARGUMENT', detail: flag.includes('=') ? `${flag} is not an option of ${name}` : `${flag} needs a value` };
    }
    return { name: 'ARGUMENT', detail: `${bad || argv.join(' ')} is not an option of ${name}` };
  }
  for (const flag of ['board', 'port', 'image', 'baud'] as const) {
    if (values[flag] === '') return { name: 'ARGUMENT', detail: `--${flag} needs a value` };
  }
  const baud = values['baud'] === undefined ? undefined : Number(values['baud']);
  if (baud !== undefined && !(Number.isInteger(baud) && baud >= 9600 && baud <= 5_000_000)) {
    return { name: 'ARGUMENT', detail: `--baud ${String(values['baud'])} is not a baud rate (9600-5000000)` };
  }
  return {
    board: values['board'] as string | undefined,
    port: values['port'] as string | undefined,
    debug: values['debug'] === true,
    xsOnly: values['xs-only'] === true,
    image: values['image'] as string | undefined,
    baud,
    noReset: values['no-reset'] === true,
  };
}

interface PinMapFile {
  readonly default: string;
  readonly boards: Readonly<Record<string, { readonly mcconfig: string }>>;
}

interface RollupConfigModule {
  selectBoard(pinmap: PinMapFile, wanted: string | undefined): string | undefined;
  configFor(wanted: string | undefined): RollupOptions & { output: { file: string } };
}

async function rollupConfig(): Promise<RollupConfigModule> {
  // Plain JS outside the host tsconfig: imported by URL and typed here, as the build test does.
  return (await import(/* @vite-ignore */ pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)) as RollupConfigModule;
}

/** The board's pinmap.json key and mcconfig platform, or the problem. */
export async function resolveBoard(wanted: string | undefined): Promise<{ board: string; platform: string } | DeviceProblem> {
  const pinmap = JSON.parse(readFileSync(join(ROOT, 'hardware/pinmap.json'), 'utf8')) as PinMapFile;
  const board = (await rollupConfig()).selectBoard(pinmap, wanted);
  if (board === undefined) return { name: 'BOARD_UNKNOWN', detail: `--board ${wanted}; boards: ${Object.keys(pinmap.boards).join(', ')}` };
  return { board, platform: pinmap.boards[board]!.mcconfig };
}

/** Where mcconfig -o build/mc puts the makefile and mc.xs.c (its tmp/<platform>/<build>/<NAME>). */
export function mcconfigTmpDir(platform: string, debug: boolean): string {
  // mcconfig names the app after the manifest's folder.
  return join(ROOT, 'build/mc/tmp', ...platform.split('/'), debug ? 'debug' : 'release', basename(ROOT));
}

function fail(io: Io, problems: readonly DeviceProblem[]): number {
  for (const p of problems) io.err(formatDeviceProblem(p));
  return EXIT[DEVICE_ERRORS[problems[0]!.name].exit];
}

function run(io: Io, env: Record<string, string>, argv: readonly string[]): number {
  io.out(`$ ${argv.join(' ')}`);
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: 'inherit' });
  return r.error !== undefined ? 127 : (r.status ?? 128);
}

/** The whole command; returns the process exit code. */
export async function runDevice(command: DeviceCommand, argv: readonly string[], env: Env = process.env, io: Io = stdio): Promise<number> {
  const options = parseArgs(command, argv);
  if ('name' in options) return fail(io, [options]);
  if (command === 'flash' && options.image !== undefined) {
    // A built image: esptool-js from Node, no SDK and no ESP-IDF needed (flash-cli.ts).
    const tty = process.stdout.isTTY && io === stdio ? (t: string): void => void process.stdout.write(t) : undefined;
    return runFlashImage({ image: options.image, port: options.port, baud: options.baud, noReset: options.noReset }, { ...io, tty });
  }
  const target = await resolveBoard(options.board);
  if ('name' in target) return fail(io, [target]);
  const tools = checkToolchain(env, !options.xsOnly);
  if (tools.problems.length > 0) return fail(io, tools.problems);

  // TypeScript: rollup type-checks (tsconfig.firmware.json) and bundles for this board.
  const { configFor } = await rollupConfig();
  const config = configFor(target.board);
  io.out(`bundling firmware/app/main.ts for ${target.board} (${target.platform})`);
  try {
    const bundle = await rollup(config);
    try {
      await bundle.write(config.output);
    } finally {
      await bundle.close();
    }
  } catch (e) {
    return fail(io, [{ name: 'BUNDLE_FAILED', detail: e instanceof Error ? e.message : String(e) }]);
  }
  io.out(`${config.output.file}: ${statSync(config.output.file).size} bytes`);

  mkdirSync(join(ROOT, 'build/mc'), { recursive: true });
  const mc = ['mcconfig', ...(options.debug ? ['-d'] : []), '-p', target.platform, '-o', join(ROOT, 'build/mc')];
  const childEnv = { ...tools.env, ...(options.port !== undefined && { UPLOAD_PORT: options.port }) };
  const stage = (status: number, what: string): number => (status === 0 ? 0 : fail(io, [{ name: 'SDK_STAGE_FAILED', detail: `${what} exited with ${status}` }]));

  if (options.xsOnly) {
    // mcconfig without -m only writes the makefile; make then runs xsc on every module and xsl
    // on them all. mc.xs.c is the last file before ESP-IDF: its makefile needs IDF_PATH and
    // IDF_VERSION to parse and sdkconfig.h (an ESP-IDF output) as a prerequisite, so those three
    // are given on the command line; nothing of ESP-IDF runs.
    const status = run(io, childEnv, [...mc, 'manifest.json']);
    if (status !== 0) return stage(status, 'mcconfig');
    const tmp = mcconfigTmpDir(target.platform, options.debug);
    const xs = join(tmp, 'mc.xs.c');
    // The makefile still runs `cd $IDF_PATH` while it parses: without ESP-IDF, an empty folder.
    const idf = env['IDF_PATH'] || join(ROOT, 'build/mc/no-idf');
    mkdirSync(idf, { recursive: true });
    const makeStatus = run(io, childEnv, ['make', '-f', join(tmp, 'makefile'), `IDF_PATH=${idf}`, 'IDF_VERSION=none', 'SDKCONFIG_H=', xs]);
    if (makeStatus !== 0) return stage(makeStatus, 'make (xsc, xsl)');
    io.out(existsSync(xs) ? `xsc and xsl done: ${xs} (${statSync(xs).size} bytes). ESP-IDF was not run.` : `make finished but ${xs} is missing`);
    return existsSync(xs) ? 0 : stage(1, 'xsl');
  }
  const status = run(io, childEnv, [...mc, '-m', ...(command === 'build' ? ['-t', 'build'] : []), 'manifest.json']);
  return stage(status, 'mcconfig');
}

/** Entry for host/device/build.ts and flash.ts: exits with the code, prints no stack trace. */
export function main(command: DeviceCommand): void {
  runDevice(command, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
