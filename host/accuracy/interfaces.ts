// What the accuracy procedures drive, as small interfaces: pumpctl implements them over the
// pump's serial protocol and a real balance, virtual-rig.ts in process on the virtual pump.
// The procedures never read a clock or sleep themselves: the Scheduler gives time.

export interface PumpAlarm {
  readonly code: number;
  readonly name: string;
  readonly detail?: string;
}

export interface PumpSnapshot {
  readonly state: string;
  /** Volume the pump counts as delivered since it was programmed, nl. */
  readonly deliveredNl: number;
  readonly alarms: readonly PumpAlarm[];
}

/** A continuous infusion of water at a set rate: all an accuracy check programs. */
export interface AccuracyPrescription {
  readonly rateNlPerH: number;
  readonly name?: string;
}

export interface PumpControl {
  /** Programs and starts delivery; rejects with the pump's refusal. */
  program(rx: AccuracyPrescription): Promise<void>;
  /** Stops delivery (a pause: the prescription stays). Safe when already stopped. */
  stop(): Promise<void>;
  status(): Promise<PumpSnapshot>;
  alarms(): Promise<readonly PumpAlarm[]>;
  /** A clinician bolus of `volumeNl` over `durationMs` on top of the running rate. */
  bolus(volumeNl: number, durationMs: number): Promise<void>;
  /** Acknowledges one alarm (a procedure clears the alarms its own deliberate fault raised). */
  acknowledge?(code: number): Promise<void>;
}

/** Time for the procedures: real time for pumpctl, the virtual clock in tests and benchmarks. */
export interface Scheduler {
  /** ms, monotonic. */
  now(): number;
  /** Resolves at `ms` (at once if that is past). */
  sleepUntil(ms: number): Promise<void>;
}

/** The downstream stopcock of the occlusion test: an operator prompt on the bench, the line model in the virtual rig. */
export interface Stopcock {
  close(): Promise<void>;
  open(): Promise<void>;
}

/** Live state for pumpctl's progress bar. */
export interface Progress {
  readonly phase: string;
  readonly elapsedMs: number;
  readonly remainingMs: number;
  readonly samples: number;
  readonly lastMassMg: number | null;
  /** Flow error of the last interval, %. */
  readonly lastIntervalErrorPct: number | null;
  /** Error of everything weighed so far against the set rate, %. */
  readonly runningErrorPct: number | null;
  /** Marks on the last sample, in words. */
  readonly marks: readonly string[];
}
