// What the dashboard's browser tests and its benchmark share: the virtual board with its
// dashboard as a child process (`npm start` with --clock manual, so board time moves only when
// told; or on the wall clock for the page's speed control), and Debian's Chromium driven by
// playwright-core with a fresh profile. Nothing waits on the wall clock: lines from the board,
// the clock socket's answers and page conditions.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { BoardClock } from '../board/clock-client';
import { aptInstall, isExecutable } from '../debian';
import { ROOT } from '../board/spawn';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface DashboardBoard {
  readonly dir: string;
  readonly link: string;
  readonly keys: string;
  readonly url: string;
  readonly port: number;
  readonly clock: BoardClock;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** The virtual board (manual clock, fresh state, fixed seed) with its dashboard on a free port. */
export async function startDashboardBoard(args: readonly string[] = [], timeoutMs = 90_000): Promise<DashboardBoard> {
  const b = await spawnDashboardBoard(['--clock', 'manual', ...args], timeoutMs);
  const clock = await BoardClock.open(b.clockSocket!);
  return {
    ...b,
    clock,
    stop: async () => {
      clock.close();
      await b.stop();
    },
  };
}

/**
 * The virtual board on the wall clock at `speed` (0: standing still until a page sets a speed),
 * for the dashboard's speed control. It has no clock socket: a test's assertions must then wait
 * on what the page shows, never on how fast board time moves on this machine.
 */
export function startWallDashboardBoard(speed: number, args: readonly string[] = [], timeoutMs = 90_000): Promise<Omit<DashboardBoard, 'clock'>> {
  return spawnDashboardBoard(['--speed', String(speed), ...args], timeoutMs);
}

async function spawnDashboardBoard(args: readonly string[], timeoutMs: number): Promise<Omit<DashboardBoard, 'clock'> & { clockSocket: string | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'pump-web-'));
  const link = join(dir, 'ttyPUMP');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'host/board/main.ts', '--quiet', '--fresh', '--seed', '1', '--time-of-day', '08:00', '--state', join(dir, 'state'), '--link', link, ...args],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PUMP_DASHBOARD: '127.0.0.1:0' },
    },
  );
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err = (err + c).slice(-8000)));
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = await new Promise<{ ready: { keys: string; clockSocket: string | null }; dash: { url: string; port: number } }>((resolve, reject) => {
    let out = '';
    let ready: { keys: string; clockSocket: string | null } | undefined;
    let dash: { url: string; port: number } | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready and dashboard lines within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          const j = JSON.parse(line) as { kind?: string };
          if (j.kind === 'ready') ready = j as unknown as typeof ready;
          if (j.kind === 'dashboard') dash = j as unknown as typeof dash;
        } catch {
          // not a JSON line
        }
        if (ready && dash) {
          clearTimeout(timer);
          resolve({ ready, dash });
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the board exited before it was ready\n${err}`));
    });
  });
  return {
    dir,
    link,
    keys: lines.ready.keys,
    url: lines.dash.url,
    port: lines.dash.port,
    clockSocket: lines.ready.clockSocket,
    child,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CHROMIUM_HOW = '`sudo apt-get update && sudo apt-get install -y chromium` (Debian), or set CHROMIUM_PATH to a Chromium or Chrome of your own';

/** Where Chromium is looked for, and whether CHROMIUM_PATH chose it (then nothing is installed). */
const CHROMIUM_AT = { path: CHROMIUM, fromEnv: process.env['CHROMIUM_PATH'] !== undefined };

/** Why Chromium cannot be launched, or undefined when it can: a check, nothing installed. */
export function chromiumProblem(at = CHROMIUM_AT): string | undefined {
  if (isExecutable(at.path)) return undefined;
  if (at.fromEnv) return `CHROMIUM_PATH is ${at.path}, which is not an executable: point it at a Chromium or Chrome, or unset it to use Debian's /usr/bin/chromium`;
  return `Chromium is not installed at ${at.path}: install it with ${CHROMIUM_HOW}`;
}

/**
 * The same, after installing Debian's chromium where it is missing and we are root with apt-get
 * (host/debian.ts), as the virtual board installs socat: the pty project's setup and `npm run
 * bench` call this before anything runs. Without it the browser tests failed with playwright's
 * "executable doesn't exist", and the bench crashed after four minutes of other benchmarks.
 */
export function ensureChromium(say: (line: string) => void = (l) => process.stderr.write(`${l}\n`), at = CHROMIUM_AT): string | undefined {
  const problem = chromiumProblem(at);
  if (problem === undefined || at.fromEnv) return problem;
  const apt = aptInstall('chromium', "the dashboard's browser tests and benchmark drive it headless", say);
  if (isExecutable(at.path)) {
    say(`chromium installed: ${at.path}`);
    return undefined;
  }
  return apt.tried ? `apt-get could not install chromium (exit ${apt.status}): run ${CHROMIUM_HOW}` : problem;
}

/** Debian's Chromium, headless, with a fresh profile directory (removed by close()). */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  // Checked, not installed: a test's timeout is no place for apt-get (chromium.setup.ts is).
  const problem = chromiumProblem();
  if (problem !== undefined) throw new Error(problem);
  const profile = mkdtempSync(join(tmpdir(), 'pump-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
