// What a station step gets and gives back: the board's connections and the run's settings in,
// a result with its measurements out (a row in `steps`, rows in `measurements`).

import type { Scheduler } from '../accuracy/interfaces';
import type { Balance } from '../balance/types';
import type { PumpSession } from '../cli/session';
import type { Measurement, StepResult } from './db';
import type { KeyStore } from './keystore';
import type { Operator } from './operator';
import type { StationProfile } from './profile';
import type { BoardTarget, LinkOptions } from './target';

export interface StepContext {
  readonly target: BoardTarget;
  readonly boardId: string;
  readonly profile: StationProfile;
  readonly operator: Operator;
  readonly store: KeyStore;
  readonly link: LinkOptions;
  readonly scheduler: Scheduler;
  /** The board's session; provisioning logs it in as service for the steps after it. */
  session: PumpSession;
  /** This run's folder (certificate, accuracy run files). */
  readonly dir: string;
  readonly runId: number;
  /** The board's balance, opened at first use and kept for the run (a port opened once, as at the bench). */
  balance(): Promise<Balance>;
  /** Shown in the live table beside the step's name. */
  phase(text: string): void;
}

export interface StepOutcome {
  readonly result: StepResult;
  readonly detail: string;
  readonly measurements: readonly Measurement[];
}

export type StepName = 'identify' | 'provision' | 'selftest' | 'calibrate' | 'accuracy' | 'certificate';
export const STEP_NAMES: readonly StepName[] = ['identify', 'provision', 'selftest', 'calibrate', 'accuracy', 'certificate'];

/** A measurement with limits, judged. */
export function judged(name: string, value: number | null, unit: string, low: number | undefined, high: number | undefined): Measurement {
  const ok = value !== null && (low === undefined || value >= low) && (high === undefined || value <= high);
  return { name, value, unit, ...(low !== undefined && { low }), ...(high !== undefined && { high }), result: ok ? 'pass' : 'fail' };
}

export const info = (name: string, value: number | null, unit: string): Measurement => ({ name, value, unit, result: 'info' });

/** pass when every judged measurement passes, fail otherwise; skipped ones do not count. */
export function overall(ms: readonly Measurement[]): StepResult {
  return ms.some((m) => m.result === 'fail') ? 'fail' : 'pass';
}
