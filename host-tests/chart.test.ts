// The chart library: SVG text, and a PNG rendered from it by resvg with the bundled font only
// (valid chunks with their CRC-32s, the chart's size, deterministic, the series and the text
// actually drawn, text as wide as the layout measures it).
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../firmware/shared/crc';
import type { Chart } from '../host/chart/index';
import { CHART_FONT_FAMILY, CHART_FONT_FILE, PNG_SIGNATURE, renderPng, renderSvg, svgToPng } from '../host/chart/index';
import { CELL_W } from '../host/chart/scene';
const CHART: Chart = {
  title: 'Start-up curve, 1 mL/h',
  x: { label: 'time', unit: 'min' },
  y: { label: 'flow', unit: 'mL/h' },
  series: [
    { name: 'Q_i', kind: 'step', points: Array.from({ length: 121 }, (_, i) => [i / 2, i === 40 ? null : 1 + 0.05 * Math.sin(i / 5)] as const) },
    { name: 'marked', kind: 'points', points: [[20, 1.02]] },
  ],
  refLines: [{ y: 1, label: 'set rate' }],
};

interface PngChunk {
  type: string;
  data: Uint8Array;
}

function parsePng(png: Uint8Array): PngChunk[] {
  expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    expect(crc32(png.subarray(at + 4, at + 8 + len)), `CRC of ${type}`).toBe(view.getUint32(at + 8 + len));
    chunks.push({ type, data });
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  return chunks;
}

/** RGBA pixels of an 8-bit RGBA, non-interlaced PNG (ISO/IEC 15948 filters 0-4 undone). */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const chunks = parsePng(png);
  const ihdr = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset, 13);
  const width = ihdr.getUint32(0);
  const height = ihdr.getUint32(4);
  expect([...chunks[0]!.data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 4;
  expect(raw.length).toBe(height * (1 + stride));
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (1 + stride)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (1 + stride) + 1 + i]!;
      const a = i >= 4 ? out[y * stride + i - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= 4 && y > 0 ? out[(y - 1) * stride + i - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      if (pred === undefined) throw new Error(`filter ${filter}`);
      out[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, rgba: out };
}

/** Columns [first, last] holding a pixel darker than mid grey. */
function inkColumns(img: { width: number; height: number; rgba: Uint8Array }): [number, number] {
  let first = Infinity;
  let last = -1;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.rgba[i]! < 128 && img.rgba[i + 3]! > 128) {
        first = Math.min(first, x);
        last = Math.max(last, x);
      }
    }
  return [first, last];
}

const textSvg = (text: string, family = CHART_FONT_FAMILY): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="30" font-family="${family}"><rect width="300" height="30" fill="#ffffff"/><text x="10" y="20" font-size="10">${text}</text></svg>`;

describe('PNG (resvg, bundled font)', () => {
  it('a chart renders to a valid 800 x 500 RGBA PNG', () => {
    const png = renderPng(CHART);
    const chunks = parsePng(png);
    expect(chunks[0]!.type).toBe('IHDR');
    expect(chunks.at(-1)!.type).toBe('IEND');
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([800, 500]);
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.length).toBeLessThan(200_000);
  });

  it('is deterministic', () => {
    expect(Buffer.from(renderPng(CHART)).equals(Buffer.from(renderPng(CHART)))).toBe(true);
    expect(renderSvg(CHART)).toBe(renderSvg(CHART));
  });

  it('draws the series in its colour inside the plot', () => {
    const img = decodePng(renderPng(CHART));
    let blue = 0;
    for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i] === 0x00 && img.rgba[i + 1] === 0x72 && img.rgba[i + 2] === 0xb2) blue++;
    expect(blue).toBeGreaterThan(500);
  });

  it('draws text with the bundled font, and only with it', () => {
    const bundled = svgToPng(textSvg('flow (mL/h)'));
    expect(inkColumns(decodePng(bundled))[1]).toBeGreaterThan(10);
    // System fonts are not loaded, so any other family (one this machine may well have, a
    // generic one, a missing one) falls back to the bundled font: the same pixels everywhere.
    for (const family of ['DejaVu Sans', 'serif', 'NoSuchFont']) expect(Buffer.from(svgToPng(textSvg('flow (mL/h)', family))).equals(Buffer.from(bundled)), family).toBe(true);
    expect(readFileSync(CHART_FONT_FILE).toString('latin1')).toContain(CHART_FONT_FAMILY); // the file's name table
    expect(renderSvg(CHART)).toContain(`font-family="${CHART_FONT_FAMILY}, monospace"`);
  });

  it('sets text as wide as the layout measures it (CELL_W px a character at 10 px)', () => {
    for (const text of ['0.000', 'flow per interval', 'WWWWWWWWWWWWWWWWWWWW', 'iiiiiiiiiiiiiiiiiiii']) {
      const [first, last] = inkColumns(decodePng(svgToPng(textSvg(text))));
      const measured = text.length * CELL_W;
      // The ink is narrower than the advance by the side bearings: within 2 px of a character's cell at each end.
      expect(last - first + 1).toBeLessThanOrEqual(measured + 1);
      expect(last - first + 1).toBeGreaterThan(measured - 2 * CELL_W);
      expect(first).toBeGreaterThanOrEqual(10);
    }
  });
});

describe('SVG', () => {
  it('has the title, axes with units, a clipped step series and a dashed reference line', () => {
    const svg = renderSvg(CHART);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500"')).toBe(true);
    expect(svg).toContain('<title>Start-up curve, 1 mL/h</title>');
    expect(svg).toContain('>time (min)</text>');
    expect(svg).toContain('>flow (mL/h)</text>');
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('>set rate</text>');
    // The missing sample at i = 40 breaks the step line in two.
    expect(svg.match(/<polyline[^>]*stroke="#0072b2"[^>]*clip-path/g)).toHaveLength(2);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('escapes text', () => {
    expect(renderSvg({ ...CHART, title: 'a < b & "c"' })).toContain('<title>a &lt; b &amp; &quot;c&quot;</title>');
  });
});
