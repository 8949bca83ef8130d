// The single fault path (Klipper's `shutdown(reason)`): every alarm is raised, cleared and
// acknowledged here, and every alarm that stops delivery enters the safe state through
// `#enterSafeState`: delivery held, steps owed dropped (never caught up), boluses ended as
// interrupted, and after an occlusion the plunger backs off by what the line holds. The pump's
// delivery state is driven through the narrow `Holds` interface, so this file cannot start
// delivery by itself: it can only hold it, or tell the pump that nothing holds it any more.

import type { AlarmName } from './alarms';
import { ALARMS, AlarmBoard } from './alarms';
import { BACKOFF_SETTLE_MS, backoffNl } from './backoff';
import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { EventQueue } from './event-queue';
import { alarmReason, reason } from './events';
import type { Finding } from './monitor';
import type { Planner } from './planner';
import type { Plan } from './pump-types';
import { FL_PER_NL } from './units';

/** What the fault path may do to delivery. */
export interface Holds {
  /** An alarm stops delivery: a running pump halts, a paused one is held by the alarm. */
  hold(now: number, alarm: AlarmName): void;
  /** An alarm cleared or was acknowledged: the pump resumes if nothing holds it any more. */
  released(now: number): void;
  /** The rate running after the hold (for sizing the back-off). */
  rateNlPerDay(): number;
  flPerMicrostep(): number;
  /** The drive's reversal play bound in microsteps (backoff.ts): the back-off's overshoot. */
  playMicrosteps(): number;
}

export class FaultPath {
  readonly alarms = new AlarmBoard();
  /** How many times the safe state was entered: tests watch it. */
  safeStateEntries = 0;
  /** Reverse microsteps still to run to relieve line pressure (the ask and the play bound). */
  backoffSteps = 0;
  /** Forward microsteps to run once the reverse is done: the play bound, to come back onto the driving flank. */
  returnSteps = 0;
  /** The segment handed out last is the back-off's return. */
  #returning = false;
  /** When the hold between the ask and the overshoot ends (ms; -1: not begun). */
  #settleUntilMs = -1;
  readonly #events: EventQueue;
  readonly #holds: Holds;

  constructor(events: EventQueue, holds: Holds) {
    this.#events = events;
    this.#holds = holds;
  }

