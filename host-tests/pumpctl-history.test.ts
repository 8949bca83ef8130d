// pumpctl plot and log --csv (issue 21, item 4). plot draws from the finest data the pump
// keeps, its event log, held to the exact hourly totals and run to the pump's clock now: a
// 40-minute occlusion stop is flat and marked, and the last partial hour with its bolus is
// there. The CSV has one clock per column: seconds since boot for events and notes, the day
// and time of day of the clock hour for the per-drug hourly totals, never mixed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliveredTimeline } from '../host/cli/delivered-timeline';
import { EXIT } from '../host/errors';
import type { HistoryRecord } from '../host/cli/history';
import { CSV_HEADER } from '../host/cli/history';
import { board, HOUR, keyFile, MIN, pumpctl } from './pumpctl-mock';

/** 1 mL/h; the line blocks at 1 h and is opened at 1 h 40 min; ack at 1 h 45, a bolus at 1 h 50, read at 2 h 10. */
async function occludedDay() {
  const b = board({ rateNlPerDay: 24_000_000, faults: ['occlusion@1h', 'release@1h40m'] });
  const keys = keyFile();
  b.vp.runFor(HOUR + 45 * MIN);
  expect((await pumpctl(b.respond, ['--keys', keys, 'ack'])).code).toBe(EXIT.ok);
  b.vp.runFor(5 * MIN);
  expect((await pumpctl(b.respond, ['--keys', keys, 'bolus'])).code).toBe(EXIT.ok);
  b.vp.runFor(20 * MIN);
  return { b, keys };
}

describe('pumpctl plot from the event log (issue 21, item 4)', () => {
  it("marks the occlusion stop, keeps it flat, and reaches the pump's own count now", async () => {
    const { b } = await occludedDay();
    const dir = mkdtempSync(join(tmpdir(), 'plot-'));
    const r = await pumpctl(b.respond, ['--json', 'plot', '--out', join(dir, 'd.svg')]);
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout);
    const alarmStops = out.stops.filter((s: { kind: string }) => s.kind === 'alarm');
    expect(alarmStops).toHaveLength(1);
    expect(alarmStops[0].why).toBe('OCCLUSION');
    expect(alarmStops[0].fromS).toBeGreaterThan(3600);
    expect(alarmStops[0].fromS).toBeLessThan(3600 + 5 * 60);
    expect(alarmStops[0].toS).toBe(105 * 60); // resumed at the acknowledgement
    expect(out.alarms.map((a: { name: string }) => a.name)).toContain('OCCLUSION');
    expect(out.boluses).toBe(1);
    // The whole 2 h 10 min, to the microlitre the pump counts (hourly totals say only 1 h).
    expect(out.hours).toBeCloseTo(130 / 60, 2);
    const pumpMl = b.vp.controller.status().deliveredNl / 1e6;
    expect(Math.abs(out.deliveredMl - pumpMl)).toBeLessThan(0.002);
    const svg = readFileSync(join(dir, 'd.svg'), 'utf8');
    expect(svg).toMatch(/stopped by an alarm/);
    expect(svg).toMatch(/bolus started/);
  });

  it('the rebuilt curve: flat while stopped, on each hourly total, the bolus over its minutes', () => {
    const rec = (seq: number, timeS: number, type: string, reason: string, fields: Record<string, string> = {}): HistoryRecord => ({ seq, timeS, clock: 'boot', type, reason, fields });
    const t = deliveredTimeline(
      [
        rec(1, 0, 'note', 'NOTE', { boot: '1' }),
        rec(2, 0, 'program', 'PROGRAM_STARTED'),
        rec(3, 0, 'rate', 'CONTINUOUS_RATE', { rateNlPerDay: String(24 * 1_000_000) }), // 1 mL/h
        rec(4, 1800, 'pause', 'OPERATOR_PAUSE'),
        rec(5, 2400, 'resume', 'OPERATOR_RESUME'),
        rec(6, 3600, 'hour-total', 'HOUR_CLOSED', { deliveredNl: '666000' }),
        { seq: 7, timeS: 7 * 3600, clock: 'wall', type: 'drug-hour', reason: 'DRUG_TOTAL', fields: { deliveredNl: '666000' } },
        rec(8, 3700, 'bolus-start', 'PATIENT_REQUEST', { id: '1', volumeNl: '100000', durationMs: '60000' }),
        rec(9, 3760, 'bolus-end', 'BOLUS_COMPLETE', { id: '1', deliveredNl: '100000' }),
      ],
      4000,
    );
    const at = (s: number) => t.points.filter(([ts]) => ts === s).map(([, nl]) => nl);
    expect(at(1800)).toEqual([at(2400)[0]]); // flat through the pause
    expect(t.stops).toEqual([{ fromS: 1800, toS: 2400, kind: 'paused', why: 'OPERATOR_PAUSE' }]);
    expect(at(3600).at(-1)).toBe(666_000); // held to the exact total (the model said 500 uL + 166 uL)
    expect(t.hourTotals).toEqual([[3600, 666_000]]);
    // After the hour: 400 s at 1 mL/h and the 100 uL bolus.
    expect(t.points.at(-1)![0]).toBe(4000);
    expect(t.points.at(-1)![1]).toBeCloseTo(666_000 + (400 * 1_000_000) / 3600 + 100_000, 3);
  });
});

describe('log --csv: one clock per column, named (issue 21, item 4)', () => {
  it('events in time_since_boot_s, drug-hour totals in clock_day and time_of_day', async () => {
    const { b } = await occludedDay();
    const r = await pumpctl(b.respond, ['log', '--csv']);
    expect(r.code).toBe(EXIT.ok);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe(CSV_HEADER);
    expect(CSV_HEADER).toBe('seq,time_since_boot_s,clock_day,time_of_day,type,reason,delivered_nl,details');
    const cells = rows.slice(1).map((l) => l.split(','));
    const drugHours = cells.filter((c) => c[4] === 'drug-hour');
    const events = cells.filter((c) => c[4] !== 'drug-hour');
    expect(drugHours.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    for (const c of drugHours) {
      expect(c[1]).toBe('');
      expect(c[2]).toMatch(/^\d+$/);
      expect(c[3]).toMatch(/^\d\d:00:00$/);
    }
    for (const c of events) {
      expect(c[1]).toMatch(/^\d+$/);
      expect(c[2]).toBe('');
      expect(c[3]).toBe('');
    }
    // Seconds since boot never pass the board's own clock now (2 h 10 min).
    expect(Math.max(...events.map((c) => Number(c[1])))).toBeLessThanOrEqual(130 * 60);
  });
});
