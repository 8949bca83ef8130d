// Boot: restore what storage holds, build the controller from it, start recording, and apply
// the restart policy (docs/safety.md): after a shutdown that was not clean, delivery holds
// until a clinician acknowledges UNEXPECTED_RESET; it never resumes a bolus or catches up. A
// record that failed with no good copy left means safe defaults and STORAGE_FAULT.

import type { AlarmName } from '../core/alarms';
import { ALARMS } from '../core/alarms';
import type { Result } from '../core/errors';
import { formatError } from '../core/errors';
import type { Persistence } from '../storage/persistence';
import type { Controller, ControllerConfig, ControllerPorts } from './controller';
import { createController } from './controller';

/** `beforeStart` lets the caller subscribe before the first events (the boot alarms) are published. */
export function bootController(ports: ControllerPorts, defaults: ControllerConfig, persistence: Persistence, beforeStart?: (c: Controller) => void): Result<Controller> {
  const r = persistence.boot();
  const restoredConfig: ControllerConfig = {
    ...defaults,
    ...(r.mechanics !== undefined && { mechanics: r.mechanics }),
    ...(r.prescription !== undefined && { prescription: r.prescription }),
    ...(r.reservoirNl !== undefined && { reservoirNl: r.reservoirNl }),
    ...(r.deliveredNl !== undefined && { deliveredNl: r.deliveredNl }),
    ...(r.lowReservoirNl !== undefined && { lowReservoirNl: r.lowReservoirNl }),
    ...(r.startMs !== undefined && { startMs: r.startMs }),
    ...(r.doses !== undefined && { doses: r.doses }),
    ...(r.guard !== undefined && { guard: r.guard }),
  };
  const failed = [...r.failed];
  let created = createController(ports, restoredConfig);
  if (!created.ok && r.prescription !== undefined) {
    // A stored prescription the library or mechanics now refuse does not run.
    failed.push(created.error);
    const { prescription: _dropped, ...rest } = restoredConfig;
    created = createController(ports, rest);
  }
  if (!created.ok) return created;
  const controller = created.value;
  persistence.attach(controller);
  beforeStart?.(controller);
  controller.start();
  // Alarms active when the power went come back: a latched alarm is not cleared by a reset.
  for (const name of r.alarms) if (isAlarmName(name)) controller.raiseAlarm(name, 'active before the restart');
  if (failed.length > 0) controller.raiseAlarm('STORAGE_FAULT', failed.map(formatError).join('; ').slice(0, 200));
  if (!r.firstBoot && !r.cleanShutdown) controller.raiseAlarm('UNEXPECTED_RESET', 'the last shutdown was not clean (power cut, watchdog or crash)');
  return created;
}

function isAlarmName(name: string): name is AlarmName {
  return Object.hasOwn(ALARMS, name);
}
