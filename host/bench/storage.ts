// storage.powerCut*: power cut at every step of every storage operation of three realistic days
// (NVS with the ESP32's erase-then-write: after the erase of the key and after every byte of the
// value; flash: after every byte, that byte's bits half-programmed, and part-way through every
// erase), each cut followed by a boot and the checks of the whole restored state in
// host/storage/power-cut-checks.ts (prescription, history, reservoir and its contents, alarms,
// the log's events and hourly totals, ledger, bolus numbers, clinician boluses, AUTH lockout).
// A fourth and fifth run put the realistic and the alarm day on a 1.5 KB log that wraps within
// the day, so the erase cuts land on blocks holding records (on the device's 128 KB log a day
// erases only fresh blocks). Plus the log's capacity and wear (storage-log.ts). What it does
// not prove: bits cleared further on in a cut page operation, and cuts during the boot that
// follows a cut.
import library from '../../firmware/app/examples/library.example.json';
import { ALARM_DAY, BOLUS_DAY, DAY_OPTIONS, HOSPITAL_OPTIONS, powerCutDay, REALISTIC_DAY } from '../storage/power-cut';
import { benchStorageLog } from './storage-log';

export function benchStorage(): Record<string, number> {
  const runs = [
    powerCutDay({ ...DAY_OPTIONS, library }, REALISTIC_DAY),
    powerCutDay({ ...HOSPITAL_OPTIONS, library }, BOLUS_DAY),
    powerCutDay({ ...DAY_OPTIONS, library }, ALARM_DAY),
    powerCutDay({ ...DAY_OPTIONS, library }, REALISTIC_DAY, 1, { bytes: 1536, block: 512 }),
    // The AUTH guesses and alarms on the wrapping log too: erase cuts over records of both.
    powerCutDay({ ...DAY_OPTIONS, library }, ALARM_DAY, 1, { bytes: 1536, block: 512 }),
  ];
  for (const r of runs) for (const v of r.firstViolations) console.error(`power-cut violation: ${v}`);
  const sum = (f: (r: (typeof runs)[number]) => number): number => runs.reduce((n, r) => n + f(r), 0);
  return {
    'storage.powerCutPoints': sum((r) => r.points),
    'storage.powerCutBoots': sum((r) => r.boots),
    'storage.powerCutWrites': sum((r) => r.writes),
    'storage.powerCutErases': sum((r) => r.erases),
    'storage.powerCutViolations': sum((r) => r.violations),
    'storage.powerCutBolusCloses': sum((r) => r.bolusCloses),
    'storage.powerCutAuthChecks': sum((r) => r.authChecks),
    ...benchStorageLog(),
  };
}
