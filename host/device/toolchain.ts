// What the device build needs on the build machine, checked before anything runs: the Moddable
// SDK (MODDABLE, with its tools built) for the TypeScript, xsc and xsl stages, and ESP-IDF
// (IDF_PATH) for compiling, linking and flashing. A pure function of the environment and the
// file system, so tests can hand it a stripped environment.

import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { DeviceProblem } from '../errors/device';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where the SDK's makefiles put the host tools (build/makefiles/lin, mac). */
export function sdkBinDir(moddable: string, platform: NodeJS.Platform = process.platform): string {
  return join(moddable, 'build/bin', platform === 'darwin' ? 'mac' : 'lin', 'release');
}

/** The first `name` on PATH, or undefined. */
export function onPath(name: string, env: Env, exists: (p: string) => boolean = existsSync): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && exists(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface Toolchain {
  readonly problems: DeviceProblem[];
  /** The environment for mcconfig and make: the SDK's bin folder on PATH when it was not. */
  readonly env: Record<string, string>;
}

/**
 * Checks MODDABLE and its tools, and ESP-IDF unless `needIdf` is false (the `--xs-only`
 * check stops before ESP-IDF). Every problem is listed, not just the first, so one run says
 * everything that is missing.
 */
export function checkToolchain(env: Env, needIdf: boolean, exists: (p: string) => boolean = existsSync): Toolchain {
  const problems: DeviceProblem[] = [];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;

  const moddable = env['MODDABLE'];
  if (moddable === undefined || moddable === '') {
    problems.push({ name: 'MODDABLE_UNSET', detail: 'MODDABLE is empty or unset' });
  } else if (!isAbsolute(moddable) || !exists(join(moddable, 'tools/mcconfig.js'))) {
    // The SDK's makefiles refuse a relative MODDABLE too.
    problems.push({ name: 'MODDABLE_INVALID', detail: `MODDABLE=${moddable}` });
  } else if (onPath('mcconfig', env, exists) === undefined) {
    const bin = sdkBinDir(moddable);
    // Built but not on PATH: use it (make calls xsc and xsl by name, so the folder goes on PATH).
    if (exists(join(bin, 'mcconfig')) && exists(join(bin, 'xsc')) && exists(join(bin, 'xsl'))) out['PATH'] = `${bin}${delimiter}${env['PATH'] ?? ''}`;
    else problems.push({ name: 'MCCONFIG_MISSING', detail: `no mcconfig on PATH nor in ${bin}` });
  }

  if (needIdf) {
    const idf = env['IDF_PATH'];
    if (idf === undefined || idf === '') problems.push({ name: 'IDF_PATH_UNSET', detail: 'IDF_PATH is empty or unset' });
    else if (!exists(join(idf, 'export.sh')) || !exists(join(idf, 'tools/idf.py'))) {
      problems.push({ name: 'IDF_PATH_INVALID', detail: `IDF_PATH=${idf}` });
    }
  }
  return { problems, env: out };
}
