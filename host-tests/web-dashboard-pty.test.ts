// The dashboard end to end in a real browser: Debian's Chromium driven by playwright-core
// against the virtual board (its own process, behind its pty, with --clock manual) and the
// dashboard `npm start` starts beside it. Loads with and without the token, programs a ten-fold
// increase (refused by the pump until confirmed), gives a bolus, blocks the line until the
// alarm shows and is announced, acknowledges it, stops from the keyboard, downloads the CSV and
// opens an accuracy run folder. Board time moves only through the clock socket; every wait is
// for a page condition, never for the wall clock. Screenshots go to build/screenshots
// (docs/images with PUMP_DOCS_IMAGES=1: screenshots.ts).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAccuracy } from '../host/accuracy/run';
import { writeAccuracyRun } from '../host/accuracy/run-folder';
import { createVirtualAccuracyRig } from '../host/accuracy/virtual-rig';
import type { DashboardBoard } from '../host/web/harness';
import { launchChromium, startDashboardBoard } from '../host/web/harness';
import { screenshotPath } from './screenshots';

const WAIT = { timeout: 60_000 };
/** Water at 1 mL/day: the form then asks for 24 mL/day, 24 times as much. */
const SLOW_WATER = {
  name: 'water-1ml-day',
  drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
  mode: 'continuous',
  rateNlPerDay: 1_000_000,
  patientBolus: { volumeNl: 100_000, durationMs: 60_000, lockoutMs: 600_000, maxPer24h: 6, maxVolumeNlPer24h: 600_000 },
};

// The page's globals inside page.evaluate callbacks: this file compiles without DOM types.
interface PageControl {
  type: string;
  labels: ArrayLike<{ textContent: string | null }> | null;
  textContent: string | null;
  outerHTML: string;
  getAttribute(name: string): string | null;
}
declare const document: { activeElement: { id: string } | null; documentElement: { scrollWidth: number }; querySelectorAll(selector: string): Iterable<unknown> };
declare const window: { scrollTo(x: number, y: number): void };

let board: DashboardBoard;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let tmp: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pump-web-test-'));
  const rx = join(tmp, 'slow-water.json');
  writeFileSync(rx, JSON.stringify(SLOW_WATER));
  board = await startDashboardBoard([rx]);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => (m.type() === 'error' ? pageErrors.push(m.text()) : undefined));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await board?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const state = (p: Page) => p.locator('dd[data-key=state]');
const result = (p: Page, id: string) => p.locator(`#${id}`);

