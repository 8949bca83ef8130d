// An independent count of the STEP pulses that left the board, for the dose guard
// (firmware/core/dose-guard.ts): a hardware counter on the STEP line, never the stepper
// driver's own bookkeeping. It counts every pulse, in either direction.

export interface StepCounterPort {
  /** Pulses counted since the counter started; never decreases except when the counter restarts. */
  readonly count: number;
  /**
   * Called once, soon after the first pulse that follows a read of `count` (on the ESP32 the
   * PCNT's watch point, the SDK's onReadable), so the guard reads while pulses flow and sleeps
   * while none do.
   */
  onPulse: (() => void) | undefined;
}
