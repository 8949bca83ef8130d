// The loop as the protocol sees it: the commands a serial line may give and what its replies
// read. app/controller.ts's Controller is one; the protocol (link.ts, queries.ts, ne1000/) is
// written against this, so it need not import the app layer above it.

import type { ProgramFlags } from '../core/checks';
import type { Result } from '../core/errors';
import type { EventData, PumpEvent, Reason } from '../core/events';
import type { Pump } from '../core/pump';
import type { RefillRecord } from '../core/refill';
import type { PumpStatus } from '../core/status';

/** What the protocol reads of the pump directly (the rest goes through status()). */
export type ProtocolPumpView = Pick<Pump, 'state' | 'prescription' | 'accounting' | 'mechanics' | 'library' | 'monitor' | 'reservoir' | 'check'>;

export interface PumpControl {
  readonly pump: ProtocolPumpView;
  /** The pump's clock (monotonic ms). */
  now(): number;
  status(): PumpStatus;
  subscribe(listener: (event: PumpEvent) => void): void;
  /** Records a security event (a refused AUTH, a lockout) in the event stream. */
  note(type: 'security', why: Reason, data: EventData): void;
  program(input: unknown, flags?: ProgramFlags): ReturnType<Pump['program']>;
  setMechanics(input: unknown): ReturnType<Pump['setMechanics']>;
  setLowReservoirThreshold(volumeNl: unknown): Result<true>;
  setTimeOfDay(timeOfDayMs: unknown): Result<true>;
  pause(): Result<true>;
  resume(): Result<true>;
  acknowledge(code?: number): ReturnType<Pump['acknowledge']>;
  patientBolus(): ReturnType<Pump['patientBolus']>;
  clinicianBolus(request: unknown): ReturnType<Pump['clinicianBolus']>;
  prime(): ReturnType<Pump['prime']>;
  refill(volumeNl: unknown, record?: RefillRecord): Result<true>;
}
