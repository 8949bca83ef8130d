// `npm start` and its dashboard as the README's first command shows them: the virtual board on
// the wall clock (no --quiet, no --json, PUMP_DASHBOARD unset) prints a "Dashboard" line with the
// URL under its header; that URL opens the live page in Chromium with the virtual board's panel
// (faults and the speed it started with); while the page is open the board's port is the
// page's (pumpctl is told it is busy), and once it is closed pumpctl has it again. Board time
// runs on the wall clock here, so nothing below depends on how far it has gone.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../host/board/spawn';
import { EXIT } from '../host/errors';
import { runPumpctl } from '../host/cli/pumpctl';
import { launchChromium } from '../host/web/harness';

const WAIT = { timeout: 60_000 };

let child: ChildProcess;
let exited: Promise<unknown>;
let dir: string;
let out = '';
let browser: Awaited<ReturnType<typeof launchChromium>>;

/** Resolves with the first match of `re` in the board's stdout (or rejects when it exits first). */
function printed(re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = (): boolean => {
      const m = re.exec(out);
      if (m) resolve(m);
      return m !== null;
    };
    if (look()) return;
    const onData = (): void => void (look() && child.stdout!.off('data', onData));
    child.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`the board exited before printing ${re}:\n${out}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pump-start-'));
  const env = { ...process.env };
  delete env['PUMP_DASHBOARD'];
  child = spawn(process.execPath, ['--import', 'tsx', 'host/board/main.ts', '--fresh', '--seed', '1', '--state', join(dir, 'state'), '--link', join(dir, 'ttyPUMP')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (c: string) => (out += c));
  child.stderr!.resume();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  child?.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the dashboard URL under its header, and the page shows the board live with its demonstration panel', async () => {
    const m = await printed(/^Dashboard {5}(http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{32}) {2}\(open it in a browser/m);
    // 8470 unless another program has it; then any free port.
    expect(Number(m[2])).toBeGreaterThan(0);
    const keys = /^Role keys {5}(\S+)/m.exec(out)![1]!;
    const link = join(dir, 'ttyPUMP');
    const page = await browser.context.newPage();
    expect((await page.goto(m[1]!))?.status()).toBe(200);
    await page
      .locator('dd[data-key=state]')
      .filter({ hasText: /running|idle|paused|stopped/ })
      .waitFor(WAIT);
    await page.locator('#virtual-speed').filter({ hasText: 'board time runs at x60: 1 min each second' }).waitFor(WAIT);
    expect(await page.getByLabel('Speed of board time').inputValue()).toBe('60');
    await page.getByRole('button', { name: 'Block the line' }).waitFor(WAIT);

    // While a page is open it holds the board's port ...
    const status = async (): Promise<{ code: number; err: string }> => {
      let err = '';
      const code = await runPumpctl(['--port', link, '--keys', keys, '--timeout', '5000', 'status'], { stdout: () => undefined, stderr: (t) => (err += t), env: {}, isTty: false });
      return { code, err };
    };
    const busy = await status();
    expect(busy.code).toBe(EXIT.port);
    expect(busy.err).toMatch(/E810 PORT_OPEN: .* is in use by another program/);
    // ... and lets it go when the last page closes (the server notices the closed socket). Asked
    // until a deadline, not a number of times: a refused open returns at once, and under CI's
    // load 100 quick tries ran out before the server had seen the socket close (stop 33).
    await page.close();
    let free = await status();
    const deadline = Date.now() + WAIT.timeout;
    while (free.code === EXIT.port && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      free = await status();
    }
    expect(free).toEqual({ code: EXIT.ok, err: '' });
  });
});
