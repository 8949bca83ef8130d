// The chart library's public face: build a Chart (model.ts), get SVG text or PNG bytes.
// `pumpctl plot` and the accuracy reports use these; nothing here needs a browser.

export { type Axis, type Chart, PALETTE, type RefLine, type Series, type SeriesKind } from './model';
export { renderSvg } from './svg';
export { renderPng, rasterize, Canvas } from './raster';
export { encodePng, crc32, PNG_SIGNATURE } from './png';
export { layout, type Scene, type Primitive } from './scene';
