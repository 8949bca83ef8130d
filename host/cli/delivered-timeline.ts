// The delivered volume over time that `pumpctl plot` draws, rebuilt from the finest data the
// pump keeps: its event log, to the second on the pump's clock. Between events the pump runs
// at the logged rate (rate events), plus any bolus at its volume over its duration, minus the
// back-off after an occlusion; nothing while paused, stopped or held by an alarm. The pump's
// hourly totals are exact, so each stretch between two hour-total events is scaled to end on
// its total (the model only places the volume within the hour); the last stretch runs to the
// pump's clock now, so the last partial hour and a bolus in it are drawn too. Pauses and alarm
// stops come back as intervals, alarms as instants, for the chart to mark.

import type { HistoryRecord } from './history';

export interface Stop {
  readonly fromS: number;
  /** Undefined: still stopped at the end. */
  readonly toS: number | undefined;
  readonly kind: 'paused' | 'alarm';
  /** The alarm's name, or the reason of the pause. */
  readonly why: string;
}

export interface DeliveredTimeline {
  /** [seconds on the pump's clock since boot, cumulative nl] from the first record to the end. */
  readonly points: readonly (readonly [number, number])[];
  readonly stops: readonly Stop[];
  readonly alarms: readonly { readonly atS: number; readonly name: string; readonly code: number }[];
  readonly boluses: readonly { readonly atS: number; readonly volumeNl: number; readonly kind: string }[];
  /** Where the hourly totals put the cumulative volume (the anchors). */
  readonly hourTotals: readonly (readonly [number, number])[];
  /** The end: the pump's clock now if given, else the last record. */
  readonly endS: number;
}

interface Bolus {
  readonly id: string;
  readonly startS: number;
  readonly endS: number;
  readonly nlPerS: number;
}

/** Rebuilds the curve from the records (oldest first); `nowS` is the pump's clock at download. */
export function deliveredTimeline(records: readonly HistoryRecord[], nowS?: number): DeliveredTimeline {
  // Only records on the boot clock: a drug-hour record is timed by the wall clock.
  const events = records.filter((r) => r.clock === 'boot');
  const points: [number, number][] = [];
  const stops: Stop[] = [];
  const alarms: { atS: number; name: string; code: number }[] = [];
  const boluses: { atS: number; volumeNl: number; kind: string }[] = [];
  const hourTotals: [number, number][] = [];
  let rateNlPerS = 0;
  let running = true;
  let open: { fromS: number; kind: 'paused' | 'alarm'; why: string } | undefined;
  let active: Bolus[] = [];
  let t = events[0]?.timeS ?? 0;
  let nl = 0;
  let anchor = { index: 0, nl: 0 };
  let anchored = false;

  const advance = (to: number): void => {
    if (to <= t) return;
    // Boluses end inside the step: integrate piecewise at each end.
    const cuts = [...active.map((b) => b.endS).filter((e) => e > t && e < to), to].sort((a, b) => a - b);
    for (const c of cuts) {
      const extra = active.filter((b) => b.startS <= t && b.endS > t).reduce((s, b) => s + b.nlPerS, 0);
      if (running) nl += (rateNlPerS + extra) * (c - t);
      t = c;
    }
    points.push([t, nl]);
  };
  const stop = (at: number, kind: 'paused' | 'alarm', why: string): void => {
    running = false;
    if (!open) open = { fromS: at, kind, why };
    else if (kind === 'alarm' && open.kind === 'paused') {
      // An alarm on a paused pump: the stop is now the alarm's.
      stops.push({ ...open, toS: at });
      open = { fromS: at, kind, why };
    }
    // Delivery stopped: a running bolus ends here (its own end event follows).
    active = active.map((b) => ({ ...b, endS: Math.min(b.endS, at) }));
  };
  const go = (at: number): void => {
    running = true;
    // A stop of no time (stop, refill, program in the same second) stopped no delivery.
    if (open && at > open.fromS) stops.push({ ...open, toS: at });
    open = undefined;
  };

  if (events.length > 0) points.push([t, 0]);
  for (const r of events) {
    advance(r.timeS);
    const f = r.fields;
    switch (r.type) {
      case 'rate':
        rateNlPerS = Number(f['rateNlPerDay'] ?? 0) / 86_400;
        break;
      case 'program':
      case 'resume':
        go(r.timeS);
        break;
      case 'pause':
      case 'stop':
        stop(r.timeS, 'paused', r.reason);
        break;
      case 'safe-state':
        stop(r.timeS, 'alarm', f['alarm'] ?? r.reason);
        break;
      case 'alarm':
        alarms.push({ atS: r.timeS, name: f['alarm'] ?? r.reason, code: Number(f['code'] ?? 0) });
        break;
      case 'bolus-start': {
        const volumeNl = Number(f['volumeNl'] ?? 0);
        const durS = Math.max(1, Number(f['durationMs'] ?? 0) / 1000);
        active.push({ id: f['id'] ?? '', startS: r.timeS, endS: r.timeS + durS, nlPerS: volumeNl / durS });
        boluses.push({ atS: r.timeS, volumeNl, kind: f['kind'] ?? 'bolus' });
        break;
      }
      case 'bolus-end':
      case 'bolus-interrupted':
        active = active.filter((b) => b.id !== (f['id'] ?? ''));
        break;
      case 'backoff':
        nl -= Number(f['volumeNl'] ?? 0);
        points.push([t, nl]);
        break;
      case 'hour-total': {
        const total = Number(f['deliveredNl'] ?? 0);
        // The first total covers an hour that may have begun before the log: it anchors the
        // curve where the model has it unless the log starts at the pump's first record.
        const target = anchored || events[0]?.seq === 1 ? anchor.nl + total : nl;
        scale(points, anchor.index, anchor.nl, nl, target);
        if (points[points.length - 1]![1] !== target) points.push([t, target]);
        nl = target;
        anchor = { index: points.length - 1, nl };
        anchored = true;
        hourTotals.push([t, nl]);
        break;
      }
    }
  }
  const endS = Math.max(t, nowS ?? t);
  advance(endS);
  if (open) stops.push({ ...open, toS: undefined });
  return { points, stops, alarms, boluses, hourTotals, endS };
}

/** Scales the increments after points[from] so that the last point lands on `target`. */
function scale(points: [number, number][], from: number, base: number, reached: number, target: number): void {
  const span = reached - base;
  if (span <= 0) return; // nothing modelled in the hour: leave the points, the anchor moves the line
  const k = (target - base) / span;
  for (let i = from + 1; i < points.length; i++) points[i]![1] = base + (points[i]![1] - base) * k;
}

/** The cumulative volume at `s`, read off the curve (for marking instants on it). */
export function volumeAt(timeline: DeliveredTimeline, s: number): number {
  const p = timeline.points;
  let v = p[0]?.[1] ?? 0;
  for (const [ts, nl] of p) {
    if (ts > s) break;
    v = nl;
  }
  return v;
}