  /** A detector's findings: alarms raised and conditions gone. */
  apply(now: number, findings: readonly Finding[]): void {
    // Indexed: a for-of would make an iterator per sample on XS.
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i]!;
      if ('raise' in f) this.raise(now, f.raise, f.detail, f.storedNl, f.arrivedNlPerDay, true);
      else if ('persists' in f) {
        if (this.alarms.isActive(f.persists)) this.alarms.raise(f.persists, now, ''); // marks it present
      } else this.gone(now, f.gone);
    }
  }

  /**
   * `relieve`: a detector saw the occlusion now, so the line holds pressure to back off. An alarm
   * raised from outside (restored after a reset by boot.ts) must not back off again: the plunger
   * already did before the reset (issue 13, hole 6).
   */
  raise(now: number, name: AlarmName, detail: string, storedNl = 0, arrivedNlPerDay?: number, relieve = false): void {
    const alarm = this.alarms.raise(name, now, detail);
    if (!alarm) return;
    const spec = ALARMS[name];
    this.#events.push(now, 'alarm', alarmReason(name, detail), { alarm: name, code: spec.code, priority: spec.priority, stopsDelivery: spec.stopsDelivery });
    if (spec.momentary) this.alarms.conditionGone(name); // latched until acknowledged
    if (spec.stopsDelivery) this.#enterSafeState(now, name, relieve, storedNl, arrivedNlPerDay);
  }

  /** The condition behind an alarm is gone (it clears unless it latches unacknowledged). */
  gone(now: number, name: AlarmName): void {
    if (!this.alarms.conditionGone(name)) return;
    this.#events.push(now, 'alarm-cleared', reason('ALARM_CLEARED', `A${ALARMS[name].code} ${name}`), { alarm: name, code: ALARMS[name].code });
    this.#holds.released(now);
  }

  /** Acknowledges one alarm by code, or every active alarm. */
  acknowledge(now: number, code?: number): Result<{ cleared: number }> {
    const targets = this.alarms.list().filter((a) => code === undefined || a.code === code);
    if (targets.length === 0) return fail(pumpError('NO_SUCH_ALARM', code === undefined ? 'no alarm is active' : `alarm A${code} is not active`, 'code'));
    let cleared = 0;
    for (const a of targets) {
      const id = `A${a.code} ${a.name}`;
      const persists = a.conditionPresent;
      this.#events.push(
        now,
        'alarm-ack',
        reason('ALARM_ACKNOWLEDGED', persists ? `${id}; the condition persists: the alarm stays${ALARMS[a.name].stopsDelivery ? ' and delivery stays stopped' : ''} until it is gone` : id),
        { alarm: a.name, code: a.code, persists },
      );
      if (this.alarms.acknowledge(a.name)) {
        cleared++;
        // A momentary alarm's cause cannot be read at rest (a blocked line shows nothing while
        // the plunger stands): say so, rather than that the condition is gone (hole 6).
        const why = ALARMS[a.name].momentary
          ? reason('ALARM_ACKNOWLEDGED', `${id} cleared by the acknowledgement; whether its cause is gone is not known until delivery runs, and it is raised again if the cause persists`)
          : reason('ALARM_CLEARED', id);
        this.#events.push(now, 'alarm-cleared', why, { alarm: a.name, code: a.code });
      }
    }
    this.#holds.released(now);
    return ok({ cleared });
  }

  /** Refuses state changes while an alarm waits for its acknowledgement. */
  gate(): Result<true> {
    const a = this.alarms.awaitingAck;
    return a ? fail(pumpError('ALARM_UNACKNOWLEDGED', `alarm A${a.code} ${a.name} must be acknowledged first`)) : ok(true);
  }

  /** The back-off has steps to run, either way: delivery waits for them. */
  get relieving(): boolean {
    return this.backoffSteps > 0 || this.returnSteps > 0;
  }

  /**
   * The back-off's next segment, or undefined when it has none: the reverse by the ask, a hold
   * of BACKOFF_SETTLE_MS (the pusher powered and still), the reverse by the overshoot (the
   * return's steps), then the return. It remembers which it handed out, so that the forward
   * steps booked next (`moved`) go to the return, never to delivery.
   */
  backoffPlan(planner: Planner, now: number, maxStepHz: number, hourEndMs: number): Plan | undefined {
    this.#returning = this.backoffSteps === 0 && this.returnSteps > 0;
    if (this.backoffSteps > 0) {
      const ask = this.backoffSteps - this.returnSteps;
      if (ask > 0) {
        this.#settleUntilMs = -1;
        return planner.backoff(now, ask, -1, maxStepHz, hourEndMs);
      }
      if (this.#settleUntilMs < 0) this.#settleUntilMs = now + BACKOFF_SETTLE_MS;
      if (now < this.#settleUntilMs) return planner.hold(Math.min(hourEndMs, this.#settleUntilMs));
      return planner.backoff(now, this.backoffSteps, -1, maxStepHz, hourEndMs);
    }
    this.#settleUntilMs = -1;
    return this.#returning ? planner.backoff(now, this.returnSteps, 1, maxStepHz, hourEndMs) : undefined;
  }

  /**
   * Steps the motor ran (negative: reverse): the reverse ones and the return's come off the
   * back-off. Returns the forward steps that were delivery, a return's overrun included (the
   * back-off's segments are exact, so only a driver that breaks that contract makes one).
   */
  moved(steps: number): number {
    if (steps < 0) this.backoffSteps = Math.max(0, this.backoffSteps + steps);
    else if (this.#returning) {
      // Forward steps past the return (a driver that ran on) pushed into the line: delivery.
      const over = steps - this.returnSteps;
      this.returnSteps = Math.max(0, -over);
      return Math.max(0, over);
    } else return steps;
    return 0;
  }

  #enterSafeState(now: number, alarm: AlarmName, relieve: boolean, storedNl: number, arrivedNlPerDay?: number): void {
    this.safeStateEntries++;
    this.#holds.hold(now, alarm);
    this.#events.push(now, 'safe-state', reason('SAFE_STATE', alarm), { alarm, entries: this.safeStateEntries });
    if (alarm === 'OCCLUSION' && relieve) {
      const nl = backoffNl(storedNl, this.#holds.rateNlPerDay(), arrivedNlPerDay);
      const steps = Math.ceil((nl * FL_PER_NL) / this.#holds.flPerMicrostep());
      if (steps > 0) {
        // Back by the ask and the play bound, then forward by the bound (backoff.ts). A back-off
        // still running keeps its course: mid-reverse its overshoot is already in the steps
        // left; mid-return the part of the return already run is taken back first. Either way
        // the pusher ends both asks behind, approached forward by the whole bound.
        const play = this.#holds.playMicrosteps();
        this.backoffSteps += steps + play - this.returnSteps;
        this.returnSteps = play;
        this.#events.push(now, 'backoff', reason('BACKOFF'), { microsteps: steps, volumeNl: Math.round(nl), playMicrosteps: play });
      }
    }
  }
}
