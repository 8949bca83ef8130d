// A chart as SVG text: the scene from scene.ts written out element by element, with the
// series clipped to the plot area. Deterministic (fixed number formatting, no ids from
// counters shared between calls).

import type { Chart } from './model';
import { CHART_FONT_FAMILY } from './model';
import type { Primitive } from './scene';
import { CELL_H, layout } from './scene';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function element(p: Primitive): string {
  switch (p.t) {
    case 'rect':
      return `<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="${p.fill}"/>`;
    case 'line': {
      const dash = p.dash ? ` stroke-dasharray="${p.dash.join(' ')}"` : '';
      const clip = p.clip ? ' clip-path="url(#plot)"' : '';
      return `<polyline points="${p.pts.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="none" stroke="${p.color}" stroke-width="${p.width}" stroke-linejoin="round"${dash}${clip}/>`;
    }
    case 'mark':
      return `<rect x="${n(p.x - p.size / 2)}" y="${n(p.y - p.size / 2)}" width="${p.size}" height="${p.size}" fill="${p.color}" clip-path="url(#plot)"/>`;
    case 'text': {
      const anchor = p.anchor === 'start' ? 'start' : p.anchor === 'end' ? 'end' : 'middle';
      const size = 10 * p.scale;
      // The scene places text by the top of its cell; SVG places it by the baseline.
      if (p.vertical) {
        const x = p.x + CELL_H * p.scale - 2;
        return `<text x="${n(x)}" y="${n(p.y)}" font-size="${size}" text-anchor="${anchor}" fill="${p.color}" transform="rotate(-90 ${n(x)} ${n(p.y)})">${esc(p.text)}</text>`;
      }
      return `<text x="${n(p.x)}" y="${n(p.y + 7 * p.scale + 1)}" font-size="${size}" text-anchor="${anchor}" fill="${p.color}">${esc(p.text)}</text>`;
    }
  }
}

export function renderSvg(chart: Chart): string {
  const s = layout(chart);
  const { plot } = s;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}" viewBox="0 0 ${s.width} ${s.height}" font-family="${CHART_FONT_FAMILY}, monospace">`,
    `<title>${esc(chart.title)}</title>`,
    `<defs><clipPath id="plot"><rect x="${n(plot.x)}" y="${n(plot.y)}" width="${n(plot.w)}" height="${n(plot.h)}"/></clipPath></defs>`,
    ...s.items.map(element),
    '</svg>',
    '',
  ].join('\n');
}
