// Virtual time against the wall clock: the virtual clock runs at `speed` times real time, in
// slices sized so that one takes a few ms of wall time, yielding between frames so the serial
// port and the keyboard are served. When the firmware cannot keep up it carries at most one
// frame of debt and then runs flat out (no catch-up bursts). `speed` 0 freezes the clock: the
// firmware then runs only when bytes arrive. setSpeed changes the pace from where the clock is
// (the dashboard's speed control). The virtual board paces with it, with a pty (async
// engines) and without one (--no-port, no-port.ts).

/** Status redraws on a terminal at most this often, and the loop's period when keeping up. */
export const FRAME_MS = 100;
/** Wall ms one tick may spend running the virtual clock before it yields. */
export const TICK_BUDGET_MS = 50;
const MAX_SLICE_MS = 3_600_000;

export interface PacerOptions {
  readonly speed: number;
  /** Virtual ms at which pacing starts (the clock's position now). */
  readonly startMs: number;
  /** Runs the virtual clock to `toMs`. */
  readonly step: (toMs: number) => Promise<void>;
  /** The clock's position. */
  readonly nowMs: () => number;
  /** After each frame (status line, device polls). */
  readonly frame: () => Promise<void> | void;
  /** Called with an error a step threw; the pacer stops. */
  readonly failed: (e: unknown) => void;
  /** Stop when the clock reaches this (the simulator's --for), then call `finished`. */
  readonly untilMs?: number;
  readonly finished?: () => void;
  /** The wall clock in ms (default performance.now; a test of the pacing gives its own). */
  readonly wallNow?: () => number;
}

export class Pacer {
  readonly #o: PacerOptions;
  readonly #wall: () => number;
  #wallStart: number;
  #startMs: number;
  #speed: number;
  #lagMs = 0;
  /** Counts setSpeed calls: a frame begun at the old pace stops stepping toward the old target. */
  #pace = 0;
  #sliceMs = 1_000;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();

  constructor(o: PacerOptions) {
    this.#o = o;
    this.#wall = o.wallNow ?? (() => performance.now());
    this.#wallStart = this.#wall();
    this.#startMs = o.startMs;
    this.#speed = o.speed;
  }

  get speed(): number {
    return this.#speed;
  }

  /**
   * A new pace from where the clock is now (the dashboard's speed control): no jump, and no debt
   * carried over from the old pace. Call it between steps: a frame in progress takes at most the
   * step already asked for, then the next frame follows the new pace.
   */
  setSpeed(speed: number): void {
    this.#startMs = this.#o.nowMs();
    this.#wallStart = this.#wall();
    this.#lagMs = 0;
    this.#speed = speed;
    this.#pace++;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops after the frame in progress (awaits it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#frame().catch((e: unknown) => {
        this.#stopped = true;
        this.#o.failed(e);
      });
    }, ms);
  }

  /** Where the virtual clock should be now: the wall clock times the speed, less any lag given up. */
  targetMs(): number {
    const o = this.#o;
    return Math.floor(Math.min(o.untilMs ?? Infinity, this.#startMs + (this.#wall() - this.#wallStart) * this.#speed - this.#lagMs));
  }

  async #frame(): Promise<void> {
    const o = this.#o;
    const wallNow = this.#wall();
    const target = this.targetMs();
    const deadline = wallNow + TICK_BUDGET_MS;
    const pace = this.#pace;
    while (!this.#stopped && this.#pace === pace && o.nowMs() < target && this.#wall() < deadline) {
      const t0 = this.#wall();
      await o.step(Math.min(o.nowMs() + this.#sliceMs, target));
      const took = this.#wall() - t0;
      if (took < 2) this.#sliceMs = Math.min(this.#sliceMs * 2, MAX_SLICE_MS);
      else if (took > 8) this.#sliceMs = Math.max(1, Math.floor(this.#sliceMs / 2));
    }
    if (this.#stopped) return;
    await o.frame();
    if (o.nowMs() >= (o.untilMs ?? Infinity)) {
      this.#stopped = true;
      return o.finished?.();
    }
    // A new pace since this frame began: its target (and so its debt) belongs to the old one.
    if (this.#pace !== pace) return this.#schedule(0);
    const debt = target - o.nowMs();
    const maxDebt = this.#speed * FRAME_MS;
    if (debt > maxDebt) this.#lagMs += debt - maxDebt;
    this.#schedule(debt > 0 ? 0 : FRAME_MS);
  }
}
