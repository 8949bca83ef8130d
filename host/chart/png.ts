// A chart as a PNG: the SVG from svg.ts rendered by resvg (@resvg/resvg-js), so the PNG shows
// exactly what the SVG says. The only font is DejaVu Sans Mono from the dejavu-fonts-ttf
// package, with the machine's fonts not loaded, so a report renders the same on every machine.
// Mono, because the layout (scene.ts) measures text as 6 px a character at 10 px, and DejaVu
// Sans Mono's advance is 0.602 em: the legend box and the label margins fit their text.

import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { Chart } from './model';
import { CHART_FONT_FAMILY } from './model';
import { renderSvg } from './svg';

/** The one font file loaded: the face of CHART_FONT_FAMILY, the family svg.ts names. */
export const CHART_FONT_FILE = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf');

/** The eight bytes every PNG file starts with (ISO/IEC 15948, 5.2). */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** An SVG as PNG bytes at its own size, with the bundled font only. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'original' },
    font: {
      loadSystemFonts: false,
      fontFiles: [CHART_FONT_FILE],
      defaultFontFamily: CHART_FONT_FAMILY,
      monospaceFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}

/** The chart as a PNG file (RGBA, the size the chart asks for). */
export function renderPng(chart: Chart): Uint8Array {
  return svgToPng(renderSvg(chart));
}
