// The chart model the SVG renderer (and through it the PNG) draws: a title, two axes with
// labels and units, line / step / point series, horizontal reference lines and a legend. Plain
// data, so pumpctl and the accuracy reports build it without knowing how it is drawn.

export interface Axis {
  readonly label: string;
  readonly unit?: string;
  /** Fixed ends; by default the data's range with a margin, widened to whole ticks. */
  readonly min?: number;
  readonly max?: number;
}

export type SeriesKind = 'line' | 'step' | 'points';

export interface Series {
  readonly name: string;
  readonly kind?: SeriesKind;
  /** [x, y] pairs in axis units; a null y breaks a line (a missing sample). */
  readonly points: readonly (readonly [number, number | null])[];
  /** #rrggbb; by default the next colour of PALETTE. */
  readonly color?: string;
  /** Line width in px (default 2). */
  readonly width?: number;
}

export interface RefLine {
  readonly y: number;
  readonly label?: string;
  readonly color?: string;
  readonly dashed?: boolean;
}

export interface Chart {
  readonly title: string;
  /** px (default 800 x 500). */
  readonly width?: number;
  readonly height?: number;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly Series[];
  readonly refLines?: readonly RefLine[];
  /** Draw the legend (default true when there is more than one series or a labelled line). */
  readonly legend?: boolean;
}

/** The charts' one font: svg.ts names it, png.ts loads its file (DejaVu Sans Mono, bundled). */
export const CHART_FONT_FAMILY = 'DejaVu Sans Mono';

/** Colour-blind-safe defaults (Okabe and Ito 2008). */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'] as const;

export function axisTitle(a: Axis): string {
  return a.unit ? `${a.label} (${a.unit})` : a.label;
}
