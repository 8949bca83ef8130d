// The pump core's public shapes: its configuration, its states, the plan it hands the app
// after every update, and the sensor reads it takes.

import type { DoseMemory, DOSES_LOST } from './dose-memory';
import type { DrugLibrary } from './library';
import type { Mechanics } from './mechanics';
import type { MonitorConfig } from './monitor';
import type { FlowRead } from '../ports/flow-sensor';
import type { ForceRead } from '../ports/sensors';
import type { Direction, StepSegment } from '../ports/stepper';

export interface PumpConfig {
  readonly mechanics: Mechanics;
  readonly library: DrugLibrary;
  /** Drug in the reservoir at start. */
  readonly reservoirNl: number;
  readonly lowReservoirNl?: number;
  /** Time of day at `now` when the pump is created (ms after midnight). */
  readonly timeOfDayMs?: number;
  readonly monitor?: MonitorConfig;
  /** Delivered so far, restored from storage at boot (the history's running total). */
  readonly deliveredNl?: number;
  /**
   * What storage kept of the doses given (firmware/core/dose-memory.ts), or DOSES_LOST when a
   * board that had run before lost it: patient boluses are then refused for 24 h.
   */
  readonly doses?: DoseMemory | typeof DOSES_LOST;
}

export type PumpState = 'idle' | 'running' | 'paused' | 'alarm' | 'stopped';

/** What the app should do after an update. */
export interface Plan {
  /** Steps to run now, replacing whatever segment is in flight; undefined means stop. */
  readonly segment: StepSegment | undefined;
  readonly direction: Direction;
  readonly enable: boolean;
  /** Monotonic ms of the next update the core needs. */
  readonly wakeAtMs: number;
}

/** A sensor sample: any of the three, as the app's timers read them. */
export interface SensorInputs {
  readonly flow?: FlowRead;
  readonly force?: ForceRead;
  readonly batteryMillivolts?: number;
}
