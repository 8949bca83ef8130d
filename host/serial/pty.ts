// Pseudo-terminal pairs from socat: two ptys joined back to back, each reachable at a stable
// symlink, so a board restarted after a crash reappears at the same path. socat comes from
// Debian's package; when it is missing and we are root with apt-get, it is installed (CI runs
// as root), otherwise the error says exactly what to run. Every pair is torn down (socat
// stopped, links removed) when the process exits or is signalled.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';
import { aptInstall, findOnPath } from '../debian';
import { boardError } from '../errors/board';

/** socat on PATH, or undefined. */
export function findSocat(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath('socat', env);
}

const INSTALL_HINT = 'install it with `sudo apt-get install socat` (Debian, Ubuntu), `sudo dnf install socat` (Fedora) or `brew install socat` (macOS), then start again';

/**
 * The path of socat, installing it first when missing and we are root with apt-get (the CI
 * case, host/debian.ts). `say` gets a line before anything is installed. Throws E855/E856 otherwise.
 */
export function ensureSocat(say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
  const found = findSocat();
  if (found) return found;
  const apt = aptInstall('socat', 'the virtual board needs it for its pseudo-terminals', say);
  if (!apt.tried) throw boardError('SOCAT_MISSING', `socat is not installed; the virtual board needs it to create its pseudo-terminal pair: ${INSTALL_HINT}.`);
  const installed = findSocat();
  if (apt.status !== 0 || !installed) {
    throw boardError('SOCAT_INSTALL_FAILED', `apt-get could not install socat (exit ${apt.status}); run \`apt-get update && apt-get install -y socat\` yourself and look at its messages.`);
  }
  say(`socat installed: ${installed}`);
  return installed;
}

export interface PtyPair {
  /** The pty devices (/dev/pts/N) socat made, in the order of the links. */
  readonly a: string;
  readonly b: string;
  /** The stable symlinks to them (A's is optional: a program may use its device directly). */
  readonly linkA: string | undefined;
  readonly linkB: string;
  readonly pid: number;
  /** Called once if socat ends by itself (it was killed, or failed). */
  onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  /** Stops socat and removes the links (both idempotent). */
  close(): Promise<void>;
  /** The same, synchronously, for exit handlers. */
  closeSync(): void;
}

export interface PtyPairOptions {
  readonly linkA?: string;
  readonly linkB: string;
  /** socat's path (default: ensureSocat()). */
  readonly socat?: string;
  /** How long socat may take to report its ptys (default 10 s: a slow CI machine). */
  readonly timeoutMs?: number;
}

const live = new Set<PtyPair>();
let hooked = false;

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of [...live]) p.closeSync();
  });
  // Programs with their own signal handling (the board) close their pairs there; a bare user
  // of this module still gets its links removed on Ctrl-C or kill.
  for (const [sig, n] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    if (process.listenerCount(sig) === 0) {
      process.once(sig, () => {
        for (const p of [...live]) p.closeSync();
        process.exit(128 + n);
      });
    }
  }
}

/** True when `path` is a symlink pointing at `target`. */
function linksTo(path: string, target: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && readlinkSync(path) === target;
  } catch {
    return false;
  }
}

/**
 * Starts `socat -d -d pty,raw,echo=0[,link=<A>] pty,raw,echo=0,link=<B>` and resolves once it
 * has made both ptys (read from its notices on stderr: "PTY is /dev/pts/N"). The links must
 * not exist (see host/board/lock.ts for clearing a crashed board's).
 */
export function createPtyPair(o: PtyPairOptions): Promise<PtyPair> {
  const socat = o.socat ?? ensureSocat();
  const timeoutMs = o.timeoutMs ?? 10_000;
  hookProcessExit();
  return new Promise((resolve, reject) => {
    const args = ['-d', '-d', o.linkA === undefined ? 'pty,raw,echo=0' : `pty,raw,echo=0,link=${o.linkA}`, `pty,raw,echo=0,link=${o.linkB}`];
    const child: ChildProcess = spawn(socat, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const devices: string[] = [];
    let stderr = '';
    let settled = false;
    let exited = false;
    let pair: PtyPair | undefined;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exited) child.kill('SIGKILL');
      reject(boardError('PTY_FAILED', `${why}\nsocat ${args.join(' ')}\n${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`socat did not report its two pseudo-terminals within ${timeoutMs} ms`), timeoutMs);
    child.on('error', (e) => fail(`cannot run socat (${socat}): ${e.message}`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      for (const m of chunk.matchAll(/PTY is (\S+)/g)) devices.push(m[1]!);
      if (!settled && devices.length >= 2 && /starting data transfer loop/.test(stderr)) {
        settled = true;
        clearTimeout(timer);
        pair = makePair(child, devices[0]!, devices[1]!, o);
        live.add(pair);
        resolve(pair);
      }
    });
    child.on('exit', (code, signal) => {
      exited = true;
      if (!settled) return fail(`socat exited (code ${code}, signal ${signal}) before making the pseudo-terminals`);
      if (pair && live.has(pair)) {
        live.delete(pair);
        removeLinks(pair);
        pair.onExit?.(code, signal);
      }
    });
  });
}

function removeLinks(p: { a: string; b: string; linkA: string | undefined; linkB: string }): void {
  // Only our own links: a board started since may already own the path.
  for (const [link, dev] of [
    [p.linkA, p.a],
    [p.linkB, p.b],
  ] as const) {
    if (link !== undefined && linksTo(link, dev)) {
      try {
        unlinkSync(link);
      } catch {
        // gone already
      }
    }
  }
}

function makePair(child: ChildProcess, a: string, b: string, o: PtyPairOptions): PtyPair {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const pair: PtyPair = {
    a,
    b,
    linkA: o.linkA,
    linkB: o.linkB,
    pid: child.pid!,
    onExit: undefined,
    closeSync() {
      live.delete(pair);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      removeLinks(pair);
    },
    async close() {
      live.delete(pair);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(t);
      }
      removeLinks(pair);
    },
  };
  return pair;
}
