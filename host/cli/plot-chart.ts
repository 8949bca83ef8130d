// The delivered-volume chart of `pumpctl plot`, drawn with host/chart (SVG text or PNG bytes).

import { type Chart, renderPng, renderSvg } from '../chart';

export function deliveredChart(series: { hours: number[]; ml: number[] }, format: 'svg' | 'png', title: string): Uint8Array {
  const chart: Chart = {
    title,
    x: { label: "Time on the pump's clock", unit: 'h', min: 0 },
    y: { label: 'Delivered', unit: 'mL', min: 0 },
    series: [{ name: 'delivered (hourly totals)', kind: 'line', points: series.hours.map((h, i) => [h, series.ml[i]!] as const) }],
  };
  return format === 'svg' ? new TextEncoder().encode(renderSvg(chart)) : renderPng(chart);
}
