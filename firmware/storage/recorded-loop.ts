// The loop as storage sees it: the pump whose counters and dose memory it writes, the dose
// guard's windows, the events it logs and the hooks it fills to write ahead of the motor.
// app/controller.ts's Controller is one; storage is written against this, so it need not
// import the app layer above it.

import type { DoseGuard } from '../core/dose-guard';
import type { PumpEvent } from '../core/events';
import type { Pump } from '../core/pump';

/** What storage needs to hear from the loop (firmware/storage/persistence.ts fills them). */
export interface LoopHooks {
  /** A prescription was committed: `input` is the JSON as the clinician sent it. */
  programmed?(input: unknown): void;
  /** New mechanics were accepted: `input` as sent. */
  mechanicsSet?(input: unknown): void;
  /** About to run `count` forward microsteps: write ahead before the motor moves. */
  beforeRun?(count: number): void;
}

export interface RecordedLoop {
  readonly pump: Pump;
  readonly guard: DoseGuard | undefined;
  hooks: LoopHooks;
  /** The pump's clock (monotonic ms). */
  now(): number;
  subscribe(listener: (event: PumpEvent) => void): void;
}
