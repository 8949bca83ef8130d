// The two charts of an accuracy report, as chart models: the start-up curve (Q_i over the
// first hour against the set rate) and the trumpet curve (Ep(max), Ep(min) against the
// observation window P, with A as a line), the way IEC 60601-2-24 presents them.

import type { Chart } from '../chart/model';
import type { Analysis } from './gravimetric';

export function startupChart(a: Analysis): Chart {
  const points = a.startup.map((iv) => [iv.endMs / 60_000, iv.flowMlPerH] as const);
  const marked = a.startup.filter((iv) => iv.flags.length > 0 && iv.flowMlPerH !== null).map((iv) => [iv.endMs / 60_000, iv.flowMlPerH] as const);
  return {
    title: `Start-up curve at ${fmtRate(a.rateMlPerH)}`,
    x: { label: 'time', unit: 'min', min: 0 },
    y: { label: 'flow Q_i', unit: 'mL/h' },
    series: [{ name: 'flow per interval', kind: 'step', points }, ...(marked.length ? [{ name: 'marked samples', kind: 'points' as const, points: marked, color: '#d55e00' }] : [])],
    refLines: [{ y: a.rateMlPerH, label: 'set rate' }],
  };
}

export function trumpetChart(a: Analysis): Chart {
  const pts = (f: (p: Analysis['trumpet'][number]) => number | null): [number, number | null][] => a.trumpet.map((p) => [p.windowMin, f(p)]);
  return {
    title: `Trumpet curve at ${fmtRate(a.rateMlPerH)}`,
    x: { label: 'observation window P', unit: 'min', min: 0 },
    y: { label: 'flow error', unit: '%' },
    series: [
      { name: 'Ep(max)', kind: 'line', points: pts((p) => p.maxPct) },
      { name: 'Ep(min)', kind: 'line', points: pts((p) => p.minPct) },
    ],
    refLines: [
      { y: a.secondHour.errorPct ?? 0, label: `A = ${a.secondHour.errorPct === null ? 'n/a' : a.secondHour.errorPct.toFixed(2)} %`, color: '#009e73' },
      { y: 0, dashed: false, color: '#888888' },
    ],
  };
}

function fmtRate(r: number): string {
  return r >= 0.1 ? `${r} mL/h` : `${Math.round(r * 1_000_000)} nl/h`;
}
