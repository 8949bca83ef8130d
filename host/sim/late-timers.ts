// When a Timer callback really runs on the ESP32, for the virtual clock: on a tick after its due
// ms, or after whatever kept the JS loop busy. Seeded, and a pure function of the due ms, so a
// timer set an hour ahead and one set a millisecond ahead agree, and Node and XS agree. No Node.
//
// What the SDK's C sources say (Moddable 8.2.x): Timer.set stores
// `triggerTime = modMilliseconds() + interval` (modules/base/timer/mc/timer.c, modTimerAdd). The
// main task loops `modTimersExecute(); modMessageService(the, modTimersNext())`
// (build/devices/esp32/lib/main/main.c): modTimersNext returns the ms to the nearest trigger (0
// if one is already due), and modMessageService blocks in xQueueReceive for that many FreeRTOS
// ticks (1 kHz). So a timer runs at the first tick at or after its trigger, and never while a
// callback or a message handler (a UART frame being verified) is still running: a callback
// waits for the loop to come back, however long that takes.

import { deriveSeed, mix32 } from './prng';

/** A stretch of time the JS loop is busy: no callback runs in [atMs, atMs + ms). */
export interface Stall {
  readonly atMs: number;
  readonly ms: number;
}

export interface LateTimerOptions {
  /** Seed of the random stalls. */
  readonly seed: number;
  /** Random stalls (GC, flash erase, signed command) as below; default true. */
  readonly randomStalls?: boolean;
  /** Stalls at fixed times (monotonic ms), besides the random ones: for tests. */
  readonly stalls?: readonly Stall[];
}

/**
 * The tick: the loop sleeps in whole ticks and wakes on a tick boundary, which falls somewhere
 * in the ms after the trigger (the tick and `modMilliseconds` are not in phase). The virtual
 * clock counts whole ms, so that fraction is rounded up: every callback the loop sleeps for
 * runs 1 ms after its due ms. Rounding up is the unkind side: a late stop over-runs, an early
 * one only falls short. (Not modelled: triggers count from a truncated ms, so on the board an
 * interval can also end up to 1 ms early; early stops are the harmless direction.)
 */
export const TICK_LATE_MS = 1;

/** Random stalls are drawn per window of this many ms (at most one stall starts in each). */
const WINDOW_MS = 1_000;

/**
 * What keeps the loop busy, how long, and how often (per window). The durations are the
 * project's estimates (docs/performance.md, /work/shared/guide/moddable.md), not measurements:
 * - GC: XS collects the fixed 8192-slot heap (128 KB) mark-and-sweep, about 5-30 ms on a
 *   240 MHz ESP32. Steady delivery makes no garbage (docs/performance.md), so 1 in 10 s is far
 *   more often than the firmware needs: a stress rate.
 * - Flash erase: the event log erases a 4 KB sector when its head block fills
 *   (docs/storage-log.md); SPI NOR sector erase is about 40-100 ms typical (W25Q32-class
 *   datasheets give 45 ms typical, 400 ms worst), and the cache is off meanwhile, so no code
 *   from flash runs. 1 a minute is again a stress rate. The datasheet's worst case (a worn or
 *   hot part, 100-400 ms) is drawn too, about once an hour: the longest stall the loop sees.
 * - A signed command: interpreted HMAC-SHA256 on XS, about 90 ms per command, 45 to 180 ms
 *   (docs/performance.md's estimate). 1 in 2 minutes: a clinician's session is busier, but
 *   rarely for a whole day.
 */
const STALL_KINDS: readonly { readonly perWindow: number; readonly minMs: number; readonly maxMs: number }[] = [
  { perWindow: 1 / 10, minMs: 5, maxMs: 30 }, // GC pause
  { perWindow: 1 / 60, minMs: 40, maxMs: 100 }, // flash sector erase
  { perWindow: 1 / 120, minMs: 45, maxMs: 180 }, // signed command verified in XS
  { perWindow: 1 / 3_600, minMs: 100, maxMs: 400 }, // flash sector erase, datasheet worst case
];
/** The longest stall: shorter than a window, so a stall can only reach into the next one. */
export const MAX_STALL_MS = 400;

const TWO_POW_32 = 4_294_967_296;

export class LateTimers {
  readonly #seed: number;
  readonly #random: boolean;
  readonly #fixed: readonly Stall[];

  constructor(options: LateTimerOptions) {
    if (!Number.isFinite(options.seed)) throw new RangeError(`late timers: seed ${options.seed}`);
    this.#seed = deriveSeed(options.seed, 0x7155);
    this.#random = options.randomStalls !== false;
    this.#fixed = (options.stalls ?? []).map((s) => ({ atMs: s.atMs, ms: s.ms }));
    for (const s of this.#fixed) {
      if (!(s.ms >= 0) || !Number.isInteger(s.atMs) || !Number.isInteger(s.ms)) throw new RangeError(`late timers: stall ${s.atMs}+${s.ms} ms`);
    }
  }

  /** The ms a callback due at `dueMs` (in the future) runs at: a tick later, or after a stall. */
  fireMs(dueMs: number): number {
    let at = dueMs + TICK_LATE_MS;
    // A stall ending inside another pushes on to the end of that one.
    for (let end = this.#stallEnd(at); end !== undefined; end = this.#stallEnd(at)) at = end;
    return at;
  }

  /** The random stall of window k, if one starts in it. */
  stallOfWindow(k: number): Stall | undefined {
    if (!this.#random || k < 0) return undefined;
    const h = mix32((this.#seed + Math.imul(k | 0, 0x9e37_79b9)) >>> 0);
    let u = h / TWO_POW_32;
    for (let i = 0; i < STALL_KINDS.length; i++) {
      const kind = STALL_KINDS[i]!;
      if (u < kind.perWindow) {
        const h2 = mix32(h ^ 0x5bd1_e995);
        const h3 = mix32(h2 ^ 0x27d4_eb2d);
        return { atMs: k * WINDOW_MS + (h2 % WINDOW_MS), ms: kind.minMs + (h3 % (kind.maxMs - kind.minMs + 1)) };
      }
      u -= kind.perWindow;
    }
    return undefined;
  }

  /** The end of a stall that covers `atMs`, if any. */
  #stallEnd(atMs: number): number | undefined {
    for (let i = 0; i < this.#fixed.length; i++) {
      const s = this.#fixed[i]!;
      if (s.atMs <= atMs && atMs < s.atMs + s.ms) return s.atMs + s.ms;
    }
    const k = Math.floor(atMs / WINDOW_MS);
    // MAX_STALL_MS < WINDOW_MS: only this window's stall or the previous one's can cover it.
    for (let w = k - 1; w <= k; w++) {
      const s = this.stallOfWindow(w);
      if (s !== undefined && s.atMs <= atMs && atMs < s.atMs + s.ms) return s.atMs + s.ms;
    }
    return undefined;
  }
}
