// The chart library's public face: build a Chart (model.ts), get SVG text or PNG bytes (the
// SVG rendered by resvg). `pumpctl plot` and the accuracy reports use these; no browser needed.

export { type Axis, CHART_FONT_FAMILY, type Chart, PALETTE, type RefLine, type Series, type SeriesKind } from './model';
export { renderSvg } from './svg';
export { CHART_FONT_FILE, PNG_SIGNATURE, renderPng, svgToPng } from './png';
export { layout, type Scene, type Primitive } from './scene';
