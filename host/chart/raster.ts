// A small rasterizer for the chart scene: an RGB canvas with filled rectangles, polylines of a
// given width (every pixel whose centre lies within half the width of a segment), dashes,
// square markers, and text in the built-in 5 x 7 font (scaled by whole pixels, horizontal or
// turned a quarter left). No anti-aliasing, so the output is the same on every machine.

import { glyph } from './font5x7';
import { CELL_W, layout, type Scene, textWidth } from './scene';
import { type Chart } from './model';
import { encodePng } from './png';

export class Canvas {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  /** Drawing is limited to this rectangle when set (the plot area for series). */
  clip: { x0: number; y0: number; x1: number; y1: number } | undefined;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.rgb = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, c: readonly [number, number, number]): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const k = this.clip;
    if (k && (x < k.x0 || y < k.y0 || x > k.x1 || y > k.y1)) return;
    const i = (y * this.width + x) * 3;
    this.rgb[i] = c[0];
    this.rgb[i + 1] = c[1];
    this.rgb[i + 2] = c[2];
  }

  fillRect(x: number, y: number, w: number, h: number, c: readonly [number, number, number]): void {
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    const x1 = Math.round(x + w);
    const y1 = Math.round(y + h);
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.set(xx, yy, c);
  }

  /** A segment `width` px wide: pixels whose centre is within width/2 of it (at least the 1 px line). */
  segment(ax: number, ay: number, bx: number, by: number, width: number, c: readonly [number, number, number]): void {
    const r = Math.max(width / 2, 0.5);
    const minX = Math.floor(Math.min(ax, bx) - r);
    const maxX = Math.ceil(Math.max(ax, bx) + r);
    const minY = Math.floor(Math.min(ay, by) - r);
    const maxY = Math.ceil(Math.max(ay, by) + r);
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const r2 = r * r + 1e-9;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const cx = x + 0.5;
        const cy = y + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
        const ex = ax + t * dx - cx;
        const ey = ay + t * dy - cy;
        if (ex * ex + ey * ey <= r2) this.set(x, y, c);
      }
    }
  }

  polyline(pts: readonly (readonly [number, number])[], width: number, c: readonly [number, number, number], dash?: readonly number[]): void {
    if (!dash || dash.length === 0) {
      for (let i = 1; i < pts.length; i++) this.segment(pts[i - 1]![0], pts[i - 1]![1], pts[i]![0], pts[i]![1], width, c);
      return;
    }
    // Walk the line, drawing the "on" stretches of the dash pattern.
    let k = 0;
    let left = dash[0]!;
    let on = true;
    for (let i = 1; i < pts.length; i++) {
      let [ax, ay] = pts[i - 1]!;
      const [bx, by] = pts[i]!;
      let seg = Math.hypot(bx - ax, by - ay);
      while (seg > 0) {
        const step = Math.min(left, seg);
        const f = step / seg;
        const nx = ax + (bx - ax) * f;
        const ny = ay + (by - ay) * f;
        if (on) this.segment(ax, ay, nx, ny, width, c);
        ax = nx;
        ay = ny;
        seg -= step;
        left -= step;
        if (left <= 1e-9) {
          k = (k + 1) % dash.length;
          left = dash[k]!;
          on = !on;
        }
      }
    }
  }

  /** Text in the built-in font; (x, y) is the top-left of the first cell (bottom-left when vertical). */
  text(x: number, y: number, text: string, scale: number, c: readonly [number, number, number], vertical = false): void {
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    for (let n = 0; n < text.length; n++) {
      const cols = glyph(text[n]!);
      for (let col = 0; col < 5; col++) {
        for (let row = 0; row < 7; row++) {
          if (!((cols[col]! >> row) & 1)) continue;
          for (let sy = 0; sy < scale; sy++)
            for (let sx = 0; sx < scale; sx++) {
              const gx = (n * CELL_W + col) * scale + sx;
              const gy = row * scale + sy;
              if (vertical) this.set(x0 + gy, y0 - gx, c);
              else this.set(x0 + gx, y0 + gy, c);
            }
        }
      }
    }
  }
}

export function parseColor(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return [0, 0, 0];
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

export function rasterize(scene: Scene): Canvas {
  const cv = new Canvas(scene.width, scene.height);
  const p = scene.plot;
  const plotClip = { x0: Math.floor(p.x), y0: Math.floor(p.y), x1: Math.ceil(p.x + p.w), y1: Math.ceil(p.y + p.h) };
  for (const it of scene.items) {
    switch (it.t) {
      case 'rect':
        cv.fillRect(it.x, it.y, it.w, it.h, parseColor(it.fill));
        break;
      case 'line':
        cv.clip = it.clip ? plotClip : undefined;
        cv.polyline(it.pts, it.width, parseColor(it.color), it.dash);
        cv.clip = undefined;
        break;
      case 'mark':
        cv.clip = plotClip;
        cv.fillRect(it.x - it.size / 2, it.y - it.size / 2, it.size, it.size, parseColor(it.color));
        cv.clip = undefined;
        break;
      case 'text': {
        const w = textWidth(it.text, it.scale);
        const shift = it.anchor === 'start' ? 0 : it.anchor === 'end' ? w : w / 2;
        if (it.vertical) cv.text(it.x, it.y + shift, it.text, it.scale, parseColor(it.color), true);
        else cv.text(it.x - shift, it.y, it.text, it.scale, parseColor(it.color));
        break;
      }
    }
  }
  return cv;
}

/** The chart as a PNG file (palette, 8-bit). */
export function renderPng(chart: Chart): Uint8Array {
  const cv = rasterize(layout(chart));
  return encodePng(cv.width, cv.height, cv.rgb);
}
