// The alarm table: every alarm as data (after the People's Ventilator Project): its number,
// priority, whether it latches, whether it stops delivery, whether it must be acknowledged
// before anything else may change, what raises it and how it clears. docs/alarms.md is
// generated from this table, and the scenario tests walk it. The AlarmBoard keeps which
// alarms are active; the pump's single fault path acts on what it reports.

import type { AnnunciatorPriority } from '../ports/annunciator';

export type AlarmPriority = 'high' | 'medium' | 'low';

export interface AlarmSpec {
  readonly code: number;
  readonly priority: AlarmPriority;
  /** Stays active after its condition clears, until acknowledged. */
  readonly latching: boolean;
  /** Puts the motor into the safe state (delivery stopped, owed steps dropped). */
  readonly stopsDelivery: boolean;
  /** Until acknowledged, only acknowledge, stop, status and read commands are accepted. */
  readonly ackBeforeChange: boolean;
  /**
   * Raised by an event (a detector's verdict, a fault edge, a reset), not a level that can be
   * watched: acknowledging clears it, and if the cause persists it is raised again.
   */
  readonly momentary: boolean;
  /** What raises it, and within what time of the cause (the scenario tests check the time). */
  readonly raisedBy: string;
  /** How it clears. */
  readonly clears: string;
}

