// The dose guard: a second, independent line of defence between the delivery engine and the
// stepper driver (issue 13). It trusts neither: it counts the STEP pulses that really left the
// board (an independent counter, firmware/ports/step-counter.ts), and compares them, over any
// rolling hour and any rolling 24 h, with an allowance derived only from the committed
// prescription, the boluses accepted at the command desk and a stated margin. It never reads
// the engine's owed steps or the driver's position. Pure: `check(now, pulses)` says whether the
// allowance is breached; the app then disables the driver and raises OVER_DELIVERY through the
// one fault path. Nothing turns it off.
//
// Windows: pulses are summed in 1-minute buckets over the last 61 minutes and 10-minute buckets
// over the last 24 h 10 min, so a window's sum covers at least the hour (the day) and at most
// one bucket more; the allowances are computed for those longer spans, so steady delivery at
// the prescribed rate never reaches them.
//
// Direction (issue 15): the counter counts pulses either way. Counted as delivery, an occlusion
// back-off at 0.1 mL/h (10-40 uL against a 10 uL margin) tripped the guard mid back-off, which
// cut the back-off short (a 171 uL release on one rig of the population), and the forward steps
// that later take the line's pressure up again counted a second time. The guard therefore counts
// the plunger's advance past the furthest point it reached: pulses sent while the DIR line stood
// reverse put it behind that point, and forward pulses count again once it is back there. The
// DIR line is the one the driver obeys (the app tells the guard when it sets it), not the
// engine's bookkeeping; and how far behind the plunger may be is bounded by what the day window
// counted forward, so a DIR line that lied could hide at most that much, once. How far behind is
// not stored: after a reset the make-good counts as delivery (erring high, as before).

import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { Prescription } from './prescription';
import { peakBasalNlPerDay } from './schedule';
import { FL_PER_NL, MS_PER_DAY, MS_PER_MINUTE } from './units';

/** The margin on every allowance: 5 %, and at least this much (rounding, late stops). */
export const GUARD_MARGIN_PCT = 5;
export const GUARD_MARGIN_MIN_NL = 10_000;
const HOUR_BUCKET_MS = MS_PER_MINUTE;
const HOUR_BUCKETS = 61;
const DAY_BUCKET_MS = 10 * MS_PER_MINUTE;
const DAY_BUCKETS = 145;
const HOUR_SPAN_MS = HOUR_BUCKET_MS * HOUR_BUCKETS;
const DAY_SPAN_MS = DAY_BUCKET_MS * DAY_BUCKETS;

/** Pulses in fixed buckets over a rolling span; allocation-free once built. */
class Buckets {
  readonly counts: Float64Array;
  readonly #bucketMs: number;
  /** Index of the bucket that holds `#headStartMs`. */
  #head = 0;
  #headStartMs = 0;
  #sum = 0;

  constructor(bucketMs: number, n: number, now: number) {
    this.counts = new Float64Array(n);
    this.#bucketMs = bucketMs;
    this.#headStartMs = now - (now % bucketMs);
  }

  get sum(): number {
    return this.#sum;
  }

