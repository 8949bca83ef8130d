// What a Controller is built from: the ports it drives (the drivers on the device, mocks on the
// virtual rig), how often it samples, and the configuration it starts with (the examples on a
// new board, what storage restored otherwise). Kept apart from the loop (controller.ts) so
// the loop's file holds the loop.

import type { DoseMemory, DOSES_LOST } from '../core/dose-memory';
import type { GuardMemory } from '../core/dose-guard';
import type { PumpEvent } from '../core/events';
import type { MonitorConfig } from '../core/monitor';
import type { AnnunciatorPort } from '../ports/annunciator';
import type { FlowSensorPort } from '../ports/flow-sensor';
import type { BatteryPort, EndStopsPort, ForceSensorPort } from '../ports/sensors';
import type { StepCounterPort } from '../ports/step-counter';
import type { StepperPort } from '../ports/stepper';
import type { TickSource, TimerService } from '../ports/timebase';
import type { ValvePort } from '../ports/valve';
import type { LoopHooks } from '../storage/recorded-loop';

export interface ControllerPorts {
  readonly stepper: StepperPort;
  readonly ticks: TickSource;
  readonly timer: TimerService;
  /** Optional inputs and outputs, where fitted. */
  readonly flow?: FlowSensorPort;
  readonly force?: ForceSensorPort;
  readonly battery?: BatteryPort;
  readonly endStops?: EndStopsPort;
  readonly annunciator?: AnnunciatorPort;
  /** An independent count of STEP pulses: with it, the dose guard runs (and nothing stops it). */
  readonly stepCounter?: StepCounterPort;
  /** A normally-closed pinch valve on the line: open only while the motor runs (#apply). */
  readonly valve?: ValvePort;
}

/** How often the sensors are read. */
export interface Sampling {
  readonly flowMs: number;
  readonly batteryMs: number;
}

export const DEFAULT_SAMPLING: Sampling = { flowMs: 1_000, batteryMs: 60_000 };

export interface ControllerConfig {
  readonly mechanics: unknown;
  readonly library: unknown;
  readonly prescription?: unknown;
  /** Drug in the reservoir at start (default: a full syringe). */
  readonly reservoirNl?: number;
  readonly lowReservoirNl?: number;
  readonly timeOfDayMs?: number;
  readonly monitor?: MonitorConfig;
  readonly sampling?: Sampling;
  /** Restored from storage at boot. */
  readonly deliveredNl?: number;
  /** Restored at boot: the pump's clock carries on from here (no time passes while off). */
  readonly startMs?: number;
  /** Restored at boot: the doses given (firmware/core/dose-memory.ts). */
  readonly doses?: DoseMemory | typeof DOSES_LOST;
  /** Restored at boot: the dose guard's windows; DOSES_LOST when they were lost. */
  readonly guard?: GuardMemory | typeof DOSES_LOST;
}

export type EventListener = (event: PumpEvent) => void;

/** What storage needs to hear from the loop: defined where it is used (storage/recorded-loop.ts). */
export type ControllerHooks = LoopHooks;