export const ALARMS = {
  OCCLUSION: {
    code: 10,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: true,
    raisedBy:
      'The flow sensor measures far less than the plunger pushed (cumulative deficit over the noise allowance) and, over the last 30 s or so, less than a fifth of the pushed volume reached the sensor; or, with part of the flow still arriving, its share stops rising (the catheter past the sensor filling behind a block at the tip); or the plunger force passes the occlusion threshold where a load cell is fitted. At 1 mL/h within 120 s, at 0.1 mL/h within 900 s of a full occlusion on the default line; within 180 s and 1200 s where the catheter past the sensor holds up to half of the compliance (detection.md). The plunger backs off by what the line took up since flow stopped arriving, plus what it held while the flow passed.',
    clears:
      'Clear the blockage, then acknowledge: delivery resumes without catching up. At rest a blocked line shows nothing to the flow sensor, so the acknowledgement cannot confirm the line is clear: delivery resumes, and the alarm comes back (with a back-off of only what was pushed since) if it is still blocked. Where a load cell reads and the line pressure still stands, the alarm stays (acknowledged) and delivery stays stopped until the pressure falls.',
  },
  UNDER_DELIVERY: {
    code: 11,
    priority: 'medium',
    latching: true,
    stopsDelivery: false,
    momentary: true,
    ackBeforeChange: false,
    raisedBy:
      'The cumulative deficit passes its threshold while a fifth or more of the pushed volume still reaches the sensor over the last 30 s or so (a partial occlusion or a kinked catheter); or, where a load cell is fitted and the plunger moves at 0.3 um/s or faster (0.18 mL/h on a 10 mL syringe), the plunger force falls below its working level (the line pressure fell: a disconnection or leak downstream of the sensor, which the flow sensor cannot see). Limits in detection.md.',
    clears: 'Acknowledge after checking the line; delivery carries on meanwhile.',
  },
  OVER_DELIVERY: {
    code: 12,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: true,
    raisedBy: 'The flow sensor measures more than the plunger pushed, beyond the noise allowance (free flow or siphoning, a disconnection releasing the line).',
    clears: 'Check the syringe clamp and the line, then acknowledge.',
  },
  AIR_IN_LINE: {
    code: 13,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: false,
    ackBeforeChange: true,
    raisedBy: 'The flow sensor flags air in two consecutive samples.',
    clears: 'Purge the air, then acknowledge.',
  },
  FLOW_SENSOR_FAULT: {
    code: 14,
    priority: 'medium',
    latching: true,
    stopsDelivery: false,
    momentary: false,
    ackBeforeChange: false,
    raisedBy:
      'Five consecutive flow readings fail (no answer, bad CRC, impossible value), or the reading stays identical for 60 samples of delivery in which the plunger moved. Bad readings never feed the detectors.',
    clears:
      'Reconnect or replace the sensor, then acknowledge. Delivery continues meanwhile, watched by the load cell where one reads (force threshold and pressure drop); without one, LINE_UNWATCHED stops it after a bounded time.',
  },
  FORCE_SENSOR_FAULT: {
    code: 15,
    priority: 'low',
    latching: true,
    stopsDelivery: false,
    momentary: false,
    ackBeforeChange: false,
    raisedBy: 'Five consecutive load-cell readings fail (where one is fitted).',
    clears: 'Check the load cell and amplifier, then acknowledge.',
  },
  LINE_UNWATCHED: {
    code: 16,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: false,
    ackBeforeChange: false,
    raisedBy:
      'The flow check has had no valid reading (FLOW_SENSOR_FAULT) for 60 min of delivery or 25 uL pushed, whichever comes first, and no load cell reads: occlusions would go unseen. See safety.md.',
    clears: 'Reconnect or replace the flow sensor, then acknowledge: delivery resumes without catching up. Acknowledged while the sensor still fails, the alarm stays and delivery stays stopped.',
  },
  STEP_COUNT_MISMATCH: {
    code: 22,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: false,
    raisedBy:
      "The STEP pulses the dose guard's own counter saw fall short of the steps the driver reports, by more than 64 microsteps and 2 % of them since boot: the counter is dead (the guard would be blind to an over-delivery) or the driver reports steps it did not make (an under-delivery). Compared at every cycle, with the segment in flight stopped so both counts are final.",
    clears: "Check the counter's wiring (a scope on the 74HC14 outputs, hardware/README.md) and the driver, then acknowledge; it is raised again if the counts still disagree.",
  },
  MOTOR_STALL: {
    code: 20,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: true,
    raisedBy: "The stepper driver's stall output (for example TMC2209 DIAG) becomes active; at once.",
    clears: 'Free the mechanism, then acknowledge.',
  },
  DRIVER_FAULT: {
    code: 21,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: true,
    raisedBy: "The stepper driver's fault output becomes active (over-temperature, over-current, under-voltage); at once.",
    clears: 'Find the cause, then acknowledge.',
  },
  RESERVOIR_LOW: {
    code: 30,
    priority: 'low',
    latching: false,
    stopsDelivery: false,
    momentary: false,
    ackBeforeChange: false,
    raisedBy: 'The reservoir falls to the low threshold (programmable, default 2 mL); at the microstep that crosses it.',
    clears: 'Clears by itself on refill.',
  },
  RESERVOIR_EMPTY: {
    code: 31,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: false,
    ackBeforeChange: false,
    raisedBy: 'The reservoir cannot give another microstep, or the syringe-empty end-stop closes; at once.',
    clears: 'Refill, then acknowledge: delivery resumes without catching up.',
  },
  BATTERY_ERI: {
    code: 40,
    priority: 'medium',
    latching: false,
    stopsDelivery: false,
    momentary: false,
    ackBeforeChange: false,
    raisedBy:
      'Elective replacement indicator: the charge left falls to the replacement reserve, or the voltage stays below the ERI voltage for three readings. Reports the projected days to end of service.',
    clears: 'Clears when the battery is replaced (voltage and charge above the thresholds).',
  },
  BATTERY_EOS: {
    code: 41,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: false,
    ackBeforeChange: false,
    raisedBy: 'End of service: the voltage stays below the end-of-service voltage for three readings.',
    clears: 'Replace the battery, then acknowledge.',
  },
  UNEXPECTED_RESET: {
    code: 50,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: true,
    raisedBy: 'The controller started after a shutdown that was not clean (power cut, watchdog, crash).',
    clears: 'Acknowledge: delivery holds until then, and never catches up or resumes a bolus.',
  },
  STORAGE_FAULT: {
    code: 51,
    priority: 'high',
    latching: true,
    stopsDelivery: true,
    momentary: true,
    ackBeforeChange: true,
    raisedBy: 'A stored record failed its checks in both slots and safe defaults were used.',
    clears: 'Program the prescription and mechanics again, then acknowledge.',
  },
  LOOP_STALLED: {
    code: 52,
    priority: 'medium',
    latching: true,
    stopsDelivery: false,
    momentary: true,
    ackBeforeChange: false,
    raisedBy:
      'The control loop woke more than 1 s after it planned to (a lost timer, a stuck task, a halted debugger). What was due up to the planned wake is delivered; the time after it is skipped, never delivered later: running boluses end as interrupted (a patient bolus counts what it was commanded toward its lockout and 24-hour maximum; one asked for in the skipped time never starts and counts nothing), doses that fell due are missed. The message says how much basal was not delivered.',
    clears: 'Acknowledge. Delivery carries on at the prescribed rate meanwhile; if it recurs, report it with the log: the firmware or the board is at fault.',
  },
} as const satisfies Record<string, AlarmSpec>;

