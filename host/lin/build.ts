// `npx tsx host/lin/build.ts`: the firmware on the virtual rig, headless on Linux under the
// Moddable SDK. Bundles host/lin/main.ts (firmware + virtual rig, no Node) with rollup, as the
// device image is (rollup.config.mjs), into build/lin/main.js, then, with MODDABLE set and the
// SDK's tools built, runs `mcconfig -m -p x-cli-lin` (manifest.json swaps that bundle in for
// the device's) and starts the program it links. `--bundle-only` stops after the bundle.
// `--entry digest-check` builds host/lin/digest-check.ts instead (the native digest on the
// published vectors), into its own
// output folder (build/mc-digest-check) so the two builds do not overwrite each other;
// `--entry bench-device` the program `npm run bench:device` counts (host/bench/device.ts
// builds it through `buildLinProgram` and runs it under callgrind; arguments after `--`
// are passed to the program); `--entry entropy-check` the native entropy module's check
// (firmware/native/entropy, its getrandom variant). Missing tools end with the device
// build's numbered E7xx messages (host/errors/device.ts).

import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputOptions } from 'rollup';
import { rollup } from 'rollup';
import { ROOT } from '../device/cli';
import { checkToolchain } from '../device/toolchain';
import { XS_TSCONFIG, xsBundleConfigModule } from '../xs/bundle';
import { EXIT } from '../errors';
import { DEVICE_ERRORS, formatDeviceProblem } from '../errors/device';

const OUT = join(ROOT, 'build/lin/main.js');
/** The entries this script builds; each is a module with no imports but the native ones below. */
export const LIN_ENTRIES = ['main', 'digest-check', 'bench-device', 'entropy-check'] as const;
export type LinEntry = (typeof LIN_ENTRIES)[number];
/** Native modules the bundle keeps as imports (manifest.json puts them in the Linux images). */
const SDK_MODULES = ['crypt', 'hmac', 'crc', 'entropy-native'];

/** build/lin/main.js: one ES module (Moddable loads it as the app's "main"). */
export async function bundleLin(entry: LinEntry = 'main'): Promise<string> {
  // As the XS parity bundle (host/xs/bundle.ts), but an ES module written to disk.
  const { xsBundleConfig } = await xsBundleConfigModule();
  const input = fileURLToPath(new URL(`./${entry}.ts`, import.meta.url));
  const options = xsBundleConfig({ input, tsconfig: XS_TSCONFIG, external: (id) => SDK_MODULES.includes(id), output: { file: OUT, format: 'es' } });
  const bundle = await rollup(options);
  try {
    await bundle.write(options.output as OutputOptions);
  } finally {
    await bundle.close();
  }
  return OUT;
}

/** The --entry option, or the default. */
function entryArg(argv: readonly string[]): LinEntry {
  const i = argv.indexOf('--entry');
  const name = i >= 0 ? argv[i + 1] : 'main';
  if (!(LIN_ENTRIES as readonly string[]).includes(name ?? '')) throw new Error(`--entry must be one of ${LIN_ENTRIES.join(', ')}`);
  return name as LinEntry;
}

function run(argv: readonly string[], env: Record<string, string>): number {
  process.stdout.write(`$ ${argv.join(' ')}\n`);
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: 'inherit' });
  return r.error !== undefined ? 127 : (r.status ?? 128);
}

/** A built x-cli-lin program, or the numbered problem that stopped the build (printed already). */
export type LinProgram = { readonly ok: true; readonly path: string; readonly env: Record<string, string> } | { readonly ok: false; readonly exit: number };

/** Bundles `entry` and links it with mcconfig into build/mc[-entry]; the program is not run. */
export async function buildLinProgram(entry: LinEntry): Promise<LinProgram> {
  const out = await bundleLin(entry);
  process.stdout.write(`${out}: ${statSync(out).size} bytes\n`);
  const tools = checkToolchain(process.env, false);
  if (tools.problems.length > 0) {
    for (const p of tools.problems) process.stderr.write(`${formatDeviceProblem(p)}\n`);
    return { ok: false, exit: EXIT[DEVICE_ERRORS[tools.problems[0]!.name].exit] };
  }
  const mcDir = join(ROOT, entry === 'main' ? 'build/mc' : `build/mc-${entry}`);
  mkdirSync(mcDir, { recursive: true });
  const made = run(['mcconfig', '-m', '-p', 'x-cli-lin', '-o', mcDir, 'manifest.json'], tools.env);
  if (made !== 0) {
    process.stderr.write(`${formatDeviceProblem({ name: 'SDK_STAGE_FAILED', detail: `mcconfig exited with ${made}` })}\n`);
    return { ok: false, exit: EXIT[DEVICE_ERRORS.SDK_STAGE_FAILED.exit] };
  }
  // mcconfig names the program after the manifest's folder.
  return { ok: true, path: join(mcDir, 'bin/lin/release', basename(ROOT)), env: tools.env };
}

async function main(): Promise<number> {
  const entry = entryArg(process.argv);
  if (process.argv.includes('--bundle-only')) {
    const out = await bundleLin(entry);
    process.stdout.write(`${out}: ${statSync(out).size} bytes\n`);
    return 0;
  }
  const program = await buildLinProgram(entry);
  if (!program.ok) return program.exit;
  const dashes = process.argv.indexOf('--');
  return run([program.path, ...(dashes >= 0 ? process.argv.slice(dashes + 1) : [])], program.env);
}

// Run as a script only: host/bench/device.ts imports buildLinProgram.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
