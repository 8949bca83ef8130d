// The delivered-volume chart of `pumpctl plot`, drawn with host/chart (SVG text or PNG bytes):
// the curve rebuilt from the event log (delivered-timeline.ts), pauses and alarm stops as thick
// bands over the flat stretches they cause, alarms and boluses as marks, the hourly totals the
// curve is held to as marks too.

import type { Chart, Series } from '../chart';
import { renderPng, renderSvg } from '../chart';
import type { DeliveredTimeline, Stop } from './delivered-timeline';
import { volumeAt } from './delivered-timeline';

const H = 3600;

/** The curve's points within [from, to] (null outside), so a thick line marks the stretch. */
function band(t: DeliveredTimeline, stops: readonly Stop[]): (readonly [number, number | null])[] {
  const out: (readonly [number, number | null])[] = [];
  for (const s of stops) {
    const to = s.toS ?? t.endS;
    out.push([s.fromS / H, volumeAt(t, s.fromS) / 1e6]);
    for (const [ts, nl] of t.points) if (ts > s.fromS && ts < to) out.push([ts / H, nl / 1e6]);
    out.push([to / H, volumeAt(t, to) / 1e6]);
    out.push([to / H, null]);
  }
  return out;
}

export function deliveredChart(t: DeliveredTimeline, format: 'svg' | 'png', title: string): Uint8Array {
  const paused = t.stops.filter((s) => s.kind === 'paused');
  const alarmed = t.stops.filter((s) => s.kind === 'alarm');
  const series: Series[] = [{ name: 'delivered (event log)', kind: 'line', points: t.points.map(([s, nl]) => [s / H, nl / 1e6] as const), color: '#0072b2' }];
  if (paused.length) series.push({ name: 'paused', kind: 'line', points: band(t, paused), color: '#e69f00', width: 7 });
  if (alarmed.length) series.push({ name: 'stopped by an alarm', kind: 'line', points: band(t, alarmed), color: '#d55e00', width: 7 });
  if (t.alarms.length) series.push({ name: 'alarm raised', kind: 'points', points: t.alarms.map((a) => [a.atS / H, volumeAt(t, a.atS) / 1e6] as const), color: '#cc79a7' });
  if (t.boluses.length) series.push({ name: 'bolus started', kind: 'points', points: t.boluses.map((b) => [b.atS / H, volumeAt(t, b.atS) / 1e6] as const), color: '#009e73' });
  if (t.hourTotals.length) series.push({ name: 'hourly totals (exact)', kind: 'points', points: t.hourTotals.map(([s, nl]) => [s / H, nl / 1e6] as const), color: '#000000' });
  // Headroom above the curve: the legend sits in the top right corner, where the curve ends.
  const topMl = Math.max(0.001, ...t.points.map(([, nl]) => nl / 1e6));
  const chart: Chart = {
    title,
    x: { label: "Time since boot, pump's clock", unit: 'h', min: 0 },
    y: { label: 'Delivered', unit: 'mL', min: 0, max: topMl * 1.5 },
    series,
  };
  return format === 'svg' ? new TextEncoder().encode(renderSvg(chart)) : renderPng(chart);
}
