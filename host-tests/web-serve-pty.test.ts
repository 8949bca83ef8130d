// `pumpctl serve` end to end: the real executable (bin/pumpctl) bridging the virtual board's pty
// to the page, as it would a real board's serial port, and Debian's Chromium on the URL it
// prints. It holds the port (another pumpctl finds it busy) and the role keys (the page gives a
// patient bolus and stops and resumes without ever seeing one), shows no virtual-board controls
// (the port could be a real board), and on Ctrl-C closes the page's server and frees the port.
// Without keys it still shows and stops the pump, and says why a bolus needs keys; --listen
// warns; a wrong port fails at once with pumpctl's own error. The board runs on a manual clock
// moved by the test; every wait is for a printed line, an exit or a page condition.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../host/board/spawn';
import { EXIT } from '../host/errors';
import { runPumpctl } from '../host/cli/pumpctl';
import { launchChromium } from '../host/web/harness';
import type { BoardFixture } from './board-fixture';
import { startBoard } from './board-fixture';

const WAIT = { timeout: 60_000 };
const PUMPCTL = join(ROOT, 'bin/pumpctl');
const WATER = {
  name: 'water-1ml-day',
  drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
  mode: 'continuous',
  rateNlPerDay: 1_000_000,
  patientBolus: { volumeNl: 100_000, durationMs: 60_000, lockoutMs: 600_000, maxPer24h: 6, maxVolumeNlPer24h: 600_000 },
};

