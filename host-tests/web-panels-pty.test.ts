// The dashboard's panels bullet by bullet (issue 17), in Chromium against the virtual board on a
// manual clock: every status field (next change and projected empty time included) and the
// syringe drawn where the reservoir is; programming from a file with pumpctl's reader's and the
// pump's own messages; a clinician bolus and a refill through their forms; the fault buttons
// (air, flow sensor, low battery) each raising what the rig would; an alarm acknowledged by its
// own button; pauses and alarms as bands on the charts; the history's text filter; every
// control reachable with the Tab key; text colours readable against their backgrounds. Board
// time moves only through the clock socket; every wait is for a page condition.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardBoard } from '../host/web/harness';
import { launchChromium, startDashboardBoard } from '../host/web/harness';

const WAIT = { timeout: 60_000 };
const MIN = 60_000;
const HOUR = 60 * MIN;
/** Water on a two-step day: 1 mL/day from midnight, 2 mL/day from noon. The board boots at 08:00. */
const TWO_STEP = {
  name: 'water-two-step',
  drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
  mode: 'flexible',
  schedule: [
    { startMs: 0, rateNlPerDay: 1_000_000 },
    { startMs: 12 * HOUR, rateNlPerDay: 2_000_000 },
  ],
  patientBolus: { volumeNl: 100_000, durationMs: 60_000, lockoutMs: 600_000, maxPer24h: 6, maxVolumeNlPer24h: 600_000 },
};

// The page's globals inside page.evaluate callbacks: this file compiles without DOM types.
interface Band {
  t0: number;
  t1: number;
  kind: 1 | 2;
}
declare const window: { dashboard: { charts: { bands: Band[]; titles: string[]; sampleCount: number } }; getComputedStyle(e: unknown): Record<string, string> };
declare const document: { activeElement: unknown; querySelectorAll(selector: string): Iterable<unknown>; body: unknown };

