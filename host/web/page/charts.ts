// The live charts: delivered volume, rate with the flow at the sensor, and line pressure, drawn
// by uPlot on canvas against board time, with pauses (grey) and alarms (red) as bands. Every
// sample is kept; what is drawn is at most about two points per pixel column (the smallest and
// largest value of each bucket, so a spike is never lost), and drawing happens at most once an
// animation frame, so hours of one-second samples stay smooth.

import uPlot from 'uplot';
import type { Sample } from '../messages';
import { clock, h } from './dom';

interface Band {
  t0: number;
  t1: number;
  kind: 1 | 2;
}

const BAND_COLOUR = { 1: 'rgba(90, 90, 90, 0.18)', 2: 'rgba(190, 0, 30, 0.22)' } as const;

/** Bucketed min/max of `ys` over `xs` into at most `buckets` buckets (x of the bucket's first point). */
export function decimate(xs: readonly number[], series: readonly (readonly (number | null)[])[], buckets: number): number[][] {
  const n = xs.length;
  if (n <= buckets * 2) return [xs.slice(), ...series.map((s) => s.map((v) => (v === null ? NaN : v)))];
  const per = n / buckets;
  const outX: number[] = [];
  const outS: number[][] = series.map(() => []);
  for (let b = 0; b < buckets; b++) {
    const i0 = Math.floor(b * per);
    const i1 = Math.min(n, Math.floor((b + 1) * per));
    if (i1 <= i0) continue;
    // Two points per bucket: the minimum first, then the maximum, at the bucket's two ends.
    outX.push(xs[i0]!, xs[i1 - 1]!);
    series.forEach((s, k) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = i0; i < i1; i++) {
        const v = s[i];
        if (v === null || v === undefined) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      outS[k]!.push(lo === Infinity ? NaN : lo, hi === -Infinity ? NaN : hi);
    });
  }
  return [outX, ...outS];
}