interface Serve {
  readonly child: ChildProcess;
  /** stdout up to the line that carries the URL. */
  readonly out: string;
  readonly url: string;
  stderr(): string;
  /** Ctrl-C: resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

/** Starts bin/pumpctl ... serve and waits for the URL it prints (or its exit). */
function serve(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Serve | { code: number | null; stdout: string; stderr: string }> {
  const child = spawn(PUMPCTL, ['--timeout', '5000', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env } });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err += c));
  child.stdout!.setEncoding('utf8');
  return new Promise((resolve) => {
    child.stdout!.on('data', (c: string) => {
      out += c;
      const m = /(http:\/\/\S+\?token=\S+?)"?(?:[,}\s]|$)/.exec(out);
      if (m && out.endsWith('\n')) {
        resolve({
          child,
          out,
          url: m[1]!,
          stderr: () => err,
          interrupt: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => resolve({ code, stdout: out, stderr: err }));
  });
}

function started(s: Awaited<ReturnType<typeof serve>>): Serve {
  if (!('url' in s)) throw new Error(`pumpctl serve exited (${s.code}) without a URL:\n${s.stdout}\n${s.stderr}`);
  return s;
}

let board: BoardFixture;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let tmp: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pump-serve-'));
  const rx = join(tmp, 'water.json');
  writeFileSync(rx, JSON.stringify(WATER));
  board = await startBoard({ args: ['--seed', '2', rx] });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await board?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function open(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  expect((await page.goto(url))?.status()).toBe(200);
  return page;
}

const dd = (p: Page, key: string) => p.locator(`dd[data-key=${key}]`);

describe('pumpctl serve', () => {
  it('serves the pump on --port with the keys held in the server, and frees the port on Ctrl-C', async () => {
    const s = started(await serve(['--port', board.path, '--keys', board.keysFile, '--json', 'serve', '--http-port', '0']));
    const printed = JSON.parse(s.out.trim()) as { url: string; port: number; pump: string };
    expect(printed.pump).toBe(board.path);
    expect(printed.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${printed.port}/\\?token=[A-Za-z0-9_-]{32}$`));
    expect(s.stderr()).not.toMatch(/WARNING/);

    const page = await open(printed.url);
    await dd(page, 'state').filter({ hasText: 'running' }).waitFor(WAIT);
    await dd(page, 'mode').filter({ hasText: 'water-1ml-day (continuous)' }).waitFor(WAIT);
    // What a real board would have: no fault buttons, no speed, no time buttons.
    expect(await page.locator('#virtual-h').count()).toBe(0);
    // Board time moves only when the test says: the page follows it through pumpctl serve.
    await (await board.clock()).advance(20 * 60_000);
    await dd(page, 'time')
      .filter({ hasText: /^0:20:/ })
      .waitFor(WAIT);

    // The port is held: pumpctl in another terminal is told so.
    let err = '';
    const other = await runPumpctl(['--port', board.path, '--keys', board.keysFile, '--timeout', '3000', 'status'], { stdout: () => undefined, stderr: (t) => (err += t), env: {}, isTty: false });
    expect(other).toBe(EXIT.port);
    expect(err).toMatch(/E810 PORT_OPEN: .* is in use by another program/);

    // A patient bolus: the server logs in as the patient; the page never held a key.
    await page.getByRole('button', { name: 'Patient bolus' }).click();
    await page
      .locator('#actions-result')
      .filter({ hasText: /^patient bolus #\d+ started$/ })
      .waitFor(WAIT);
    // Stop, then resume (the clinician's key, also the server's).
    await page.getByRole('button', { name: 'STOP' }).click();
    await page
      .locator('#stop-result')
      .filter({ hasText: /^delivery (paused|stopped)$/ })
      .waitFor(WAIT);
    await dd(page, 'state')
      .filter({ hasText: /paused|stopped/ })
      .waitFor(WAIT);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('#stop-result').filter({ hasText: 'delivery running' }).waitFor(WAIT);
    await dd(page, 'state').filter({ hasText: 'running' }).waitFor(WAIT);

    // Ctrl-C: a clean exit, the page loses its server, and the port is free again.
    expect(await s.interrupt()).toBe(EXIT.ok);
    await page.locator('#link').filter({ hasText: 'not connected to the dashboard server' }).waitFor(WAIT);
    let status = '';
    const after = await runPumpctl(['--port', board.path, '--keys', board.keysFile, '--timeout', '5000', '--json', 'status'], {
      stdout: (t) => (status += t),
      stderr: () => undefined,
      env: {},
      isTty: false,
    });
    expect(after).toBe(EXIT.ok);
    expect(JSON.parse(status)).toMatchObject({ state: 'running' });
    await page.close();
  });

  it('without keys shows and stops the pump, says what needs keys, and warns when exposed by --listen', async () => {
    const s = started(await serve(['--port', board.path, 'serve', '--http-port', '0', '--listen', '0.0.0.0']));
    expect(s.out).toMatch(new RegExp(`^Dashboard for ${board.path}:\\n  http://127\\.0\\.0\\.1:\\d+/\\?token=\\S+\\n`));
    expect(s.stderr()).toMatch(/WARNING: listening on 0\.0\.0\.0: anyone on that network who has the URL/);
    expect(s.stderr()).toMatch(/no role keys \(--keys\): the dashboard shows the pump and can stop it/);
    const page = await open(s.url);
    await dd(page, 'state').filter({ hasText: 'running' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Patient bolus' }).click();
    await page
      .locator('#actions-result')
      .filter({ hasText: /^E804 NO_KEY: no patient key/ })
      .waitFor(WAIT);
    // STOP needs no key, as at the pump.
    await page.getByRole('button', { name: 'STOP' }).click();
    await dd(page, 'state')
      .filter({ hasText: /paused|stopped/ })
      .waitFor(WAIT);
    expect(await s.interrupt()).toBe(EXIT.ok);
    await page.close();
  });

  it("fails at once with pumpctl's own error on a port with no pump, printing no URL", async () => {
    const r = await serve(['--port', join(tmp, 'no-such-port'), 'serve', '--http-port', '0']);
    expect('url' in r).toBe(false);
    const f = r as { code: number | null; stdout: string; stderr: string };
    expect(f.code).toBe(EXIT.port);
    expect(f.stdout).toBe('');
    expect(f.stderr).toMatch(/E810 PORT_OPEN: no serial port at /);
    expect(pageErrors).toEqual([]);
  });
});
