// The pump's settings commands: a refill and the low-reservoir threshold, new mechanics or a
// calibration, a new battery, the time of day. Each reads its input (numbered errors), changes
// its one part, records an event and clears the alarms it answers. None starts or stops
// delivery: pump.ts, which holds the delivery state machine, passes in what of it each needs
// (the engine, whether delivery is stopped) and applies what comes back.

import type { Accounting } from './accounting';
import type { DeliveryEngine } from './delivery';
import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { EventQueue } from './event-queue';
import { reason } from './events';
import type { FaultPath } from './fault-path';
import { readWholeNl } from './fields';
import type { DrugLibrary } from './library';
import type { Mechanics } from './mechanics';
import { plungerAreaMm2, readMechanics } from './mechanics';
import type { Monitor } from './monitor';
import type { RefillRecord } from './refill';
import { checkRefill, readRefillVolume, refillEvent } from './refill';
import type { ReservoirRecord } from './reservoir';
import { timeOfDay } from './schedule';
import { MS_PER_DAY } from './units';

/** The pump's parts the settings change. */
export interface SettingsParts {
  readonly accounting: Accounting;
  readonly monitor: Monitor;
  readonly reservoir: ReservoirRecord;
  readonly library: DrugLibrary;
  readonly events: EventQueue;
  readonly faults: FaultPath;
}

export class PumpSettings {
  readonly #p: SettingsParts;

  constructor(parts: SettingsParts) {
    this.#p = parts;
  }

  /**
   * Records a refill: the volume now in it and (from a programmer) what was drawn out and put in.
   * `stopped`: nothing runs, nor starts by itself. `hold` is told why the running prescription
   * is now held (the reservoir holds another drug or concentration), before the alarms the
   * refill answers clear.
   */
  refill(
    now: number,
    volumeNl: unknown,
    record: RefillRecord | undefined,
    on: { mechanics: Mechanics; engine: DeliveryEngine | undefined; stopped: boolean; hold: (why: string) => void },
  ): Result<true> {
    const { accounting, reservoir, faults } = this.#p;
    const gate = faults.gate();
    if (!gate.ok) return gate;
    const read = readRefillVolume(volumeNl, on.mechanics.syringe);
    if (!read.ok) return read;
    const before = accounting.reservoirNl;
    const rx = on.engine?.rx;
    const checked = record ? checkRefill(record, { library: this.#p.library, held: reservoir.held, running: rx, stopped: on.stopped, expectedNl: before }) : undefined;
    if (checked && !checked.ok) return checked;
    accounting.refill(read.value);
    if (checked) reservoir.refilled(checked.value.contents);
    const held = rx && reservoir.undeliverable(rx);
    if (held) on.hold(held.message);
    const e = refillEvent(record, checked?.value, held !== undefined);
    this.#p.events.push(now, 'refill', e.why, { beforeNl: before, afterNl: read.value, ...e.data });
    if (accounting.reservoirNl > accounting.lowReservoirNl) faults.gone(now, 'RESERVOIR_LOW');
    if (accounting.stepsLeft(on.mechanics.flPerMicrostep) > 0) faults.gone(now, 'RESERVOIR_EMPTY');
    return ok(true);
  }

  /** Sets the low-reservoir threshold (default 2 mL). */
  lowReservoirThreshold(now: number, volumeNl: unknown): Result<true> {
    const read = readWholeNl(volumeNl, 'lowReservoirNl');
    if (!read.ok) return read;
    this.#p.accounting.setLowThreshold(read.value);
    this.#p.events.push(now, 'setting', reason('THRESHOLD_SET'), { lowReservoirNl: read.value });
    if (this.#p.accounting.reservoirNl > read.value) this.#p.faults.gone(now, 'RESERVOIR_LOW');
    return ok(true);
  }

  /** New mechanics or calibration, for a pump whose delivery is not running (pump.ts checks). */
  mechanics(now: number, input: unknown, engine: DeliveryEngine | undefined): Result<Mechanics> {
    const m = readMechanics(input);
    if (!m.ok) return m;
    if (engine) engine.flPerMicrostep = m.value.flPerMicrostep;
    this.#p.monitor.setPlungerArea(plungerAreaMm2(m.value));
    this.#p.events.push(now, 'setting', reason('MECHANICS_SET'), { syringe: m.value.syringe.name, flPerMicrostep: m.value.flPerMicrostep, calibrated: m.value.calibrated });
    return m;
  }

  /** A new battery is in: the charge count starts full again. */
  batteryReplaced(now: number): Result<true> {
    this.#p.monitor.battery.replaced(now);
    this.#p.events.push(now, 'battery', reason('BATTERY_REPLACED'), {});
    return ok(true);
  }

  /**
   * Sets the time of day; a flexible schedule follows the new clock from now on (delivery up to
   * now is integrated on the old one first). Returns the new time-of-day offset.
   */
  timeOfDay(now: number, timeOfDayMs: unknown, engine: DeliveryEngine | undefined): Result<number> {
    const gate = this.#p.faults.gate();
    if (!gate.ok) return gate;
    const valid = typeof timeOfDayMs === 'number' && Number.isInteger(timeOfDayMs) && timeOfDayMs >= 0 && timeOfDayMs < MS_PER_DAY;
    if (!valid) return fail(pumpError('FIELD_RANGE', `timeOfDayMs must be a whole number from 0 to ${MS_PER_DAY - 1}`, 'timeOfDayMs'));
    engine?.advance(now);
    const todOffsetMs = timeOfDay(timeOfDayMs, -now);
    engine?.retime(now, todOffsetMs);
    this.#p.events.push(now, 'clock', reason('CLOCK_SET'), { timeOfDayMs });
    return ok(todOffsetMs);
  }
}
