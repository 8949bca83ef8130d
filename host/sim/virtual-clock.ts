// Virtual time for the rig: a wrapping 32-bit `ticks` counter and a timer service with
// Moddable's semantics, driven explicitly by the test or the simulator. It jumps from one due
// timer to the next, so days of idle time cost nothing. No Node imports: it is also bundled
// into an XS engine, which has no timers of its own. With `lateTimers` every callback is late
// as on the board (./late-timers.ts): a clock kinder than the ESP32 hides late-stop faults.

import { TICK_MODULUS, toTick } from '../../firmware/core/ticks';
import type { TickSource, TimerHandle, TimerService } from '../../firmware/ports/timebase';
import type { LateTimerOptions } from './late-timers';
import { LateTimers } from './late-timers';

export type { LateTimerOptions, Stall } from './late-timers';

export interface VirtualClockOptions {
  /** `ticks` at creation (default 0); start just below 2^32 to test the wrap. */
  readonly startTick?: number;
  /**
   * `ticks` reads as a signed 32-bit integer, as `Time.ticks` does on the ESP32 (modTime.c sets
   * it with xsmcSetInteger): negative from 2^31 ms (24.8 days) to 2^32. Default unsigned.
   */
  readonly signedTicks?: boolean;
  /** Callbacks allowed at one instant before the clock calls it a livelock (default 1e6). */
  readonly maxCallbacksPerInstant?: number;
  /** Callbacks fire late, as on the ESP32 (tick and stalls); default off: exact timers. */
  readonly lateTimers?: LateTimerOptions;
}

/**
 * The largest interval Moddable's timer takes: it converts to a C int, so anything above
 * 2^31 - 1 would wrap on the device. Refused here so the bug shows up on the host.
 */
export const MAX_TIMER_INTERVAL_MS = 0x7fff_ffff;

type TimerState = 'scheduled' | 'running' | 'done';

/** A timer handle (opaque to the firmware, as Moddable's are). */
class VirtualTimer {
  readonly seq: number;
  readonly callback: (timer: TimerHandle) => void;
  /** 0 for a one-shot. */
  readonly repeatMs: number;
  dueMs: number;
  /** When the callback really runs: `dueMs` with exact timers, later with late ones. */
  fireMs: number;
  state: TimerState = 'scheduled';
  /** Bumped whenever the timer leaves the heap, so stale heap entries are skipped. */
  generation = 0;

  constructor(seq: number, callback: (timer: TimerHandle) => void, dueMs: number, repeatMs: number) {
    this.seq = seq;
    this.callback = callback;
    this.dueMs = dueMs;
    this.fireMs = dueMs;
    this.repeatMs = repeatMs;
  }
}

interface HeapEntry {
  readonly fireMs: number;
  readonly dueMs: number;
  readonly seq: number;
  readonly generation: number;
  readonly timer: VirtualTimer;
}

/** Firing order: when it runs, then when it was due, then creation (exact timers: due, creation). */
function before(a: HeapEntry, b: HeapEntry): boolean {
  if (a.fireMs !== b.fireMs) return a.fireMs < b.fireMs;
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

function checkInterval(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value > MAX_TIMER_INTERVAL_MS) {
    throw new RangeError(`${what} ${value} ms is not a timer interval (whole ms up to ${MAX_TIMER_INTERVAL_MS})`);
  }
  // Moddable converts with xsmcToInteger (truncation); a negative delay behaves as 0.
  return Math.max(0, Math.trunc(value));
}

export class VirtualClock implements TickSource, TimerService {
  readonly #startTick: number;
  readonly #maxPerInstant: number;
  readonly #signed: boolean;
  #nowMs = 0;
  #seq = 0;
  #live = 0;
  #fired = 0;
  readonly #heap: HeapEntry[] = [];
  readonly #late: LateTimers | undefined;
  #lateCount = 0;
  #maxLateMs = 0;

  constructor(options: VirtualClockOptions = {}) {
    this.#startTick = toTick(options.startTick ?? 0);
    this.#maxPerInstant = options.maxCallbacksPerInstant ?? 1_000_000;
    this.#signed = options.signedTicks === true;
    this.#late = options.lateTimers === undefined ? undefined : new LateTimers(options.lateTimers);
  }

  /** True when callbacks fire late (the `lateTimers` option). */
  get lateTimers(): boolean {
    return this.#late !== undefined;
  }

