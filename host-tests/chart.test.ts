// The chart library: SVG text and a PNG that is a valid image (chunk structure, IHDR, CRCs,
// inflated size), deterministic, with the series actually drawn.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type Chart, crc32, encodePng, layout, PNG_SIGNATURE, rasterize, renderPng, renderSvg } from '../host/chart/index';
import { GLYPH_COUNT, glyph } from '../host/chart/font5x7';

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
    const crc = view.getUint32(at + 8 + len);
    expect((crc32(png.subarray(at + 4, at + 8 + len)) ^ 0xffffffff) >>> 0, `CRC of ${type}`).toBe(crc);
    chunks.push({ type, data });
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  return chunks;
}

describe('PNG', () => {
  it('crc32 matches the published check value', () => {
    // CRC-32 of "123456789" is 0xCBF43926 (the catalogue check value).
    expect((crc32(new TextEncoder().encode('123456789')) ^ 0xffffffff) >>> 0).toBe(0xcbf43926);
  });

  it('a chart renders to a valid 800 x 500 palette PNG', () => {
    const png = renderPng(CHART);
    const chunks = parsePng(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
    const ihdr = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset, 13);
    expect([ihdr.getUint32(0), ihdr.getUint32(4)]).toEqual([800, 500]);
    expect([...chunks[0]!.data.subarray(8)]).toEqual([8, 3, 0, 0, 0]);
    const paletteSize = chunks[1]!.data.length / 3;
    expect(paletteSize).toBeGreaterThan(3);
    expect(paletteSize).toBeLessThanOrEqual(256);
    const raw = inflateSync(chunks[2]!.data);
    expect(raw.length).toBe(500 * (1 + 800));
    for (let y = 0; y < 500; y++) expect(raw[y * 801]).toBe(0);
    // Plausible size: far smaller than raw, far bigger than blank.
    expect(png.length).toBeGreaterThan(2_000);
    expect(png.length).toBeLessThan(100_000);
  });

  it('is deterministic', () => {
    expect(Buffer.from(renderPng(CHART)).equals(Buffer.from(renderPng(CHART)))).toBe(true);
    expect(renderSvg(CHART)).toBe(renderSvg(CHART));
  });

  it('falls back to RGB above 256 colours', () => {
    const w = 32;
    const h = 16;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) rgb.set([i & 0xff, i >> 8, 7], i * 3);
    const chunks = parsePng(encodePng(w, h, rgb));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks[0]!.data[9]).toBe(2);
    expect(Buffer.from(inflateSync(chunks[1]!.data)).subarray(1, 1 + w * 3)).toEqual(Buffer.from(rgb.subarray(0, w * 3)));
  });

  it('draws the series in its colour inside the plot, and text in the font', () => {
    const scene = layout(CHART);
    const cv = rasterize(scene);
    let blue = 0;
    for (let i = 0; i < cv.rgb.length; i += 3) if (cv.rgb[i] === 0x00 && cv.rgb[i + 1] === 0x72 && cv.rgb[i + 2] === 0xb2) blue++;
    expect(blue).toBeGreaterThan(500);
    expect(GLYPH_COUNT).toBe(95);
    // '1' in the classic 5 x 7 font: a vertical bar in column 2 with a foot.
    expect(glyph('1')).toEqual([0x00, 0x42, 0x7f, 0x40, 0x00]);
    expect(glyph('\u00b5')).toEqual(glyph('?'));
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
