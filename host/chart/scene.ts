// Lays a chart out once as a list of primitives in pixels (rectangles, polylines, text,
// markers) that svg.ts writes out (and png.ts renders from that SVG). Deterministic: no clock,
// no randomness, numbers formatted with fixed rules.

import type { Axis, Chart } from './model';
import { axisTitle, PALETTE } from './model';

export type Primitive =
  | { readonly t: 'rect'; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly fill: string }
  | { readonly t: 'line'; readonly pts: readonly (readonly [number, number])[]; readonly color: string; readonly width: number; readonly dash?: readonly number[]; readonly clip?: boolean }
  | {
      readonly t: 'text';
      readonly x: number;
      readonly y: number;
      readonly text: string;
      readonly scale: number;
      readonly color: string;
      readonly anchor: 'start' | 'middle' | 'end';
      readonly vertical?: boolean;
    }
  | { readonly t: 'mark'; readonly x: number; readonly y: number; readonly size: number; readonly color: string };

export interface Scene {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly items: readonly Primitive[];
}

/**
 * Text cell at scale 1 (10 px type): 6 px wide, DejaVu Sans Mono's advance of 0.602 em, so a
 * width is measured by counting characters; 9 px high, the line the layout leaves for it.
 */
export const CELL_W = 6;
export const CELL_H = 9;

export function textWidth(text: string, scale: number): number {
  return text.length * CELL_W * scale;
}

/** Tick step of 1, 2 or 5 times a power of ten giving about `count` ticks. */
export function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const s = v.toFixed(Math.min(decimals, 6));
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

interface Range {
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

function range(axis: Axis, values: readonly number[], ticks: number): Range {
  let lo = axis.min ?? (values.length ? Math.min(...values) : 0);
  let hi = axis.max ?? (values.length ? Math.max(...values) : 1);
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, ticks);
  return { min: axis.min ?? Math.floor(lo / step + 1e-9) * step, max: axis.max ?? Math.ceil(hi / step - 1e-9) * step, step };
}

function ticksOf(r: Range): number[] {
  const out: number[] = [];
  const first = Math.ceil(r.min / r.step - 1e-9);
  for (let k = first; k * r.step <= r.max + r.step * 1e-9; k++) out.push(k * r.step);
  return out;
}

