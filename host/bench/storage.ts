// storage.powerCutPoints / storage.powerCutViolations: power cut at every byte of every storage
// write (NVS records and flash log) of three realistic days, each cut followed by a boot and
// the checks in host/storage/power-cut.ts; plus the log's capacity and wear (storage-log.ts).
import library from '../../firmware/app/examples/library.example.json';
import { ALARM_DAY, BOLUS_DAY, DAY_OPTIONS, HOSPITAL_OPTIONS, powerCutDay, REALISTIC_DAY } from '../storage/power-cut';
import { benchStorageLog } from './storage-log';

export function benchStorage(): Record<string, number> {
  const runs = [
    powerCutDay({ ...DAY_OPTIONS, library }, REALISTIC_DAY),
    powerCutDay({ ...HOSPITAL_OPTIONS, library }, BOLUS_DAY),
    powerCutDay({ ...DAY_OPTIONS, library }, ALARM_DAY),
  ];
  for (const r of runs) for (const v of r.firstViolations) console.error(`power-cut violation: ${v}`);
  return {
    'storage.powerCutPoints': runs.reduce((n, r) => n + r.points, 0),
    'storage.powerCutWrites': runs.reduce((n, r) => n + r.writes, 0),
    'storage.powerCutViolations': runs.reduce((n, r) => n + r.violations, 0),
    ...benchStorageLog(),
  };
}
