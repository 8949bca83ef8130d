// Debian packages the host's programs install for themselves: when a program is missing and we
// are root with apt-get (CI, a lab machine set up as root), apt-get installs its package after a
// line saying so; otherwise the caller's error names the command to run. socat (the virtual
// board's pseudo-terminals, serial/pty.ts) and chromium (the dashboard's browser tests and its
// benchmark, web/harness.ts ensureChromium) are installed this way.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** An executable `name` on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `path` is an executable file. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type AptResult = { readonly tried: false } | { readonly tried: true; readonly status: number | null };

/**
 * Installs Debian's `pkg` with apt-get when we are root and apt-get is there (else `tried`
 * false: the caller names the command). `say` gets a line before anything is installed. A
 * fresh image often has no package lists yet ("Unable to locate package"): a failed install is
 * tried once more after apt-get update.
 */
export function aptInstall(pkg: string, why: string, say: (line: string) => void): AptResult {
  const aptGet = findOnPath('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) return { tried: false };
  say(`${pkg} is not installed: installing Debian's ${pkg} package with apt-get (${why})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): number | null => spawnSync(aptGet, ['install', '-y', '--no-install-recommends', pkg], { stdio: ['ignore', 'inherit', 'inherit'], env }).status;
  let status = install();
  if (status !== 0) {
    say('apt-get install failed; running apt-get update and trying again...');
    spawnSync(aptGet, ['update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
    status = install();
  }
  return { tried: true, status };
}