  /** Moves the head to the bucket holding `now`, clearing the buckets it passes. */
  roll(now: number): void {
    const n = this.counts.length;
    let steps = Math.floor((now - this.#headStartMs) / this.#bucketMs);
    if (steps <= 0) return;
    this.#headStartMs += steps * this.#bucketMs;
    if (steps > n) steps = n;
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % n;
      this.#sum -= this.counts[this.#head]!;
      this.counts[this.#head] = 0;
    }
  }

  add(now: number, pulses: number): void {
    this.roll(now);
    this.counts[this.#head] = this.counts[this.#head]! + pulses;
    this.#sum += pulses;
  }

  /** The buckets oldest first (for storage), and back. */
  snapshot(): number[] {
    const out: number[] = [];
    for (let i = 1; i <= this.counts.length; i++) out.push(this.counts[(this.#head + i) % this.counts.length]!);
    return out;
  }

  restore(oldestFirst: readonly number[], now: number): void {
    const n = this.counts.length;
    this.#headStartMs = now - (now % this.#bucketMs);
    this.#head = n - 1;
    this.#sum = 0;
    for (let i = 0; i < n; i++) {
      const v = oldestFirst[oldestFirst.length - n + i] ?? 0;
      this.counts[i] = v;
      this.#sum += v;
    }
  }
}

/** What a prescription allows at most, in nl, over the guard's hour and day spans. */
export interface Allowance {
  readonly hourNl: number;
  readonly dayNl: number;
}

/** Doses of a bolus every `everyMs` (lasting `durationMs`) that can deliver within `spanMs`. */
function dosesIn(spanMs: number, everyMs: number, durationMs: number): number {
  return Math.floor((spanMs + durationMs) / everyMs) + 1;
}

/**
 * The most a prescription can deliver in a span: the peak basal rate all along, every patient
 * bolus the lockout and maxima allow, every periodic dose, every trial dose. Derived from the
 * prescription alone (the library bounds what a prescription may say).
 */
export function allowanceFor(rx: Prescription, spanMs: number): number {
  let nl = Math.ceil((peakBasalNlPerDay(rx.basal) * spanMs) / MS_PER_DAY);
  const p = rx.patientBolus;
  if (p) {
    // The lockout bounds the count; the ledger counts each bolus until 24 h after it ends, so
    // every bolus starting within 24 h + its duration of the first was checked against it:
    // within such a window at most the daily maximum starts, plus one begun just before.
    const days = Math.max(1, Math.ceil((spanMs - p.durationMs) / MS_PER_DAY));
    const doses = Math.min(dosesIn(spanMs, p.lockoutMs, p.durationMs), days * p.maxPer24h + 1);
    nl += Math.min(doses * p.volumeNl, days * p.maxVolumeNlPer24h + p.volumeNl);
  }
  const q = rx.periodicBolus;
  if (q) nl += dosesIn(spanMs, q.everyMs, q.durationMs) * q.volumeNl;
  if (rx.basal.mode === 'trial') for (const d of rx.basal.trial.doses) nl += d.volumeNl;
  return nl;
}

function withMargin(nl: number): number {
  return nl + Math.max(GUARD_MARGIN_MIN_NL, Math.ceil((nl * GUARD_MARGIN_PCT) / 100));
}

/** A breach: which window, what was counted and what was allowed. */
export interface Breach {
  readonly window: 'hour' | 'day';
  readonly countedNl: number;
  readonly allowedNl: number;
}

/** The alarm's text for a breach, found `now` or `still` there after an acknowledgement. */
export function breachText(b: Breach, when: 'now' | 'still'): string {
  return `dose guard: ${b.countedNl} nl counted on the STEP line in the last ${b.window}, ${when} over the ${b.allowedNl} nl the prescription allows`;
}

/** What storage keeps of the guard across resets (with the dose memory). */
export interface GuardMemory {
  readonly hour: readonly number[];
  readonly day: readonly number[];
  /** Extra allowance from accepted clinician boluses and priming: [untilMs, nl]. */
  readonly extra: readonly (readonly [number, number])[];
  /** The previous prescription's allowance and until when it still counts. */
  readonly previous: readonly [number, number, number] | undefined;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Checks a stored copy of the guard's memory; a bad one is a storage fault, never a default. */
export function readGuardMemory(input: unknown): Result<GuardMemory> {
  const bad = (what: string): Result<GuardMemory> => fail(pumpError('STORAGE_CORRUPT', `the dose guard's record is unreadable: ${what}`));
  if (typeof input !== 'object' || input === null) return bad('not an object');
  const r = input as Record<string, unknown>;
  const hour = r['hour'];
  const day = r['day'];
  if (!Array.isArray(hour) || hour.length !== HOUR_BUCKETS || !hour.every(isCount)) return bad('hour');
  if (!Array.isArray(day) || day.length !== DAY_BUCKETS || !day.every(isCount)) return bad('day');
  const extra = r['extra'];
  if (!Array.isArray(extra) || !extra.every((e) => Array.isArray(e) && e.length === 2 && e.every(isCount))) return bad('extra');
  const prev = r['previous'];
  if (prev !== undefined && prev !== null && !(Array.isArray(prev) && prev.length === 3 && prev.every(isCount))) return bad('previous');
  return ok({ hour, day, extra: extra as [number, number][], previous: prev ? (prev as [number, number, number]) : undefined });
}

export class DoseGuard {
  readonly #hour: Buckets;
  readonly #day: Buckets;
  #allowance: Allowance = { hourNl: 0, dayNl: 0 };
  /** After a new prescription, the old one's allowance still counts for a day. */
  #previous: Allowance = { hourNl: 0, dayNl: 0 };
  #previousUntilMs = 0;
  /** Accepted clinician boluses and priming: volume allowed until the entry expires. */
  readonly #extra: [number, number][] = [];
  #lastPulses: number | undefined;
  /** Pulses the windows can still take, as of the last check (the smaller of the two). */
  #headroomPulses = 0;
  /** Every pulse the guard has counted (storage saves the windows when this moved enough). */
  pulsesSeen = 0;
  #flPerMicrostep: number;
  readonly #breach: { window: 'hour' | 'day'; countedNl: number; allowedNl: number } = { window: 'hour', countedNl: 0, allowedNl: 0 };
  /** The DIR line for the pulses being counted now: 1 forward, -1 reverse (set by the app). */
  #direction: 1 | -1 = 1;
  /** Pulses the plunger stands behind the furthest point it reached (reverse not yet made good). */
  #behindPulses = 0;

  constructor(now: number, flPerMicrostep: number) {
    this.#hour = new Buckets(HOUR_BUCKET_MS, HOUR_BUCKETS, now);
    this.#day = new Buckets(DAY_BUCKET_MS, DAY_BUCKETS, now);
    this.#flPerMicrostep = flPerMicrostep;
  }

  /** A prescription was committed: its allowance from now on (the old one's for a day more). */
  prescribe(now: number, rx: Prescription | undefined): void {
    const next = rx ? { hourNl: allowanceFor(rx, HOUR_SPAN_MS), dayNl: allowanceFor(rx, DAY_SPAN_MS) } : { hourNl: 0, dayNl: 0 };
    if (now < this.#previousUntilMs) this.#previous = { hourNl: Math.max(this.#previous.hourNl, this.#allowance.hourNl), dayNl: Math.max(this.#previous.dayNl, this.#allowance.dayNl) };
    else this.#previous = this.#allowance;
    this.#previousUntilMs = now + DAY_SPAN_MS;
    this.#allowance = next;
  }

  /** A clinician bolus or priming was accepted at the command desk: its volume is allowed too. */
  accepted(now: number, volumeNl: number, durationMs: number): void {
    this.#extra.push([now + durationMs + DAY_SPAN_MS, volumeNl]);
  }

  /**
   * The DIR line was set for the pulses that follow (the app calls this where it sets the line,
   * after `check` counted the pulses sent before). Reverse pulses are not delivery; the forward
   * pulses that make them good are not delivery either (dose-guard.ts, "Direction").
   */
  direction(dir: 1 | -1): void {
    this.#direction = dir;
  }

  /** How far behind its furthest point the plunger stands, in pulses (for tests and status). */
  get behindPulses(): number {
    return this.#behindPulses;
  }

  /** The volume of a microstep changed (new mechanics, a calibration). */
  setFlPerMicrostep(fl: number): void {
    this.#flPerMicrostep = fl;
  }

  /** What is allowed now over the hour and the day windows, margin included. */
  allowed(now: number): Allowance {
    const prev = now < this.#previousUntilMs ? this.#previous : { hourNl: 0, dayNl: 0 };
    let extra = 0;
    for (let i = 0; i < this.#extra.length; i++) if (this.#extra[i]![0] > now) extra += this.#extra[i]![1];
    return {
      hourNl: withMargin(Math.max(this.#allowance.hourNl, prev.hourNl) + extra),
      dayNl: withMargin(Math.max(this.#allowance.dayNl, prev.dayNl) + extra),
    };
  }

  /**
   * Takes the independent counter's total and checks both windows. Returns the breach (the
   * guard's own object, valid until the next call) or undefined. No allocation on this path.
   */
  check(now: number, pulses: number): Breach | undefined {
    const last = this.#lastPulses;
    this.#lastPulses = pulses;
    const d = last === undefined ? 0 : pulses - last;
    // A counter that went backwards was reset or wrapped: what it counted since is unknown, and
    // the guard takes the new total as all new (erring high) rather than as nothing.
    const counted = d >= 0 ? d : pulses;
    this.pulsesSeen += counted;
    let added = counted;
    if (this.#direction === -1) {
      // Behind the furthest point by at most what the day counted forward: past that, reverse
      // pulses are not believed, and count as delivery (erring high).
      const room = Math.max(0, this.#day.sum - this.#behindPulses);
      const back = Math.min(counted, room);
      this.#behindPulses += back;
      added = counted - back;
    } else if (this.#behindPulses > 0) {
      const good = Math.min(counted, this.#behindPulses);
      this.#behindPulses -= good;
      added = counted - good;
    }
    this.#hour.add(now, added);
    this.#day.add(now, added);
    let extra = 0;
    for (let i = this.#extra.length - 1; i >= 0; i--) {
      const e = this.#extra[i]!;
      if (e[0] <= now) this.#extra.splice(i, 1);
      else extra += e[1];
    }
    const prevActive = now < this.#previousUntilMs;
    const hourAllowed = withMargin(Math.max(this.#allowance.hourNl, prevActive ? this.#previous.hourNl : 0) + extra);
    const dayAllowed = withMargin(Math.max(this.#allowance.dayNl, prevActive ? this.#previous.dayNl : 0) + extra);
    const hourNl = this.#nl(this.#hour.sum);
    const dayNl = this.#nl(this.#day.sum);
    const headroomNl = Math.min(hourAllowed - hourNl, dayAllowed - dayNl);
    // Pulses behind the furthest point are made good before any counts (the back-off's return).
    this.#headroomPulses = (headroomNl > 0 ? Math.floor((headroomNl * FL_PER_NL) / this.#flPerMicrostep) : 0) + this.#behindPulses;
    const b = this.#breach;
    if (hourNl > hourAllowed) {
      b.window = 'hour';
      b.countedNl = hourNl;
      b.allowedNl = hourAllowed;
      return b;
    }
    if (dayNl > dayAllowed) {
      b.window = 'day';
      b.countedNl = dayNl;
      b.allowedNl = dayAllowed;
      return b;
    }
    return undefined;
  }

  /** The hour allowance (margin included) in pulses, for sizing how often storage keeps the windows. */
  get hourAllowancePulses(): number {
    return Math.floor((withMargin(this.#allowance.hourNl) * FL_PER_NL) / this.#flPerMicrostep);
  }

  /** Forward pulses that may still run before a window is over its allowance (as of the last check). */
  get headroomPulses(): number {
    return this.#headroomPulses;
  }

  /**
   * How soon to read again once pulses flow: at most GUARD_CHECK_MS, and sooner near the
   * allowance, so a motor running away at `maxStepHz` passes it by no more than about
   * GUARD_MIN_CHECK_MS of pulses before it is seen.
   */
  nextCheckMs(maxStepHz: number): number {
    const ms = Math.floor((this.#headroomPulses * 1_000) / maxStepHz);
    return ms >= GUARD_CHECK_MS ? GUARD_CHECK_MS : Math.max(ms, GUARD_MIN_CHECK_MS);
  }

  #nl(pulses: number): number {
    return Math.floor((pulses * this.#flPerMicrostep) / FL_PER_NL);
  }

  /**
   * For storage: the windows as they stand at `now` (rolled first: a bucket is kept at the
   * time it covers, not at the time of the last check), the extra allowances and the previous
   * prescription's.
   */
  memory(now: number): GuardMemory {
    this.#hour.roll(now);
    this.#day.roll(now);
    return {
      hour: this.#hour.snapshot(),
      day: this.#day.snapshot(),
      extra: this.#extra.map((e) => [e[0], e[1]] as const),
      previous: [this.#previous.hourNl, this.#previous.dayNl, this.#previousUntilMs],
    };
  }

  /** After a reset: the windows as stored (time off does not count, as for the pump's clock). */
  restore(now: number, m: GuardMemory): void {
    this.#hour.restore(m.hour, now);
    this.#day.restore(m.day, now);
    for (const e of m.extra) this.#extra.push([e[0], e[1]]);
    if (m.previous) {
      this.#previous = { hourNl: m.previous[0], dayNl: m.previous[1] };
      this.#previousUntilMs = m.previous[2];
    }
  }

  /**
   * The memory was lost at a reset: count the whole bolus part of the day's allowance as used
   * now, so only the basal can run until it ages out (the most the lost windows could hold).
   */
  lost(now: number, rx: Prescription | undefined): void {
    if (!rx) return;
    const basalNl = Math.ceil((peakBasalNlPerDay(rx.basal) * DAY_SPAN_MS) / MS_PER_DAY);
    const usedNl = Math.max(0, allowanceFor(rx, DAY_SPAN_MS) - basalNl);
    this.#day.add(now, Math.ceil((usedNl * FL_PER_NL) / this.#flPerMicrostep));
  }
}

/** While pulses flow the guard reads at least this often (the bound). */
export const GUARD_CHECK_MS = 100;
/** Near the allowance the checks come closer, down to this (the FreeRTOS tick is 1 ms). */
export const GUARD_MIN_CHECK_MS = 5;
export const GUARD_SPANS = { hourMs: HOUR_SPAN_MS, dayMs: DAY_SPAN_MS };