export type AlarmName = keyof typeof ALARMS;

export interface ActiveAlarm {
  readonly name: AlarmName;
  readonly code: number;
  readonly priority: AlarmPriority;
  readonly sinceMs: number;
  readonly detail: string;
  /** The raising condition is still present. */
  conditionPresent: boolean;
  acknowledged: boolean;
}

const RANK: Record<AlarmPriority, number> = { high: 3, medium: 2, low: 1 };

/** Which alarms are active. Pure bookkeeping: the pump decides what each change does. */
export class AlarmBoard {
  readonly #active = new Map<AlarmName, ActiveAlarm>();

  isActive(name: AlarmName): boolean {
    return this.#active.has(name);
  }

  /** Raises `name`; returns the new alarm, or undefined if it was already active. */
  raise(name: AlarmName, now: number, detail: string): ActiveAlarm | undefined {
    const existing = this.#active.get(name);
    if (existing) {
      existing.conditionPresent = true;
      return undefined;
    }
    const spec = ALARMS[name];
    const alarm: ActiveAlarm = { name, code: spec.code, priority: spec.priority, sinceMs: now, detail, conditionPresent: true, acknowledged: false };
    this.#active.set(name, alarm);
    return alarm;
  }

  /** The condition went away: a non-latching alarm clears (returns true); a latching one waits. */
  conditionGone(name: AlarmName): boolean {
    const a = this.#active.get(name);
    if (!a) return false;
    a.conditionPresent = false;
    if (ALARMS[name].latching && !a.acknowledged) return false;
    this.#active.delete(name);
    return true;
  }

  /**
   * Acknowledges `name`: it clears if its condition is gone; otherwise it stays active,
   * acknowledged, and clears when the condition goes. Returns whether it cleared.
   */
  acknowledge(name: AlarmName): boolean {
    const a = this.#active.get(name);
    if (!a) return false;
    a.acknowledged = true;
    if (a.conditionPresent) return false;
    this.#active.delete(name);
    return true;
  }

  /** Active alarms, highest priority first, then oldest first. */
  list(): ActiveAlarm[] {
    return [...this.#active.values()].sort((a, b) => RANK[b.priority] - RANK[a.priority] || a.sinceMs - b.sinceMs);
  }

  /** Some active alarm stops delivery. */
  get holdsDelivery(): boolean {
    if (this.#active.size === 0) return false; // the steady path: no iterator, no allocation
    for (const a of this.#active.values()) if (ALARMS[a.name].stopsDelivery) return true;
    return false;
  }

  /** An active alarm that must be acknowledged before anything else changes, if any. */
  get awaitingAck(): ActiveAlarm | undefined {
    if (this.#active.size === 0) return undefined;
    for (const a of this.list()) if (!a.acknowledged && ALARMS[a.name].ackBeforeChange) return a;
    return undefined;
  }

  /** The pattern to sound: the highest unacknowledged priority. */
  get annunciation(): AnnunciatorPriority {
    // Read after every cycle: with no alarm it must not build the sorted list (GC on ESP32).
    if (this.#active.size === 0) return 'none';
    for (const a of this.list()) if (!a.acknowledged) return a.priority;
    return 'none';
  }
}
