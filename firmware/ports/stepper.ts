// The motion interface the delivery engine drives: segments of evenly spaced step pulses.
// Split as in Zephyr's stepper API: motion (run/stop/position) apart from the power stage
// (enable, direction); faults and stalls come back as inputs.

/** A run of `count` step pulses: the first at once, then one every `intervalUs`. */
export interface StepSegment {
  readonly count: number;
  readonly intervalUs: number;
  /**
   * Never more than `count` pulses and never two closer than `intervalUs`, whatever the timers
   * do: a late timer delays the rest of the train instead of bursting it, and no hardware train
   * runs on past its count while its stop is late. For motions whose length matters more than
   * their time, the occlusion back-off: a late stop there pulled the plunger back too far
   * (suction) or pushed the pressure back into a blocked line.
   */
  readonly exact?: boolean;
}

/** +1 pushes the plunger (infuse), -1 pulls it back (relieve pressure, withdraw). */
export type Direction = 1 | -1;

export type StepperFaultKind = 'driver-fault' | 'stall';

export interface StepperFault {
  readonly kind: StepperFaultKind;
  /** Driver-specific detail for the event log (for example which pin reported it). */
  readonly detail: string;
}

export interface StepperPort {
  /** Power stage on or off. Off leaves the motor free: nothing moves while it is off. */
  enable(on: boolean): void;
  setDirection(direction: Direction): void;
  /**
   * Starts a segment now, replacing any segment still in flight (pulses of the old one not
   * yet emitted are dropped, and are not counted in `position`).
   */
  run(segment: StepSegment): void;
  /** Stops at once; pulses not yet emitted are dropped. */
  stop(): void;
  /** True while a segment still has pulses to emit. */
  readonly busy: boolean;
  /** Microsteps emitted since the driver was created, signed by direction. Exact. */
  readonly position: number;
  /** Fault and stall inputs (driver fault pin, stall detection). */
  onFault: ((fault: StepperFault) => void) | undefined;
  /** The fault and stall inputs' levels now, where wired (polled at boot and acknowledgement). */
  readonly faultActive?: boolean;
  readonly stallActive?: boolean;
}
