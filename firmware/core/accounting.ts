// Where every nanolitre went: the reservoir, total delivered, and totals per clock hour and per
// day (the history a clinician reads back). Only steps the stepper confirms as emitted count
// as delivered; the femtolitre remainder is carried so totals are exact to the nanolitre.

import type { Emit } from './delivery';
import { reason } from './events';
import { FL_PER_NL, MS_PER_DAY, MS_PER_HOUR } from './units';

export const DEFAULT_LOW_RESERVOIR_NL = 2_000_000; // 2 mL, the usual implant threshold

export class Accounting {
  /** Drug left in the reservoir, in femtolitres (exact: whole microsteps are taken out). */
  reservoirFl: number;
  /** Total delivered, whole nanolitres, with the femtolitre remainder below. */
  deliveredNl = 0;
  #deliveredRemFl = 0;
  /** Clock hour and day (since the epoch of the time-of-day clock) being totalled. */
  #hourIndex: number;
  #dayIndex: number;
  #hourStartNl = 0;
  #dayStartNl = 0;
  /** Totals of the last 24 closed hours, newest last. */
  readonly lastHoursNl: number[] = [];
  lowReservoirNl: number;
  #lowRaised = false;

  constructor(reservoirNl: number, lowReservoirNl: number, now: number, todOffsetMs: number) {
    this.reservoirFl = reservoirNl * FL_PER_NL;
    this.lowReservoirNl = lowReservoirNl;
    this.#hourIndex = Math.floor((now + todOffsetMs) / MS_PER_HOUR);
    this.#dayIndex = Math.floor((now + todOffsetMs) / MS_PER_DAY);
  }

  get reservoirNl(): number {
    return Math.floor(this.reservoirFl / FL_PER_NL);
  }

  get hourNl(): number {
    return this.deliveredNl - this.#hourStartNl;
  }

  get todayNl(): number {
    return this.deliveredNl - this.#dayStartNl;
  }

  /** Delivered in the last 24 closed hours plus the hour now running. */
  get last24hNl(): number {
    let sum = this.hourNl;
    for (let i = Math.max(0, this.lastHoursNl.length - 23); i < this.lastHoursNl.length; i++) sum += this.lastHoursNl[i]!;
    return sum;
  }

  /** Whole microsteps the reservoir can still give. */
  stepsLeft(flPerMicrostep: number): number {
    return Math.floor(this.reservoirFl / flPerMicrostep);
  }

  /**
   * Books `steps` microsteps the stepper emitted (negative when the plunger backed off: that
   * volume returns to the reservoir). Returns true when this crossed the low threshold.
   */
  credit(steps: number, flPerMicrostep: number): boolean {
    if (steps === 0) return false;
    const fl = steps * flPerMicrostep;
    this.reservoirFl = Math.max(0, this.reservoirFl - fl);
    this.#deliveredRemFl += fl;
    const nl = Math.floor(this.#deliveredRemFl / FL_PER_NL);
    this.#deliveredRemFl -= nl * FL_PER_NL;
    this.deliveredNl += nl;
    if (this.#lowRaised || this.reservoirNl > this.lowReservoirNl) return false;
    this.#lowRaised = true;
    return true;
  }

  /** The low threshold (programmable); a reservoir already below it raises at the next step. */
  setLowThreshold(nl: number): void {
    this.lowReservoirNl = nl;
    this.#lowRaised = false;
  }

  refill(reservoirNl: number): void {
    this.reservoirFl = reservoirNl * FL_PER_NL;
    this.#lowRaised = this.reservoirNl <= this.lowReservoirNl;
  }

  /** Closes every clock hour (and day) that ended by `now`, each with its total event. */
  rollTo(now: number, todOffsetMs: number, emit: Emit): void {
    const hour = Math.floor((now + todOffsetMs) / MS_PER_HOUR);
    if (hour === this.#hourIndex) return;
    const closed = this.hourNl;
    emit(now, 'hour-total', reason('HOUR_CLOSED'), { hour: this.#hourIndex % 24, deliveredNl: closed });
    this.lastHoursNl.push(closed);
    // Hours skipped entirely (the clock was set forward) delivered nothing.
    for (let h = this.#hourIndex + 1; h < hour && this.lastHoursNl.length < 48; h++) this.lastHoursNl.push(0);
    while (this.lastHoursNl.length > 24) this.lastHoursNl.shift();
    this.#hourIndex = hour;
    this.#hourStartNl = this.deliveredNl;
    const day = Math.floor((now + todOffsetMs) / MS_PER_DAY);
    if (day !== this.#dayIndex) {
      emit(now, 'day-total', reason('DAY_CLOSED'), { deliveredNl: this.todayNl });
      this.#dayIndex = day;
      this.#dayStartNl = this.deliveredNl;
    }
  }

  /** Monotonic ms at which the current clock hour ends. */
  hourEndMs(todOffsetMs: number): number {
    return (this.#hourIndex + 1) * MS_PER_HOUR - todOffsetMs;
  }
}