describe('the dashboard in Chromium', () => {
  it('refuses the page without the token, and with a wrong one', async () => {
    const bare = board.url.replace(/\?token=.*$/, '');
    const r = await page.goto(bare);
    expect(r?.status()).toBe(403);
    expect(await page.locator('body').innerText()).toMatch(/E843 WEB_REFUSED: no token/);
    const wrong = await page.goto(`${bare}?token=not-the-token`);
    expect(wrong?.status()).toBe(403);
    expect(await page.locator('body').innerText()).toMatch(/wrong token/);
  });

  it('loads with the token and shows the running pump live', async () => {
    const r = await page.goto(board.url);
    expect(r?.status()).toBe(200);
    pageErrors.length = 0; // the refused loads above logged their 403s
    await state(page).filter({ hasText: 'running' }).waitFor(WAIT);
    await page.locator('dd[data-key=drug]').filter({ hasText: 'water-bench' }).waitFor(WAIT);
    await board.clock.advance(30 * 60_000);
    await page.locator('dd[data-key=time]').filter({ hasText: '0:30:' }).waitFor(WAIT);
    expect(await page.locator('dd[data-key=rate]').innerText()).toBe('1.000 mL/day');
    // The stop button is there, labelled, and the virtual board's fault buttons too.
    await expect(page.getByRole('button', { name: 'STOP' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Block the line' }).isVisible()).resolves.toBe(true);
    // A manual clock moves with the time buttons; its speed is the test's, not the page's.
    await expect(page.getByRole('button', { name: 'Board time +1h' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('#speed').count()).toBe(0);
    expect(await page.locator('#virtual-speed').innerText()).toMatch(/moves only with the buttons below \(manual clock\)/);
    // A patient bolus (the server logs in with the patient role; the page holds no key).
    await page.getByRole('button', { name: 'Patient bolus' }).click();
    await result(page, 'actions-result')
      .filter({ hasText: /patient bolus #\d+ started/ })
      .waitFor(WAIT);
    await board.clock.advance(2 * 60_000);
    await page.locator('li.event[data-type="bolus-end"]').first().waitFor(WAIT);
  });

  it("programs a ten-fold increase only with the confirmation, in the pump's own words", async () => {
    await page.getByLabel('Rate (mL/day)').fill('24');
    await page.getByLabel('Name', { exact: true }).fill('water-24ml-day');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.locator('#rx-commit').waitFor(WAIT);
    const diff = await page.locator('table.diff').innerText();
    expect(diff).toMatch(/rateNlPerDay\s+1000000\s+24000000/);
    await page.screenshot({ path: screenshotPath('dashboard-program.png'), fullPage: false, clip: (await page.locator('#program-h').locator('..').boundingBox())! });
    await page.locator('#rx-commit').click();
    await result(page, 'program-result').filter({ hasText: 'E124' }).waitFor(WAIT);
    expect(await result(page, 'program-result').innerText()).toMatch(/^E821 PUMP_REFUSED: commit: E124 /);
    // The confirmation appears only now, and the commit goes through with it.
    const big = page.getByLabel('I confirm an increase of ten times or more');
    await big.waitFor(WAIT);
    await big.check();
    await page.locator('#rx-commit').click();
    await result(page, 'program-result').filter({ hasText: 'committed "water-24ml-day"' }).waitFor(WAIT);
    await page.locator('dd[data-key=rate]').filter({ hasText: '24.000 mL/day' }).waitFor(WAIT);
    await page.locator('dd[data-key=mode]').filter({ hasText: 'water-24ml-day' }).waitFor(WAIT);
  });

  it("refuses a patient bolus the new prescription has none of, in the pump's words", async () => {
    await page.getByRole('button', { name: 'Patient bolus' }).click();
    await result(page, 'actions-result')
      .filter({ hasText: /^E821 PUMP_REFUSED: patient bolus: E\d+ / })
      .waitFor(WAIT);
  });

  it('raises the occlusion alarm in the page when the line is blocked, announced to screen readers', async () => {
    await page.getByRole('button', { name: 'Block the line' }).click();
    await result(page, 'virtual-result').filter({ hasText: 'full occlusion' }).waitFor(WAIT);
    const alarm = page.locator('li.alarm');
    for (let i = 0; i < 60 && (await alarm.count()) === 0; i++) {
      await board.clock.advance(60_000);
      // The page has caught up with this board time before the next minute.
      await page
        .locator('dd[data-key=time]')
        .filter({ hasText: new RegExp(`^${clockText(board.clock.nowMs)}$`) })
        .waitFor(WAIT);
    }
    await alarm.first().waitFor(WAIT);
    expect(await alarm.first().innerText()).toMatch(/OCCLUSION/);
    expect(await alarm.first().getAttribute('class')).toMatch(/prio-high/);
    const announce = page.locator('#alarm-announce');
    expect(await announce.getAttribute('role')).toBe('alert');
    expect(await announce.getAttribute('aria-live')).toBe('assertive');
    expect(await announce.innerText()).toMatch(/Alarm: A\d+ OCCLUSION/);
    await state(page).filter({ hasText: 'alarm' }).waitFor(WAIT);
    await page.locator('li.event[data-type="alarm"]').first().waitFor(WAIT);
    // The alarm at the top of the page, where it shows (the fault button scrolled the page down).
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('dashboard-alarm.png'), fullPage: false });
  });

  it('acknowledges the alarm once the line is clear', async () => {
    await page.getByRole('button', { name: 'Clear the block' }).click();
    await result(page, 'virtual-result').filter({ hasText: 'released' }).waitFor(WAIT);
    await board.clock.advance(60_000);
    await page.getByRole('button', { name: 'Acknowledge all alarms' }).click();
    await result(page, 'actions-result')
      .filter({ hasText: /acknowledged \d+ alarm\(s\)/ })
      .waitFor(WAIT);
    await board.clock.advance(60_000);
    await page.locator('li.event[data-type="alarm-ack"]').first().waitFor(WAIT);
  });

  it('stops from the keyboard: the stop button is the first control after the skip link', async () => {
    await page.locator('a.skip').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('stop');
    await page.keyboard.press('Enter');
    await result(page, 'stop-result')
      .filter({ hasText: /^delivery (paused|stopped)/ })
      .waitFor(WAIT);
    await state(page)
      .filter({ hasText: /paused|stopped/ })
      .waitFor(WAIT);
  });

  it('shows the history with filters and downloads it as CSV', async () => {
    await page.getByRole('button', { name: 'Show history' }).click();
    await page.locator('table.history tbody tr').first().waitFor(WAIT);
    await page.getByLabel('Type').selectOption('program');
    await page.getByRole('button', { name: 'Show history' }).click();
    await result(page, 'history-result')
      .filter({ hasText: /^\d+ records$/ })
      .waitFor(WAIT);
    const types = await page.locator('table.history tbody tr td:nth-child(3)').allInnerTexts();
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['program']));
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('pump-history.csv');
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('seq,time_since_boot_s,clock_day,time_of_day,type,reason,delivered_nl,details');
    expect(csv.length).toBeGreaterThan(1);
    for (const row of csv.slice(1)) expect(row.split(',')[4]).toBe('program');
  });

  it('opens an accuracy run folder: verdict and both curves', async () => {
    const rig = createVirtualAccuracyRig({ protocol: 'mt-sics', balance: { seed: 3 } });
    const rec = await runAccuracy(rig, { rateNlPerH: 1_000_000, temperatureC: 20 });
    const dir = join(tmp, 'run-1mlh');
    writeAccuracyRun(dir, rec);
    await page.getByLabel('Run folder (as pumpctl accuracy wrote it)').fill(join(tmp, 'missing'));
    await page.getByRole('button', { name: 'Open run' }).click();
    await result(page, 'accuracy-result')
      .filter({ hasText: /^E801 FILE_UNREADABLE: cannot read/ })
      .waitFor(WAIT);
    await page.getByLabel('Run folder (as pumpctl accuracy wrote it)').fill(dir);
    await page.getByRole('button', { name: 'Open run' }).click();
    await page.locator('#accuracy-verdict').filter({ hasText: 'Verdict: pass' }).waitFor(WAIT);
    await page.getByRole('img', { name: 'Start-up curve' }).waitFor(WAIT);
    await page.getByRole('img', { name: 'Trumpet curve' }).waitFor(WAIT);
    // The SVG images really drew (a broken image has no natural width).
    expect(await page.getByRole('img', { name: 'Trumpet curve' }).evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    await page.locator('#accuracy-h').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('dashboard-accuracy.png'), clip: (await page.locator('#accuracy-h').locator('..').boundingBox())! });
  });

  it('fits a narrow window with stop still in view', async () => {
    await page.setViewportSize({ width: 380, height: 800 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('dashboard-narrow.png') });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(380);
    await page.evaluate(() => window.scrollTo(0, 2000));
    const box = await page.locator('#stop').boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(100);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('dashboard-overview.png') });
  });

  it('had no script errors and no control without a label', async () => {
    expect(pageErrors).toEqual([]);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, button')]
        .filter((el) => {
          const e = el as PageControl;
          if (e.type === 'hidden') return false;
          const label = e.labels?.length ? e.labels[0]!.textContent : (e.getAttribute('aria-label') ?? e.textContent);
          return !label || label.trim() === '';
        })
        .map((el) => (el as PageControl).outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
  });
});

/** Board time as the page shows it (h:mm:ss). */
function clockText(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
