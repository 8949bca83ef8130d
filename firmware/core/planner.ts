// Turns what the delivery engine owes into the one plan the app applies: the step segment to
// run, its direction, whether the driver is powered and when to wake next. The plan and its
// segment are owned here and refilled on every call (no allocation per wake: garbage means GC
// pauses on the ESP32); the app applies a plan before the next update.

import type { DeliveryEngine } from './delivery';
import type { Plan } from './pump-types';
import type { Direction } from '../ports/stepper';

/**
 * Steps due at a high rate are spread over the next window rather than woken for one by one:
 * the app wakes at most this often, and the driver gets one segment per wake.
 */
export const STEP_WINDOW_MS = 100;

type MutablePlan = { -readonly [K in keyof Plan]: Plan[K] };

export class Planner {
  readonly #plan: MutablePlan = { segment: undefined, direction: 1, enable: false, wakeAtMs: 0 };
  readonly #segment: { count: number; intervalUs: number; exact: boolean } = { count: 0, intervalUs: 1, exact: false };

  /** Motor off until `wakeAtMs` (idle, paused, alarm, empty). */
  idle(wakeAtMs: number): Plan {
    return this.#set(0, 0, 1, false, wakeAtMs);
  }

  /** Motor powered and still until `wakeAtMs`: the back-off's hold, the pusher kept where it stands. */
  hold(wakeAtMs: number): Plan {
    return this.#set(0, 0, 1, true, wakeAtMs);
  }

  /**
   * The occlusion back-off at half the top speed: reverse to relieve line pressure, then forward
   * by the play bound (backoff.ts); wake when it is done (or on the hour). Exact (StepSegment):
   * run as a PWM train, a stop 136 ms late pushed 137 microsteps more than the return's 256 back
   * into the blocked line, and the release doubled (population rig 1 at 0.1 mL/h).
   */
  backoff(now: number, steps: number, direction: Direction, maxStepHz: number, hourEndMs: number): Plan {
    const intervalUs = Math.ceil(2_000_000 / maxStepHz);
    const wake = Math.min(hourEndMs, now + Math.ceil((steps * intervalUs) / 1_000) + 1);
    return this.#set(steps, intervalUs, direction, true, wake, true);
  }

  /**
   * The steps the engine owes now, spread evenly over the time to the next wake (at most one
   * window, never faster than the motor's top speed); the wake is the next step due, a rate
   * boundary or the hour's end, whichever comes first.
   */
  deliver(now: number, engine: DeliveryEngine, maxStepHz: number, hourEndMs: number): Plan {
    const owed = engine.owedSteps;
    const boundary = Math.min(engine.nextBoundaryMs(), hourEndMs);
    let wake = Math.min(engine.nextStepMs(), boundary);
    if (owed > 0) wake = Math.min(boundary, Math.max(wake, now + STEP_WINDOW_MS));
    if (owed === 0) return this.#set(0, 0, 1, true, wake);
    const minIntervalUs = Math.ceil(1_000_000 / maxStepHz);
    const spanUs = Math.min(STEP_WINDOW_MS, wake - now) * 1_000;
    return this.#set(owed, Math.max(minIntervalUs, Math.floor(spanUs / owed)), 1, true, wake);
  }

  /** Refills the one plan object; `count` 0 means no segment (stop). */
  #set(count: number, intervalUs: number, direction: Direction, enable: boolean, wakeAtMs: number, exact = false): Plan {
    const plan = this.#plan;
    if (count > 0) {
      this.#segment.count = count;
      this.#segment.intervalUs = intervalUs;
      this.#segment.exact = exact;
      plan.segment = this.#segment;
    } else plan.segment = undefined;
    plan.direction = direction;
    plan.enable = enable;
    plan.wakeAtMs = wakeAtMs;
    return plan;
  }
}
