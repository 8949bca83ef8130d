// The virtual board's speed, set from the dashboard in Chromium: a board started on the wall
// clock standing still (--speed 0) runs at a day a second when the page says so, every open
// page is told the new speed, and it stands still again on the next choice. Nothing here
// depends on how fast this machine is: the test waits for what the page shows (board time past
// two hours; the same board time over several status messages), never for the wall clock.
// The virtual board's panel goes to dashboard-speed.png (screenshots.ts says where).

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardBoard } from '../host/web/harness';
import { launchChromium, startWallDashboardBoard } from '../host/web/harness';
import { screenshotPath } from './screenshots';

const WAIT = { timeout: 60_000 };

// The page's probe (host/web/page/main.ts) inside page.evaluate callbacks: no DOM types here.
declare const window: { dashboard: { statuses: number } };
declare const location: { host: string; search: string };
declare const document: { querySelector(s: string): unknown };
declare class WebSocket {
  constructor(url: string);
  onopen: () => void;
  onmessage: (e: { data: string }) => void;
  send(s: string): void;
  close(): void;
}

let board: Omit<DashboardBoard, 'clock'>;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let other: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  board = await startWallDashboardBoard(0);
  browser = await launchChromium();
  page = await browser.context.newPage();
  other = await browser.context.newPage();
  for (const p of [page, other]) p.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await board?.stop();
});

const time = (p: Page) => p.locator('dd[data-key=time]');
/** h:mm:ss as the page shows board time, in seconds. */
const seconds = (t: string): number => t.split(':').reduce((a, v) => a * 60 + Number(v), 0);
const statuses = (p: Page) => p.evaluate(() => window.dashboard.statuses);
/** Waits until the page has had `more` status messages after the `n`th. */
const statusesAfter = (p: Page, n: number, more: number) => p.waitForFunction(([from, k]) => window.dashboard.statuses >= from + k, [n, more] as const, WAIT);

describe("the virtual board's speed from the dashboard", () => {
  it('starts standing still, as --speed 0 said', async () => {
    await page.goto(board.url);
    await other.goto(board.url);
    await page.locator('#virtual-speed').filter({ hasText: 'board time standing still' }).waitFor(WAIT);
    expect(await page.getByLabel('Speed of board time').inputValue()).toBe('0');
    // The manual clock's time buttons are for --clock manual only.
    expect(await page.locator('[data-advance]').count()).toBe(0);
  });

  it('runs board time at a day a second when the page asks, and tells every page', async () => {
    await page.getByLabel('Speed of board time').selectOption('86400');
    await page.getByRole('button', { name: 'Set speed' }).click();
    await page.locator('#virtual-result').filter({ hasText: 'board time now runs at x86400: 1 d each second' }).waitFor(WAIT);
    await other.locator('#virtual-speed').filter({ hasText: 'board time runs at x86400: 1 d each second' }).waitFor(WAIT);
    expect(await other.getByLabel('Speed of board time').inputValue()).toBe('86400');
    // Hours of board time pass (a standing clock would stay at 0:00:xx).
    await time(page)
      .filter({ hasText: /^([2-9]|[0-9]{2,}):/ })
      .waitFor(WAIT);
    await page.locator('#virtual-h').scrollIntoViewIfNeeded();
    await page
      .locator('#virtual-h')
      .locator('..')
      .screenshot({ path: screenshotPath('dashboard-speed.png') });
  });

  it('slows to a minute a second and keeps going: no debt from the fast pace stalls it', async () => {
    await page.getByLabel('Speed of board time').selectOption('60');
    await page.getByRole('button', { name: 'Set speed' }).click();
    await page.locator('#virtual-result').filter({ hasText: 'board time now runs at x60: 1 min each second' }).waitFor(WAIT);
    await statusesAfter(page, await statuses(page), 2);
    const from = seconds(await time(page).innerText());
    // Ten board seconds at x60 take a sixth of a second; a stalled clock would not get there.
    await page.waitForFunction(
      (t) => {
        const m = /^(\d+):(\d\d):(\d\d)$/.exec((document.querySelector('dd[data-key=time]') as { textContent: string }).textContent)!;
        return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) >= t;
      },
      from + 10,
      WAIT,
    );
  });

  it('stands still again from where it is, without a jump', async () => {
    await page.getByLabel('Speed of board time').selectOption('0');
    await page.getByRole('button', { name: 'Set speed' }).click();
    await page.locator('#virtual-result').filter({ hasText: 'board time now stands still' }).waitFor(WAIT);
    // A poll already under way may still carry a moving time: two statuses later, none can.
    await statusesAfter(page, await statuses(page), 2);
    const frozen = await time(page).innerText();
    await statusesAfter(page, await statuses(page), 5);
    expect(await time(page).innerText()).toBe(frozen);
    await other.locator('#virtual-speed').filter({ hasText: 'standing still' }).waitFor(WAIT);
  });

  it("refuses a speed the page does not offer, in pumpctl's words", async () => {
    // The select offers only good values; a page that sends another gets the server's check.
    const text = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/ws${location.search}`);
      return new Promise<string>((resolve) => {
        ws.onopen = () => ws.send(JSON.stringify({ id: 1, action: 'speed', speed: '100000' }));
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data) as { type: string; text: string };
          if (m.type === 'reply') {
            ws.close();
            resolve(m.text);
          }
        };
      });
    });
    expect(text).toBe('E800 USAGE: Speed must be from 0 to 86400 (got 100000)');
    expect(pageErrors).toEqual([]);
  });
});
