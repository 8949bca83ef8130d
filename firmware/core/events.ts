// The event stream: every decision the core takes, with the reason for it (oref0's habit:
// a short code a test can assert on, plus text a person can read). Events are what the log,
// the protocol's event lines and the tests see; `at` is monotonic milliseconds.

import type { AlarmName } from './alarms';

export const REASONS = {
  PROGRAM_STARTED: 'a new prescription was committed',
  SCHEDULE_STEP: 'the flexible schedule reached a step start time',
  SCHEDULE_IN_FORCE: 'the flexible schedule step in force when the prescription started',
  CONTINUOUS_RATE: 'the continuous rate applies',
  TRIAL_CONTINUOUS: 'the continuous trial rate applies',
  TRIAL_ENDED: 'the trial program has finished',
  NO_BASAL: 'the prescription has no basal rate',
  PATIENT_REQUEST: 'the patient asked for a bolus within the limits',
  PATIENT_DENIED: 'the patient bolus was refused',
  CLINICIAN_REQUEST: 'a clinician asked for a bolus',
  PERIODIC_DUE: 'the periodic bolus interval came round',
  TRIAL_DOSE_DUE: 'a trial dose came due',
  PRIMING_REQUEST: 'priming of the catheter dead volume was asked for',
  BOLUS_COMPLETE: 'the whole bolus volume was delivered',
  INTERRUPTED_BY_PAUSE: 'delivery was paused; the bolus will not resume by itself',
  INTERRUPTED_BY_STOP: 'delivery was stopped; the bolus will not resume by itself',
  INTERRUPTED_BY_STALL: 'the control loop stalled; the bolus ends here and the time it did not run is not made up',
  INTERRUPTED_BY_RESET: 'the pump was reset; a dose due before it came back up is missed, not given late',
  INTERRUPTED_BY_PROGRAM: 'a new prescription replaced the running one',
  INTERRUPTED_BY_EMPTY: 'the reservoir ran empty',
  OPERATOR_PAUSE: 'paused on request',
  OPERATOR_RESUME: 'resumed on request; missed time is not delivered',
  INTERRUPTED_BY_ALARM: 'an alarm stopped delivery; the bolus will not resume by itself',
  ALARM_CLEARED: 'the alarm condition is gone and the alarm is acknowledged or does not latch',
  ALARM_ACKNOWLEDGED: 'the alarm was acknowledged',
  SAFE_STATE: 'an alarm put the motor into the safe state: stopped, owed steps dropped',
  BACKOFF: 'the plunger backs off to relieve the pressure the occlusion built',
  ALARM_RESUME: 'the last delivery-stopping alarm cleared; delivery resumes without catching up',
  BATTERY_REPLACED: 'the battery was replaced',
  THRESHOLD_SET: 'the low-reservoir threshold was set',
  MECHANICS_SET: 'the mechanics or calibration were changed',
  REFILLED: 'the reservoir was refilled',
  REFILL_DISCREPANCY: 'the reservoir was refilled, but the residual drawn out differs from what the pump expected',
  HOUR_CLOSED: 'an hour of delivery was totalled',
  DAY_CLOSED: 'a day of delivery was totalled',
  CLOCK_SET: 'the time of day was set',
  AUTH_FAILED: 'an authentication attempt on the programming link failed',
  PROVISIONING_OPEN: 'the service pin was held at boot: keys may be set for 120 s',
  AUTH_LOCK_RESTORED: 'failed AUTHs from before the restart still count, and a lock they set runs on',
  AUTH_LOCK_CLEARED: 'a person at the rig (the service pin or button) cleared the AUTH lockout',
  BOLUS_CUT_BY_RESET: 'the bolus was running when the pump was reset or shut down; closed at the next boot with the most it can have delivered',
  LINK_MODE_SET: 'the programming UART was switched between the native protocol and the NE-1000-compatible mode',
} as const;

export type TableReason = keyof typeof REASONS;

/** A reason is a table entry above, or for an `alarm` event the alarm's name (alarms.ts). */
export type ReasonCode = TableReason | AlarmName;

export interface Reason {
  readonly code: ReasonCode;
  readonly text: string;
}

export type EventType =
  | 'program'
  | 'rate'
  | 'bolus-start'
  | 'bolus-end'
  | 'bolus-interrupted'
  | 'bolus-denied'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'alarm'
  | 'alarm-cleared'
  | 'alarm-ack'
  | 'safe-state'
  | 'backoff'
  | 'battery'
  | 'setting'
  | 'security'
  | 'refill'
  | 'hour-total'
  | 'day-total'
  | 'trial-end'
  | 'clock';

export type EventData = Readonly<Record<string, number | string | boolean>>;

export interface PumpEvent {
  readonly at: number;
  readonly type: EventType;
  readonly reason: Reason;
  readonly data: EventData;
}

/** A reason with the table's text, or a more specific text naming the numbers involved. */
export function reason(code: TableReason, detail?: string): Reason {
  return { code, text: detail === undefined ? REASONS[code] : `${REASONS[code]}: ${detail}` };
}

/** The reason of an `alarm` event: the alarm's name, and what the detector saw. */
export function alarmReason(name: AlarmName, detail: string): Reason {
  return { code: name, text: detail };
}
