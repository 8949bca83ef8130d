// The basal rate as a function of time: continuous, flexible (time-of-day steps that repeat
// every day) or a continuous trial that ends. Each answer comes with the exact millisecond the
// rate next changes, so the engine can integrate piecewise and switch at that millisecond.

import type { TableReason } from './events';
import type { Basal, Prescription } from './prescription';
import { FL_PER_NL, MS_PER_DAY, volumeAtRateNl } from './units';

/** Where monotonic time meets the prescription and the wall clock. */
export interface Timebase {
  /** Monotonic ms at which the prescription started. */
  readonly startMs: number;
  /** Time of day (ms after midnight) at monotonic 0: timeOfDay(t) = (t + offset) mod day. */
  readonly todOffsetMs: number;
}

export interface BasalSegment {
  readonly rateNlPerDay: number;
  /** Monotonic ms at which this rate stops applying (Infinity when it never changes). */
  readonly untilMs: number;
  readonly reason: TableReason;
  /** Index of the flexible step in force, or -1. */
  readonly step: number;
}

export function timeOfDay(t: number, todOffsetMs: number): number {
  return (((t + todOffsetMs) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

/** The basal rate in force at monotonic time `t` and until when it holds. */
export function basalAt(basal: Basal, t: number, tb: Timebase): BasalSegment {
  switch (basal.mode) {
    case 'continuous':
      return { rateNlPerDay: basal.rateNlPerDay, untilMs: Infinity, reason: 'CONTINUOUS_RATE', step: -1 };
    case 'flexible': {
      const steps = basal.steps;
      const tod = timeOfDay(t, tb.todOffsetMs);
      // The step in force is the last one started by now; before the first start of the day,
      // the previous day's last step is still running.
      let i = steps.length - 1;
      for (let k = 0; k < steps.length; k++) {
        if (steps[k]!.startMs <= tod) i = k;
        else break;
      }
      if (steps.length === 1) return { rateNlPerDay: steps[0]!.rateNlPerDay, untilMs: Infinity, reason: 'SCHEDULE_STEP', step: 0 };
      const next = (i + 1) % steps.length;
      const midnight = t - tod;
      let nextStart = midnight + steps[next]!.startMs;
      if (nextStart <= t) nextStart += MS_PER_DAY;
      return { rateNlPerDay: steps[i]!.rateNlPerDay, untilMs: nextStart, reason: 'SCHEDULE_STEP', step: i };
    }
    case 'trial': {
      const c = basal.trial.continuous;
      if (c && t < tb.startMs + c.durationMs) {
        return { rateNlPerDay: c.rateNlPerDay, untilMs: tb.startMs + c.durationMs, reason: 'TRIAL_CONTINUOUS', step: -1 };
      }
      return { rateNlPerDay: 0, untilMs: Infinity, reason: c ? 'TRIAL_ENDED' : 'NO_BASAL', step: -1 };
    }
  }
}

/** Basal volume over one whole day (for a trial: over its first day). */
export function basalDailyNl(basal: Basal): number {
  switch (basal.mode) {
    case 'continuous':
      return basal.rateNlPerDay;
    case 'flexible': {
      // A plain loop, not forEach: the closure would make XS give this function a heap
      // environment on every call, and the battery check calls it every minute.
      let total = 0;
      const steps = basal.steps;
      for (let i = 0; i < steps.length; i++) {
        const end = i + 1 < steps.length ? steps[i + 1]!.startMs : steps[0]!.startMs + MS_PER_DAY;
        total += volumeAtRateNl(steps[i]!.rateNlPerDay, end - steps[i]!.startMs);
      }
      // The first step's share before its own start belongs to the last step (midnight wrap):
      // the loop above already counted the last step up to the first start of the next day.
      return total;
    }
    case 'trial': {
      const c = basal.trial.continuous;
      return c ? volumeAtRateNl(c.rateNlPerDay, Math.min(c.durationMs, MS_PER_DAY)) : 0;
    }
  }
}

/** The highest basal rate the prescription ever runs. */
export function peakBasalNlPerDay(basal: Basal): number {
  switch (basal.mode) {
    case 'continuous':
      return basal.rateNlPerDay;
    case 'flexible':
      return Math.max(...basal.steps.map((s) => s.rateNlPerDay));
    case 'trial':
      return basal.trial.continuous?.rateNlPerDay ?? 0;
  }
}

/**
 * The most the prescription can deliver in any 24 hours, excluding priming and clinician
 * boluses: basal, every periodic bolus that can fall in the window, every trial dose, and the
 * patient's whole 24-hour maximum. Used for library dose limits and the worst-case projection.
 */
export function worstCaseDailyNl(rx: Prescription): number {
  let total = basalDailyNl(rx.basal);
  if (rx.periodicBolus) total += Math.ceil(MS_PER_DAY / rx.periodicBolus.everyMs) * rx.periodicBolus.volumeNl;
  if (rx.patientBolus) total += rx.patientBolus.maxVolumeNlPer24h;
  if (rx.basal.mode === 'trial') for (const d of rx.basal.trial.doses) total += d.volumeNl;
  return total;
}

/** Microsteps a day if the patient took every bolus allowed (none without a prescription): the battery's worst case. */
export function worstCaseDailyMicrosteps(rx: Prescription | undefined, flPerMicrostep: number): number {
  return rx ? (worstCaseDailyNl(rx) * FL_PER_NL) / flPerMicrostep : 0;
}