export class Charts {
  readonly #t: number[] = [];
  readonly #delivered: number[] = [];
  readonly #rate: number[] = [];
  readonly #flow: (number | null)[] = [];
  readonly #pressure: (number | null)[] = [];
  readonly #bands: Band[] = [];
  readonly #plots: { plot: uPlot; data: () => (readonly (number | null)[])[] }[] = [];
  #pending = false;
  #hasLine = false;
  #resizeHooked = false;
  readonly #root: HTMLElement;
  /** Milliseconds the last redraw took (the page's own frame budget check). */
  lastDrawMs = 0;

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  #build(): void {
    const width = Math.max(260, Math.min(this.#root.clientWidth || 600, 1200) - 8);
    const bandsPlugin: uPlot.Plugin = {
      hooks: {
        drawClear: (u: uPlot) => {
          const ctx = u.ctx;
          const { left, top, height } = u.bbox;
          ctx.save();
          for (const b of this.#bands) {
            const x0 = u.valToPos(b.t0, 'x', true);
            const x1 = u.valToPos(b.t1, 'x', true);
            if (x1 < left || x0 > left + u.bbox.width) continue;
            ctx.fillStyle = BAND_COLOUR[b.kind];
            ctx.fillRect(Math.max(left, x0), top, Math.max(1, Math.min(x1, left + u.bbox.width) - Math.max(left, x0)), height);
          }
          ctx.restore();
        },
      },
    };
    const axisX: uPlot.Axis = { values: (_u, splits) => splits.map((s) => clock(s * 1000)), label: 'board time (h:mm:ss since boot)' };
    const make = (title: string, series: uPlot.Series[], label: string, data: () => (readonly (number | null)[])[]): void => {
      const box = h('figure', { class: 'chart' });
      const caption = h('figcaption', { text: title });
      box.append(caption);
      this.#root.append(box);
      const opts: uPlot.Options = {
        width,
        height: 180,
        scales: { x: { time: false } },
        series: [{ label: 'time', value: (_u, v) => (v === null ? '' : clock(v * 1000)) }, ...series],
        axes: [axisX, { label, size: 60 }],
        plugins: [bandsPlugin],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
      };
      const plot = new uPlot(opts, [[]], box);
      plot.root.setAttribute('role', 'img');
      plot.root.setAttribute('aria-label', `${title} chart; the figures are in the status panel and the history table`);
      this.#plots.push({ plot, data });
    };
    make('Delivered volume', [{ label: 'delivered (mL)', stroke: '#0b5394', width: 2 }], 'mL', () => [this.#delivered]);
    make(
      'Rate and flow',
      [{ label: 'programmed rate (mL/day)', stroke: '#38761d', width: 2 }, ...(this.#hasLine ? [{ label: 'flow at the sensor (mL/day)', stroke: '#a64d79', width: 1 }] : [])],
      'mL/day',
      () => (this.#hasLine ? [this.#rate, this.#flow] : [this.#rate]),
    );
    if (this.#hasLine) make('Line pressure', [{ label: 'pressure (kPa)', stroke: '#b45f06', width: 1.5 }], 'kPa', () => [this.#pressure]);
  }

  /** Replaces every sample (a page that just connected). */
  reset(samples: readonly Sample[]): void {
    this.#t.length = 0;
    this.#delivered.length = 0;
    this.#rate.length = 0;
    this.#flow.length = 0;
    this.#pressure.length = 0;
    this.#bands.length = 0;
    this.push(samples);
  }

  push(samples: readonly Sample[]): void {
    for (const s of samples) {
      const t = s.t / 1000;
      const prev = this.#t[this.#t.length - 1];
      if (prev !== undefined && t < prev) {
        this.reset([s]); // the board restarted: a new chart
        return;
      }
      this.#t.push(t);
      this.#delivered.push(s.deliveredNl / 1e6);
      this.#rate.push(s.rateNlPerDay / 1e6);
      this.#flow.push(s.flowNlPerMin === null ? null : (s.flowNlPerMin * 1440) / 1e6);
      this.#pressure.push(s.pressureKpa);
      if (s.pressureKpa !== null) this.#hasLine = true;
      const last = this.#bands[this.#bands.length - 1];
      if (s.band === 0) continue;
      if (last && last.kind === s.band && prev !== undefined && last.t1 === prev) last.t1 = t;
      else this.#bands.push({ t0: prev ?? t, t1: t, kind: s.band });
    }
    this.#schedule();
  }

  get sampleCount(): number {
    return this.#t.length;
  }

  /** The bands drawn (board seconds; 1 paused or stopped, 2 alarm), for the tests. */
  get bands(): readonly Readonly<Band>[] {
    return this.#bands.map((b) => ({ ...b }));
  }

  /** The charts' titles, in order. */
  get titles(): string[] {
    return this.#plots.map((p) => p.plot.root.getAttribute('aria-label') ?? '');
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.draw();
    });
  }

  /** Draws every chart now; returns how long it took (ms). */
  draw(): number {
    const start = performance.now();
    const wantPlots = this.#hasLine ? 3 : 2;
    if (!this.#resizeHooked) {
      this.#resizeHooked = true;
      addEventListener('resize', () => this.#schedule());
    }
    if (this.#plots.length !== wantPlots) {
      for (const p of this.#plots) p.plot.destroy();
      this.#plots.length = 0;
      this.#root.replaceChildren();
      this.#build();
    }
    const width = Math.max(260, Math.min(this.#root.clientWidth || 600, 1200) - 8);
    for (const p of this.#plots) {
      // Follows the window: a narrow one gets narrow charts, never a sideways scroll.
      if (p.plot.width !== width) p.plot.setSize({ width, height: 180 });
      const buckets = Math.max(100, Math.floor(p.plot.bbox.width / devicePixelRatio / 2) || 400);
      p.plot.setData(decimate(this.#t, p.data(), buckets) as uPlot.AlignedData);
    }
    this.lastDrawMs = performance.now() - start;
    return this.lastDrawMs;
  }
}