  /** Callbacks that ran later than their due ms, and the most any was late by (ms). */
  get lateness(): { readonly late: number; readonly maxLateMs: number } {
    return { late: this.#lateCount, maxLateMs: this.#maxLateMs };
  }

  /** The wrapping 32-bit millisecond counter, as `Time.ticks` on the device. */
  get ticks(): number {
    const t = (this.#startTick + this.#nowMs) % TICK_MODULUS;
    return this.#signed ? t | 0 : t;
  }

  /** Monotonic virtual ms since the clock was created. */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Microseconds since creation (the virtual clock has 1 ms resolution). */
  readonly microseconds = (): number => this.#nowMs * 1_000;

  /** Callbacks run since creation. */
  get callbacksFired(): number {
    return this.#fired;
  }

  /** Timers still scheduled (a repeat timer counts until cleared). */
  get pendingTimers(): number {
    return this.#live;
  }

  /** Monotonic ms at which the next timer fires, or undefined when none is scheduled. */
  get nextDueMs(): number | undefined {
    return this.#peek()?.fireMs;
  }

  /**
   * Moddable `Timer.set`: no interval fires on the next turn (now); an interval alone is a
   * one-shot; with `repeat` it fires first after `interval`, then every `repeat` ms.
   */
  set(callback: (timer: TimerHandle) => void, interval?: number, repeat?: number): TimerHandle {
    const first = checkInterval(interval, 'interval');
    // A 0 ms repeat would fire forever at one instant; the device would spin its loop too.
    const every = repeat === undefined || repeat === 0 ? 0 : Math.max(1, checkInterval(repeat, 'repeat'));
    return this.#add(callback, first, every);
  }

  /** Moddable `Timer.repeat`: every `interval` ms, the first after one interval. */
  repeat(callback: (timer: TimerHandle) => void, interval: number): TimerHandle {
    const every = Math.max(1, checkInterval(interval, 'interval'));
    return this.#add(callback, every, every);
  }

  /**
   * Moddable `Timer.clear`. `undefined` is ignored. As on the device, a one-shot that has
   * already fired (or a timer already cleared) is no longer a timer: clearing it throws. A
   * one-shot may clear itself from inside its own callback.
   */
  clear(timer: TimerHandle | undefined): void {
    if (timer === undefined || timer === null) return;
    if (!(timer instanceof VirtualTimer)) throw new TypeError('clear: not a timer of this clock');
    if (timer.state === 'done') throw new Error('clear: invalid timer (already fired or cleared)');
    if (timer.state === 'scheduled') this.#live--;
    timer.state = 'done';
    timer.generation++;
  }

  /**
   * Runs every timer due up to `targetMs` (monotonic), in order of due time then creation,
   * jumping straight from one to the next; leaves `nowMs` at `targetMs`. Returns the number
   * of callbacks run.
   */
  runUntil(targetMs: number): number {
    if (!Number.isFinite(targetMs) || targetMs < this.#nowMs) {
      throw new RangeError(`runUntil(${targetMs}): time only moves forward (now ${this.#nowMs} ms)`);
    }
    let fired = 0;
    let atInstant = 0;
    for (let next = this.#peek(); next !== undefined && next.fireMs <= targetMs; next = this.#peek()) {
      if (next.fireMs === this.#nowMs) {
        if (++atInstant > this.#maxPerInstant) throw new Error(`timers livelocked at ${this.#nowMs} ms`);
      } else {
        atInstant = 1;
        this.#nowMs = next.fireMs;
      }
      if (next.fireMs > next.dueMs) {
        this.#lateCount++;
        this.#maxLateMs = Math.max(this.#maxLateMs, next.fireMs - next.dueMs);
      }
      this.#pop();
      this.#fire(next.timer);
      fired++;
    }
    this.#nowMs = Math.floor(targetMs);
    return fired;
  }

  /** Same as runUntil. */
  advanceTo(targetMs: number): number {
    return this.runUntil(targetMs);
  }

  /** Runs the next `ms` milliseconds of virtual time. */
  runFor(ms: number): number {
    return this.runUntil(this.#nowMs + ms);
  }

  #add(callback: (timer: TimerHandle) => void, firstMs: number, repeatMs: number): VirtualTimer {
    const timer = new VirtualTimer(this.#seq++, callback, this.#nowMs + firstMs, repeatMs);
    this.#live++;
    this.#schedule(timer);
    return timer;
  }

  /**
   * Fixes when the timer runs. A timer already due runs on the loop's next turn, at once, as
   * modTimersExecute runs every trigger time that is not in the future; one due later waits
   * for the loop to wake (late-timers.ts). The rule depends only on the due ms, so the order
   * of due times is kept.
   */
  #schedule(timer: VirtualTimer): void {
    const late = this.#late;
    timer.fireMs = late === undefined || timer.dueMs <= this.#nowMs ? Math.max(timer.dueMs, this.#nowMs) : late.fireMs(timer.dueMs);
    this.#push(timer);
  }

  #fire(timer: VirtualTimer): void {
    if (timer.repeatMs > 0) {
      // Next due from the previous due time, not from now: repeating timers do not drift
      // (modTimer.c: `triggerTime += repeatInterval`); one that fell behind catches up.
      timer.dueMs += timer.repeatMs;
      this.#schedule(timer);
      this.#fired++;
      timer.callback(timer);
      return;
    }
    timer.state = 'running';
    this.#live--;
    this.#fired++;
    try {
      timer.callback(timer);
    } finally {
      timer.state = 'done';
      timer.generation++;
    }
  }

  // A binary min-heap of (due, creation order); entries of cleared timers are skipped lazily.

  #push(timer: VirtualTimer): void {
    const heap = this.#heap;
    const entry: HeapEntry = { fireMs: timer.fireMs, dueMs: timer.dueMs, seq: timer.seq, generation: timer.generation, timer };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #peek(): HeapEntry | undefined {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (top.timer.state === 'scheduled' && top.generation === top.timer.generation) return top;
      this.#pop();
    }
    return undefined;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
