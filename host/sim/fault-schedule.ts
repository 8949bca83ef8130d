// The fault schedule: applies parsed faults (faults.ts) to the virtual rig's parts at their times,
// on the virtual clock or from the caller's own loop. No Node APIs (bundled into the XS engine
// with host/sim).

import type { TimerHandle } from '../../firmware/ports/timebase';
import type { Fault, FaultTarget } from './faults';
import { applyFault, parseFaults } from './faults';
import { MAX_TIMER_INTERVAL_MS } from './virtual-clock';

/** What the schedule needs of a clock (the VirtualClock fits). */
export interface ScheduleClock {
  readonly nowMs: number;
  set(callback: (timer: TimerHandle) => void, interval?: number): TimerHandle;
  clear(timer: TimerHandle | undefined): void;
}

export interface AppliedFault {
  readonly fault: Fault;
  /** When it was applied (its own time, or later if the schedule was attached late). */
  readonly atMs: number;
}

/**
 * Applies faults to a target at their times. Attached to a clock, it keeps one timer for the
 * next fault time (re-armed in steps of at most MAX_TIMER_INTERVAL_MS, as Moddable's timer
 * cannot take longer intervals); without one, call applyDue(nowMs) from your own loop.
 */
export class FaultSchedule {
  readonly faults: readonly Fault[];
  readonly #target: Required<FaultTarget>;
  readonly #applied: AppliedFault[] = [];
  #next = 0;
  #clock: ScheduleClock | undefined;
  #timer: TimerHandle | undefined;
  /** Hears each fault as it is applied (to log it or print it). */
  onApply: ((applied: AppliedFault) => void) | undefined;

  /** Throws a TypeError naming the part when a fault needs a part the target lacks. */
  constructor(faults: readonly Fault[], target: FaultTarget) {
    const sorted = faults.map((f, i) => ({ f, i }));
    sorted.sort((a, b) => a.f.atMs - b.f.atMs || a.i - b.i);
    this.faults = sorted.map((o) => o.f);
    const missing = this.faults.filter((f) => target[f.part] === undefined);
    if (missing.length > 0) {
      throw new TypeError(`fault schedule: no ${[...new Set(missing.map((f) => f.part))].join(', ')} in the target for ${missing.map((f) => f.text).join(', ')}`);
    }
    this.#target = target as Required<FaultTarget>;
  }

  /** Parses and builds in one go; a bad string or a missing part comes back as a message. */
  static parse(input: string | readonly string[], target: FaultTarget): { readonly ok: true; readonly schedule: FaultSchedule } | { readonly ok: false; readonly message: string } {
    const parsed = parseFaults(input);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    try {
      return { ok: true, schedule: new FaultSchedule(parsed.faults, target) };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Faults applied so far, in order. */
  get applied(): readonly AppliedFault[] {
    return this.#applied;
  }

  /** Faults still to come. */
  get pending(): readonly Fault[] {
    return this.faults.slice(this.#next);
  }

  /** Applies every fault due at or before `nowMs`; returns how many. */
  applyDue(nowMs: number): number {
    let n = 0;
    while (this.#next < this.faults.length && this.faults[this.#next]!.atMs <= nowMs) {
      const fault = this.faults[this.#next++]!;
      applyFault(fault, this.#target, nowMs);
      const applied = { fault, atMs: nowMs };
      this.#applied.push(applied);
      n++;
      this.onApply?.(applied);
    }
    return n;
  }

  /** Applies what is already due at once, then sets a timer for each later fault time. */
  attach(clock: ScheduleClock): void {
    this.detach();
    this.#clock = clock;
    this.applyDue(clock.nowMs);
    this.#arm();
  }

  detach(): void {
    if (this.#clock && this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    this.#clock = undefined;
  }

  #arm(): void {
    const clock = this.#clock;
    const next = this.faults[this.#next];
    if (!clock || !next) return;
    const wait = Math.min(Math.max(0, next.atMs - clock.nowMs), MAX_TIMER_INTERVAL_MS);
    this.#timer = clock.set(() => {
      this.#timer = undefined;
      this.applyDue(clock.nowMs);
      this.#arm();
    }, wait);
  }
}