export function layout(chart: Chart): Scene {
  const width = chart.width ?? 800;
  const height = chart.height ?? 500;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of chart.series)
    for (const [x, y] of s.points) {
      xs.push(x);
      if (y !== null) ys.push(y);
    }
  for (const l of chart.refLines ?? []) ys.push(l.y);
  const xr = range(chart.x, xs, 8);
  const yr = range(chart.y, ys, 6);
  const yTicks = ticksOf(yr);
  const yLabelW = Math.max(...yTicks.map((v) => textWidth(formatTick(v, yr.step), 1)), 12);
  const plot = { x: 30 + yLabelW, y: 44, w: width - (30 + yLabelW) - 20, h: height - 44 - 56 };
  const px = (x: number): number => plot.x + ((x - xr.min) / (xr.max - xr.min)) * plot.w;
  const py = (y: number): number => plot.y + plot.h - ((y - yr.min) / (yr.max - yr.min)) * plot.h;

  const items: Primitive[] = [{ t: 'rect', x: 0, y: 0, w: width, h: height, fill: '#ffffff' }];
  items.push({ t: 'text', x: width / 2, y: 12, text: chart.title, scale: 2, color: '#000000', anchor: 'middle' });
  // Grid and ticks.
  for (const v of yTicks) {
    const y = Math.round(py(v));
    items.push({
      t: 'line',
      pts: [
        [plot.x, y],
        [plot.x + plot.w, y],
      ],
      color: '#dddddd',
      width: 1,
    });
    items.push({ t: 'text', x: plot.x - 6, y: y - 4, text: formatTick(v, yr.step), scale: 1, color: '#333333', anchor: 'end' });
  }
  for (const v of ticksOf(xr)) {
    const x = Math.round(px(v));
    items.push({
      t: 'line',
      pts: [
        [x, plot.y],
        [x, plot.y + plot.h],
      ],
      color: '#dddddd',
      width: 1,
    });
    items.push({ t: 'text', x, y: plot.y + plot.h + 6, text: formatTick(v, xr.step), scale: 1, color: '#333333', anchor: 'middle' });
  }
  // Axis titles.
  items.push({ t: 'text', x: plot.x + plot.w / 2, y: height - 22, text: axisTitle(chart.x), scale: 1, color: '#000000', anchor: 'middle' });
  items.push({ t: 'text', x: 8, y: plot.y + plot.h / 2, text: axisTitle(chart.y), scale: 1, color: '#000000', anchor: 'middle', vertical: true });

  // Reference lines, then series, clipped to the plot.
  const legend: { name: string; color: string; dash: boolean; mark: boolean }[] = [];
  for (const l of chart.refLines ?? []) {
    const y = py(l.y);
    const color = l.color ?? '#555555';
    items.push({
      t: 'line',
      pts: [
        [plot.x, y],
        [plot.x + plot.w, y],
      ],
      color,
      width: 1,
      ...(l.dashed !== false && { dash: [6, 4] }),
      clip: true,
    });
    if (l.label) legend.push({ name: l.label, color, dash: l.dashed !== false, mark: false });
  }
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const kind = s.kind ?? 'line';
    legend.push({ name: s.name, color, dash: false, mark: kind === 'points' });
    if (kind === 'points') {
      for (const [x, y] of s.points) if (y !== null) items.push({ t: 'mark', x: px(x), y: py(y), size: 5, color });
      return;
    }
    let run: [number, number][] = [];
    const flush = (): void => {
      if (run.length > 1) items.push({ t: 'line', pts: run, color, width: s.width ?? 2, clip: true });
      else if (run.length === 1) items.push({ t: 'mark', x: run[0]![0], y: run[0]![1], size: 3, color });
      run = [];
    };
    for (const [x, y] of s.points) {
      if (y === null) {
        flush();
        continue;
      }
      const p: [number, number] = [px(x), py(y)];
      if (kind === 'step' && run.length) run.push([p[0], run[run.length - 1]![1]]);
      run.push(p);
    }
    flush();
  });
  // Frame on top of the grid.
  items.push({
    t: 'line',
    pts: [
      [plot.x, plot.y],
      [plot.x + plot.w, plot.y],
      [plot.x + plot.w, plot.y + plot.h],
      [plot.x, plot.y + plot.h],
      [plot.x, plot.y],
    ],
    color: '#000000',
    width: 1,
  });

  if (chart.legend ?? legend.length > 1) {
    const w = Math.max(...legend.map((e) => textWidth(e.name, 1))) + 40;
    const x0 = plot.x + plot.w - w - 8;
    const y0 = plot.y + 8;
    items.push({ t: 'rect', x: x0, y: y0, w, h: legend.length * 14 + 8, fill: '#888888' });
    items.push({ t: 'rect', x: x0 + 1, y: y0 + 1, w: w - 2, h: legend.length * 14 + 6, fill: '#ffffff' });
    legend.forEach((e, i) => {
      const y = y0 + 11 + i * 14;
      if (e.mark) items.push({ t: 'mark', x: x0 + 16, y, size: 5, color: e.color });
      else
        items.push({
          t: 'line',
          pts: [
            [x0 + 6, y],
            [x0 + 26, y],
          ],
          color: e.color,
          width: 2,
          ...(e.dash && { dash: [4, 3] }),
        });
      items.push({ t: 'text', x: x0 + 32, y: y - 4, text: e.name, scale: 1, color: '#000000', anchor: 'start' });
    });
  }
  return { width, height, plot, items };
}
