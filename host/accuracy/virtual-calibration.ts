// `pumpctl calibrate --balance` on the in-process accuracy bench: the same procedure
// (runCalibration: deliver, wait for the line, weigh), then what the pump does with the CAL
// command pumpctl sends (firmware/protocol/queries.ts `calibrated`: the factor in use scaled by
// measured / commanded, then setMechanics). Tests and `npm run bench` use it on rigs with real
// mechanics errors to show that calibration takes out what is systematic.

import { formatError } from '../../firmware/core/errors';
import { calibrated } from '../../firmware/protocol/queries';
import type { CalibrationRecord, CalibrationRunOptions } from './calibration';
import { runCalibration } from './calibration';
import type { VirtualAccuracyRig } from './virtual-rig';

export interface VirtualCalibration {
  readonly record: CalibrationRecord;
  /** The pump's volume of a microstep before and after, fl. */
  readonly flPerMicrostepBefore: number;
  readonly flPerMicrostepAfter: number;
}

/** pumpctl's defaults: 1 mL at 6 mL/h, 5 min for the line to empty. */
export const CALIBRATION_DEFAULTS = { volumeNl: 1_000_000, rateNlPerH: 6_000_000, settleMs: 300_000 } as const;

export async function calibrateVirtualRig(rig: VirtualAccuracyRig, o: Partial<Omit<CalibrationRunOptions, 'nlPerMicrostepInUse'>> = {}): Promise<VirtualCalibration> {
  const c = rig.vp.controller;
  const before = c.pump.mechanics.flPerMicrostep;
  const record = await runCalibration(rig, { ...CALIBRATION_DEFAULTS, ...o, nlPerMicrostepInUse: before / 1e6 });
  // pumpctl sends `CAL commandedNl measuredNl` with the weighed volume rounded to a nanolitre.
  const input = calibrated(c, record.commandedNl, Math.round(record.volumeNl));
  if (!input.ok) throw new Error(formatError(input.error));
  const set = c.setMechanics(input.value);
  if (!set.ok) throw new Error(formatError(set.error));
  return { record, flPerMicrostepBefore: before, flPerMicrostepAfter: set.value.flPerMicrostep };
}
