// The event stream: every decision the core takes, with the reason for it (oref0's habit:
// a short code a test can assert on, plus text a person can read). Events are what the log,
// the protocol's event lines and the tests see; `at` is monotonic milliseconds.

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
  INTERRUPTED_BY_PROGRAM: 'a new prescription replaced the running one',
  INTERRUPTED_BY_EMPTY: 'the reservoir ran empty',
  OPERATOR_PAUSE: 'paused on request',
  OPERATOR_RESUME: 'resumed on request; missed time is not delivered',
  RESERVOIR_LOW: 'the reservoir fell to the low threshold',
  RESERVOIR_EMPTY: 'the reservoir is empty; delivery stopped',
  REFILLED: 'the reservoir was refilled',
  HOUR_CLOSED: 'an hour of delivery was totalled',
  DAY_CLOSED: 'a day of delivery was totalled',
  CLOCK_SET: 'the time of day was set',
} as const;

export type ReasonCode = keyof typeof REASONS;

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
  | 'reservoir-low'
  | 'reservoir-empty'
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
export function reason(code: ReasonCode, detail?: string): Reason {
  return { code, text: detail === undefined ? REASONS[code] : `${REASONS[code]}: ${detail}` };
}