let board: DashboardBoard;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let tmp: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pump-web-panels-'));
  const rx = join(tmp, 'two-step.json');
  writeFileSync(rx, JSON.stringify(TWO_STEP));
  board = await startDashboardBoard([rx]);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => (m.type() === 'error' ? pageErrors.push(m.text()) : undefined));
  await page.goto(board.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await board?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const dd = (key: string) => page.locator(`dd[data-key=${key}]`);
const text = (key: string) => dd(key).innerText();

/** Moves board time to `ms` and waits until the page shows it. */
async function boardTo(ms: number): Promise<void> {
  await board.clock.to(ms);
  await dd('time')
    .filter({ hasText: new RegExp(`^${clockText(ms)}$`) })
    .waitFor(WAIT);
}

describe('the dashboard panels', () => {
  it('shows every status field, the next change and the projected empty time', async () => {
    await dd('state').filter({ hasText: 'running' }).waitFor(WAIT);
    await boardTo(30 * MIN);
    expect(await text('drug')).toBe('water-bench at 1000000 µg/mL');
    expect(await text('mode')).toBe('water-two-step (flexible)');
    expect(await text('rate')).toBe('1.000 mL/day');
    // 08:30 on the pump's clock: the step to 2 mL/day comes at noon.
    expect(await text('next')).toBe('in 3 h 30 min');
    // What it steps to and when, in pumpctl status's words (the NEXT query).
    await dd('nextBasal')
      .filter({ hasText: /^2\.000 mL\/day from 12:00 \(in 3 h 30 min\)$/ })
      .waitFor(WAIT);
    expect(await text('today')).toMatch(/^\d+\.\d µL$/);
    expect(await text('delivered')).toMatch(/^\d+\.\d µL$/);
    expect(await text('reservoir')).toMatch(/^\d+\.\d{3} mL of \d+\.\d{3} mL$/);
    expect(await text('empty')).toMatch(/^in \d+ d \d+ h at the most the prescription allows$/);
    // As pumpctl info says it: the charge and the time to the replacement indicator.
    expect(await text('battery')).toMatch(/^\d+%, replacement indicator in \d+ (d \d+ h|h \d+ min)$/);
    // After noon the rate has stepped up and the next change is tomorrow's midnight.
    await boardTo(4 * HOUR + 30 * MIN);
    await dd('rate').filter({ hasText: '2.000 mL/day' }).waitFor(WAIT);
    expect(await text('next')).toBe('in 11 h 30 min');
    await dd('nextBasal')
      .filter({ hasText: /^1\.000 mL\/day from 00:00 \(in 11 h 30 min\)$/ })
      .waitFor(WAIT);
  });

  it('draws the syringe with the plunger where the reservoir is', async () => {
    const [left, capacity] = (await text('reservoir')).split(' of ').map((t) => parseFloat(t));
    const frac = left! / capacity!;
    const figure = page.getByRole('img', { name: /^Syringe: / });
    expect(await figure.getAttribute('aria-labelledby')).toBe('syringe-text');
    expect(await page.locator('#syringe-text').innerText()).toBe(`Syringe: ${left!.toFixed(3)} mL left of ${capacity!.toFixed(3)} mL (${Math.round(frac * 100)}%)`);
    // The fluid is as wide as the fraction left; the plunger stands at its end.
    const w = Math.round(236 * frac);
    expect(await page.locator('.syringe rect').nth(1).getAttribute('width')).toBe(String(w));
    expect(await page.locator('.syringe g').getAttribute('transform')).toBe(`translate(${22 + w}, 0)`);
  });

  it("programs from a file: the reader's message for a bad one, the diff and the commit for a good one", async () => {
    const file = page.getByLabel('Prescription file (JSON or YAML)');
    await file.setInputFiles({ name: 'broken.yaml', mimeType: 'application/yaml', buffer: Buffer.from('name: broken\nmode: continuous\nrateNlPerDay: lots\n') });
    await page.getByRole('button', { name: 'Check file' }).click();
    await page
      .locator('#program-result')
      .filter({ hasText: /^E8\d\d \w+: / })
      .waitFor(WAIT);
    const why = await page.locator('#program-result').innerText();
    expect(why).toMatch(/broken\.yaml/);
    expect(why).toMatch(/rateNlPerDay|drug/);
    expect(await page.locator('#rx-commit').count()).toBe(0);
    const yaml = ['name: water-flat', 'drug: { name: water-bench, concentrationUgPerMl: 1000000 }', 'mode: continuous', 'rateNlPerDay: 1500000', ''].join('\n');
    await file.setInputFiles({ name: 'water-flat.yaml', mimeType: 'application/yaml', buffer: Buffer.from(yaml) });
    await page.getByRole('button', { name: 'Check file' }).click();
    await page.locator('#rx-commit').waitFor(WAIT);
    expect(await page.locator('table.diff caption').innerText()).toBe('Changes from the running prescription');
    const diff = await page.locator('table.diff tbody').innerText();
    expect(diff).toMatch(/^name\s+"water-two-step"\s+"water-flat"$/m);
    expect(diff).toMatch(/^basal\.mode\s+"flexible"\s+"continuous"$/m);
    await page.locator('#rx-commit').click();
    await page.locator('#program-result').filter({ hasText: 'committed "water-flat"' }).waitFor(WAIT);
    await dd('mode').filter({ hasText: 'water-flat (continuous)' }).waitFor(WAIT);
    await dd('rate').filter({ hasText: '1.500 mL/day' }).waitFor(WAIT);
    await dd('next').filter({ hasText: 'none scheduled' }).waitFor(WAIT);
  });

  it("gives a clinician bolus from its form, with pumpctl's checks on the values", async () => {
    await page.getByLabel('Volume (µL)').fill('lots');
    await page.getByRole('button', { name: 'Give clinician bolus' }).click();
    await page.locator('#actions-result').filter({ hasText: 'E800 USAGE: Volume (µL) must be a number (got "lots")' }).waitFor(WAIT);
    await page.getByLabel('Volume (µL)').fill('50');
    await page.getByLabel('Duration (min)').fill('5');
    await page.getByRole('button', { name: 'Give clinician bolus' }).click();
    await page
      .locator('#actions-result')
      .filter({ hasText: /^clinician bolus #\d+: 50\.0 µL over 5 min$/ })
      .waitFor(WAIT);
    await board.clock.advance(6 * MIN);
    await page.locator('li.event[data-type="bolus-end"]').first().waitFor(WAIT);
  });

  it('records a refill from its form, and the syringe follows', async () => {
    const before = parseFloat(await text('reservoir'));
    const form = page.getByRole('form', { name: 'Refill' });
    // As at the bench: the residual is drawn out, then the new volume put in.
    await form.getByLabel('Removed (mL)').fill(before.toFixed(3));
    await form.getByLabel('Concentration (µg/mL)').fill('1000000');
    // More than the syringe holds: the pump's own refusal, in its words.
    await form.getByLabel('Added (mL)').fill('15');
    await form.getByRole('button', { name: 'Record refill' }).click();
    await page
      .locator('#actions-result')
      .filter({ hasText: /^E821 PUMP_REFUSED: refill: E421 15000000 nl is more than the 10000000 nl the [\w-]+ syringe holds$/ })
      .waitFor(WAIT);
    await form.getByLabel('Added (mL)').fill('8');
    await form.getByRole('button', { name: 'Record refill' }).click();
    const after = '8.000';
    await page
      .locator('#actions-result')
      .filter({ hasText: `refill recorded: reservoir ${after} mL at 1000000 µg/mL` })
      .waitFor(WAIT);
    await dd('reservoir')
      .filter({ hasText: new RegExp(`^${after.replace('.', '\\.')} mL of `) })
      .waitFor(WAIT);
    await page
      .locator('#syringe-text')
      .filter({ hasText: `Syringe: ${after} mL left of ` })
      .waitFor(WAIT);
  });

  it("raises the rig's alarms from the fault buttons, each acknowledged by its own button", async () => {
    const cases = [
      // Acknowledged while the air is still there: the alarm stays, shown as acknowledged, and goes with the air.
      { on: 'Air bubble (20 µL)', did: 'air bubble 20000 nl', off: 'Clear the air', code: 'A13', alarm: 'A13 AIR_IN_LINE', prio: 'high', flow: 'ack-while-present' },
      { on: 'Flow sensor fault', did: 'flow sensor unplugged', off: 'Flow sensor back', code: 'A14', alarm: 'A14 FLOW_SENSOR_FAULT', prio: 'medium', flow: 'clear-then-ack' },
      // The battery's alarm is not latched: it goes by itself when the sag is over.
      { on: 'Low battery', did: 'battery sag 350 mV', off: 'Battery back to normal', code: 'A40', alarm: 'A40 BATTERY_ERI', prio: 'medium', flow: 'clears-itself' },
    ] as const;
    for (const c of cases) {
      await page.getByRole('button', { name: c.on, exact: true }).click();
      await page
        .locator('#virtual-result')
        .filter({ hasText: `${c.on}: ${c.did} on the virtual rig` })
        .waitFor(WAIT);
      const li = page.locator('li.alarm', { hasText: c.alarm });
      for (let i = 0; i < 10 && (await li.count()) === 0; i++) await boardTo(board.clock.nowMs + MIN);
      await li.waitFor(WAIT);
      expect(await li.getAttribute('class')).toBe(`alarm prio-${c.prio}`);
      expect(await li.innerText()).toContain(`${c.prio} priority`);
      expect(await page.locator('#alarm-announce').innerText()).toBe(`Alarm: ${c.alarm}, ${c.prio} priority`);
      const ack = li.getByRole('button', { name: `Acknowledge ${c.code}` });
      const clear = async (): Promise<void> => {
        await page.getByRole('button', { name: c.off, exact: true }).click();
        await page.locator('#virtual-result').filter({ hasText: c.off }).waitFor(WAIT);
      };
      if (c.flow === 'ack-while-present') {
        await ack.click();
        // pumpctl ack's words: the pump's own events say the cause is still there.
        await page
          .locator('#stop-result')
          .filter({ hasText: `still active: ${c.alarm} (acknowledged)` })
          .waitFor(WAIT);
        expect(await page.locator('#stop-result').innerText()).toBe(
          `acknowledged 0 alarm(s)\n${c.alarm}: its cause is still present: the alarm stays active until it is gone\nstill active: ${c.alarm} (acknowledged)`,
        );
        // STATUS still lists the same code: the page must ask again to show it acknowledged.
        await li.filter({ hasText: `${c.prio} priority, acknowledged` }).waitFor(WAIT);
        expect(await li.getByRole('button', { name: 'Acknowledged' }).isDisabled()).toBe(true);
        await clear();
      } else if (c.flow === 'clear-then-ack') {
        await clear();
        await boardTo(board.clock.nowMs + MIN);
        await ack.click();
        await page.locator('#stop-result').filter({ hasText: 'no alarms left' }).waitFor(WAIT);
        expect(await page.locator('#stop-result').innerText()).toBe(`acknowledged 1 alarm(s)\n${c.alarm}: cleared, its cause is gone\nno alarms left`);
      } else await clear();
      for (let i = 0; i < 10 && (await li.count()) > 0; i++) await boardTo(board.clock.nowMs + MIN);
      await li.waitFor({ state: 'detached', ...WAIT });
    }
    await page.locator('.alarms li.none').filter({ hasText: 'No active alarms' }).waitFor(WAIT);
  });

  it('marks a stop as a grey band and an alarm as a red one on the charts, with the line charts of the virtual rig', async () => {
    await page.getByRole('button', { name: 'STOP' }).click();
    await dd('state')
      .filter({ hasText: /paused|stopped/ })
      .waitFor(WAIT);
    const stoppedAt = board.clock.nowMs / 1000;
    await boardTo(board.clock.nowMs + 3 * MIN);
    await page.getByRole('button', { name: 'Resume' }).click();
    await dd('state').filter({ hasText: 'running' }).waitFor(WAIT);
    await boardTo(board.clock.nowMs + 2 * MIN);
    const charts = await page.evaluate(() => ({ bands: window.dashboard.charts.bands, titles: window.dashboard.charts.titles, n: window.dashboard.charts.sampleCount }));
    expect(charts.titles).toEqual(['Delivered volume', 'Rate and flow', 'Line pressure'].map((t) => `${t} chart; the figures are in the status panel and the history table`));
    expect(charts.n).toBeGreaterThan(5);
    // The stop: a grey band from about when STOP was pressed, at least the three minutes it lasted.
    const grey = charts.bands.filter((b) => b.kind === 1 && b.t1 >= stoppedAt);
    expect(grey.length).toBeGreaterThan(0);
    expect(Math.max(...grey.map((b) => b.t1 - b.t0))).toBeGreaterThanOrEqual(180);
    // The air in the line stopped delivery with a high alarm: a red band.
    expect(charts.bands.some((b) => b.kind === 2 && b.t1 > b.t0)).toBe(true);
  });

  it('filters the history by its text', async () => {
    await page.getByLabel('Contains').fill('water-flat');
    await page.getByRole('button', { name: 'Show history' }).click();
    await page
      .locator('#history-result')
      .filter({ hasText: /^\d+ records$/ })
      .waitFor(WAIT);
    const rows = await page.locator('table.history tbody tr').allInnerTexts();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.toLowerCase()).toContain('water-flat');
  });

  it('reaches every control with the Tab key, never under the sticky header', async () => {
    const all = await page.evaluate(() => {
      const found: string[] = [];
      let i = 0;
      for (const el of document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')) {
        const e = el as { disabled?: boolean; getAttribute(n: string): string | null; setAttribute(n: string, v: string): void; getClientRects(): { length: number }; outerHTML: string };
        if (e.disabled || e.getAttribute('tabindex') === '-1' || e.getClientRects().length === 0) continue;
        e.setAttribute('data-kbd', String(i));
        found.push(`${i++} ${e.outerHTML.slice(0, 60)}`);
      }
      return found;
    });
    const reached = new Set<string>();
    /** Controls that, once focused, sat under the sticky header (where nobody sees the focus ring). */
    const hidden: string[] = [];
    await page.locator('a.skip').focus();
    for (let i = 0; i < 3 * all.length && reached.size < all.length; i++) {
      const at = await page.evaluate(() => {
        type El = { getAttribute?(n: string): string | null; closest?(s: string): unknown; getBoundingClientRect(): { top: number; bottom: number } };
        const e = document.activeElement as El | null;
        const header = (document as unknown as { querySelector(s: string): El }).querySelector('header.top');
        const under = e?.closest && !e.closest('header') && !e.closest('a.skip') ? e.getBoundingClientRect().top < header.getBoundingClientRect().bottom : false;
        return { k: e?.getAttribute?.('data-kbd') ?? null, under };
      });
      if (at.k !== null) reached.add(at.k);
      if (at.k !== null && at.under) hidden.push(all.find((e) => e.startsWith(`${at.k} `))!);
      await page.keyboard.press('Tab');
    }
    expect(all.filter((e) => !reached.has(e.split(' ')[0]!))).toEqual([]);
    expect(hidden).toEqual([]);
    expect(all.length).toBeGreaterThan(30);
  });

  it('fits a narrow window with the diff, the history and the events showing', async () => {
    await page.getByRole('button', { name: 'Show history' }).click();
    await page.locator('table.history tbody tr').first().waitFor(WAIT);
    await page.getByLabel('Name', { exact: true }).fill('water-narrow');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.locator('table.diff').waitFor(WAIT);
    await page.setViewportSize({ width: 360, height: 740 });
    // Wait for the charts to follow the window (they redraw on the next frame).
    await page.waitForFunction(() => (document as unknown as { documentElement: { scrollWidth: number } }).documentElement.scrollWidth <= 360, undefined, WAIT).catch(() => undefined);
    const wide = await page.evaluate(() => {
      const out: string[] = [];
      for (const node of document.querySelectorAll('main *')) {
        const e = node as { getBoundingClientRect(): { right: number; width: number }; tagName: string; className: string; closest(s: string): unknown };
        if (e.closest('.scroll')) continue; // the history table scrolls inside its own box
        const r = e.getBoundingClientRect();
        if (r.width > 0 && r.right > 360 + 0.5) out.push(`${e.tagName}.${e.className} right=${Math.round(r.right)}`);
      }
      return out.slice(0, 10);
    });
    expect(wide).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('has text colours readable against their backgrounds (WCAG AA)', async () => {
    const poor = await page.evaluate(() => {
      type El = {
        parentElement: El | null;
        tagName: string;
        disabled?: boolean;
        childNodes: Iterable<{ nodeType: number; textContent: string | null }>;
        getClientRects(): { length: number };
        closest(s: string): unknown;
        textContent: string | null;
      };
      const rgb = (c: string): number[] => (/rgba?\(([^)]+)\)/.exec(c)?.[1] ?? '0,0,0,0').split(',').map((v) => Number(v.trim()));
      const lum = ([r, g, b]: number[]): number => {
        const f = (v8: number): number => {
          const v = v8 / 255;
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const background = (el: El | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(window.getComputedStyle(e)['backgroundColor']!);
          if ((c[3] ?? 1) > 0) return c; // the panels' colours are opaque
        }
        return [255, 255, 255];
      };
      const out: string[] = [];
      for (const node of document.querySelectorAll('body *')) {
        const el = node as El;
        if (['SCRIPT', 'STYLE', 'OPTION', 'CANVAS'].includes(el.tagName) || el.getClientRects().length === 0) continue;
        if (![...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '')) continue;
        if (el.closest('button[disabled]')) continue; // an inactive control: WCAG 1.4.3 exempts it
        if (el.closest('.skip') && !el.closest('.skip:focus')) continue; // off screen until focused
        const st = window.getComputedStyle(el);
        const fg = lum(rgb(st['color']!));
        const bg = lum(background(el));
        const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        const size = parseFloat(st['fontSize']!);
        const large = size >= 24 || (size >= 18.66 && Number(st['fontWeight']) >= 700);
        if (ratio < (large ? 3 : 4.5)) out.push(`${ratio.toFixed(2)} ${el.tagName} "${(el.textContent ?? '').trim().slice(0, 40)}" ${st['color']} on ${background(el).join(',')}`);
      }
      return out;
    });
    expect(poor).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

/** Board time as the page shows it (h:mm:ss). */
function clockText(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
