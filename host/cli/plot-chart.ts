// The delivered-volume chart of `pumpctl plot`, drawn with host/chart.

export function deliveredChart(series: { hours: number[]; ml: number[] }, format: 'svg' | 'png', title: string): Uint8Array {
  void series;
  void format;
  void title;
  throw new Error('chart library pending');
}
