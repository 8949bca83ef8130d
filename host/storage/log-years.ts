// Storage wear and log capacity from the firmware's OWN writes: the real firmware (controller,
// persistence, log) runs on the virtual rig through weeks of a pump's life, and every record it
// appends to the flash log and every NVS write it makes is kept. The weeks are then played over
// and over into a fresh log partition for years (the same bytes in the same order), which
// measures the erases per block per year and the days of history the ring keeps. The NVS writes
// give the NVS partition's wear (nvs-wear.ts).
//
// The life (LIFE_WEEK, repeated): a flexible four-step daily schedule for an intrathecal pump,
// patient boluses at 08:00, 08:30 (refused: lockout), 13:00, 18:00 and 21:00, a clinician bolus
// and a pause on one day a week, an occlusion released after 20 min every second week, and
// RESERVOIR_LOW raised by the rig running down, acknowledged, then a refill (with its drug named)
// that clears it. The hourly totals, schedule steps, alarms and bolus events are the firmware's.

import library from '../../firmware/app/examples/library.example.json';
import { FlashLog, LOG_RECORD_OVERHEAD } from '../../firmware/storage/log';
import type { VirtualPump, VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import { MockFlash } from './flash-mock';
import { MockKeyValueStore } from './kv-mock';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const DAYS_PER_YEAR = 365.25;

export const LIFE_OPTIONS: VirtualPumpOptions = {
  mechanics: { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
  library,
  reservoirNl: 9_000_000,
  keepEvents: false,
  prescription: {
    name: 'life',
    drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
    mode: 'flexible',
    schedule: [
      { startMs: 0, rateNlPerDay: 400_000 },
      { startMs: 6 * HOUR, rateNlPerDay: 600_000 },
      { startMs: 12 * HOUR, rateNlPerDay: 500_000 },
      { startMs: 18 * HOUR, rateNlPerDay: 600_000 },
    ],
    patientBolus: { volumeNl: 20_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 150_000 },
  },
};

/** What the firmware wrote over the simulated days. */
export interface FirmwareWrites {
  readonly days: number;
  /** Every record appended to the log, in order (type and payload bytes). */
  readonly records: readonly { readonly type: number; readonly payload: Uint8Array; readonly dayOf: number }[];
  /** Sector erases of the log partition during the run. */
  readonly logErases: number;
  /** Every NVS write: the value's length in bytes. */
  readonly nvsWrites: readonly number[];
  /** NVS values stored at the end (bytes per key): the live data. */
  readonly nvsLive: readonly number[];
  /** Alarms raised, boluses started and refills over the run (to show the life happened). */
  readonly alarms: number;
  readonly boluses: number;
  readonly refills: number;
}

/** One day of the life, `d` days from the start (the pump's clock starts at 00:00). */
function liveDay(vp: VirtualPump, d: number, tally: { refills: number }): void {
  const at = (ms: number): void => vp.runFor(d * DAY + ms - vp.nowMs);
  for (const t of [8 * HOUR, 8 * HOUR + 30 * MIN, 13 * HOUR, 18 * HOUR, 21 * HOUR]) {
    at(t);
    vp.controller.patientBolus();
    if (d % 7 === 2 && t === 13 * HOUR) vp.controller.clinicianBolus({ volumeNl: 50_000, durationMs: 15 * MIN });
    if (d % 7 === 4 && t === 18 * HOUR) {
      vp.controller.pause();
      at(t + 20 * MIN);
      vp.controller.resume();
    }
    if (d % 14 === 9 && t === 8 * HOUR + 30 * MIN) {
      vp.line.occlude(vp.nowMs);
      at(t + 20 * MIN);
      vp.line.release(vp.nowMs);
      vp.controller.acknowledge();
      vp.controller.resume(); // an occlusion stops delivery until the clinician restarts it
    }
  }
  at(22 * HOUR);
  const low = vp.controller.status().alarms.some((a) => a.name === 'RESERVOIR_LOW');
  if (low) {
    vp.controller.acknowledge();
    vp.rig.refill(9_000_000);
    vp.controller.refill(9_000_000, { removedNl: vp.rig.reservoirNl, concentrationUgPerMl: 1_000_000, drug: 'water-bench' });
    vp.controller.acknowledge();
    tally.refills++;
  }
  at(DAY);
}

/** Runs the firmware for `days` of the life on the device's partitions, keeping what it writes. */
export function firmwareWrites(days: number, options: VirtualPumpOptions = LIFE_OPTIONS): FirmwareWrites {
  const kv = new MockKeyValueStore();
  const flash = new MockFlash(128 * 1024, 4096);
  const nvsWrites: number[] = [];
  kv.onWrite = (_key, value) => nvsWrites.push(value.length);
  const vp = createVirtualPump({ ...options, storage: kv, flash });
  const log = vp.persistence?.log;
  if (!log) throw new Error('the virtual pump has no log');
  const records: { type: number; payload: Uint8Array; dayOf: number }[] = [];
  const append = log.append.bind(log);
  log.append = (type, payload, length = payload.length) => {
    const r = append(type, payload, length);
    if (r.ok) records.push({ type, payload: payload.slice(0, length), dayOf: vp.nowMs / DAY });
    return r;
  };
  let alarms = 0;
  let boluses = 0;
  vp.controller.subscribe((e) => {
    if (e.type === 'alarm') alarms++;
    if (e.type === 'bolus-start') boluses++;
  });
  const tally = { refills: 0 };
  for (let d = 0; d < days; d++) liveDay(vp, d, tally);
  const nvsLive = kv.keys().map((k) => kv.read(k)!.length);
  return { days, records, logErases: flash.eraseCounts.reduce((a, b) => a + b, 0), nvsWrites, nvsLive, alarms, boluses, refills: tally.refills };
}

export interface Replay {
  readonly years: number;
  readonly records: number;
  readonly recordBytes: number;
  /** Mean sector erases per block per year of the log partition. */
  readonly erasesPerBlockPerYear: number;
  /** The most any block was erased per year (the ring spreads them within one). */
  readonly maxErasesPerBlockPerYear: number;
  /** The shortest span of history the ring held once it had wrapped (days). */
  readonly minHeldDays: number;
  /** The log reopened at the end (a boot scan) sees every record the ring holds, and no problem. */
  readonly reopenOk: boolean;
}

/**
 * Plays the firmware's records over and over into a fresh partition for `years`: the same bytes,
 * in the same order, each at the day the firmware wrote it (shifted by whole runs).
 */
export function replayYears(w: FirmwareWrites, years: number, bytes = 128 * 1024, block = 4096): Replay {
  const flash = new MockFlash(bytes, block);
  const opened = FlashLog.open(flash);
  if (!opened.ok) throw new Error(opened.error.message);
  const log = opened.value;
  const totalDays = years * DAYS_PER_YEAR;
  const dayOfSeq: number[] = [0];
  let minHeld = Infinity;
  let recordBytes = 0;
  for (let run = 0; ; run++) {
    for (const r of w.records) {
      const day = run * w.days + r.dayOf;
      if (day >= totalDays) {
        const erases = flash.eraseCounts;
        const again = FlashLog.open(flash);
        const reopenOk = again.ok && again.value.problemCount === 0 && again.value.oldestSeq === log.oldestSeq && again.value.newestSeq === log.newestSeq;
        return {
          years,
          records: dayOfSeq.length - 1,
          recordBytes,
          erasesPerBlockPerYear: erases.reduce((a, b) => a + b, 0) / erases.length / years,
          maxErasesPerBlockPerYear: Math.max(...erases) / years,
          minHeldDays: minHeld,
          reopenOk,
        };
      }
      const a = log.append(r.type, r.payload);
      if (!a.ok) throw new Error(a.error.message);
      dayOfSeq[a.value.seq] = day;
      recordBytes += r.payload.length + LOG_RECORD_OVERHEAD;
      if (log.oldestSeq > 1) minHeld = Math.min(minHeld, day - dayOfSeq[log.oldestSeq]!);
    }
  }
}
