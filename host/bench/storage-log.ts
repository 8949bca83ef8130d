// storage.logDaysCapacity, storage.logEraseCyclesPerBlockPerYear, storage.wearPercentPer7y:
// the flash log run for 5 simulated years at the default logging rate on the device's
// partition (128 KB of 4 KB blocks), appending in a loop (no clock). Capacity and erase counts
// are measured on the mock flash and cross-checked against the byte arithmetic.
// The rate and the figures are explained in docs/storage-log.md.

import { type EventData, type EventType, type ReasonCode } from '../../firmware/core/events';
import { FlashLog, LOG_BLOCK_HEADER_BYTES, LOG_RECORD_OVERHEAD } from '../../firmware/storage/log';
import { encodeEvent, encodeHourTotal, LOG_PAYLOAD_BYTES, LOG_TYPES } from '../../firmware/storage/log-records';
import { MockFlash } from '../storage/flash-mock';

/** The log partition on the device: 128 KB in 4 KB erase blocks (SPI NOR sectors). */
export const LOG_PARTITION_BYTES = 128 * 1024;
export const LOG_BLOCK_BYTES = 4096;
/**
 * Rated program/erase cycles per sector of the SPI NOR flash on ESP32 modules: 100,000 is the
 * typical datasheet figure (the GigaDevice GD25Q and Winbond W25Q series, for example, give a
 * minimum of 100,000 program/erase cycles per sector).
 */
export const FLASH_RATED_ERASE_CYCLES = 100_000;
const START_TIME_S = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAYS_PER_YEAR = 365.25;

/** One event of a day at the default rate: the hour it falls in, and what it is. */
interface DayEvent {
  readonly hour: number;
  readonly type: EventType;
  readonly reason: ReasonCode;
  readonly data: EventData;
}

/**
 * The default logging rate: one hourly delivered total for the one drug in the pump (24 a day)
 * and 20 events a day, a busy day on an intrathecal pump with patient boluses: 4 flexible
 * schedule steps, 3 patient boluses (start and end), 2 denied bolus requests, a low-reservoir
 * alarm raised, acknowledged and cleared, a pause and resume, a failed authentication, a
 * threshold change and the day's total.
 */
export const DEFAULT_DAY: readonly DayEvent[] = [
  { hour: 0, type: 'day-total', reason: 'DAY_CLOSED', data: { deliveredNl: 500_000 } },
  { hour: 6, type: 'rate', reason: 'SCHEDULE_STEP', data: { rateNlPerDay: 600_000, step: 1 } },
  { hour: 8, type: 'bolus-start', reason: 'PATIENT_REQUEST', data: { id: 1, kind: 'patient', volumeNl: 50_000, durationMs: 600_000 } },
  { hour: 8, type: 'bolus-end', reason: 'BOLUS_COMPLETE', data: { id: 1, kind: 'patient', volumeNl: 50_000, deliveredNl: 50_000 } },
  { hour: 9, type: 'bolus-denied', reason: 'PATIENT_DENIED', data: { code: 411, kind: 'patient' } },
  { hour: 10, type: 'alarm', reason: 'RESERVOIR_LOW', data: { alarm: 'RESERVOIR_LOW', code: 30, priority: 'low', stopsDelivery: false } },
  { hour: 10, type: 'alarm-ack', reason: 'ALARM_ACKNOWLEDGED', data: { alarm: 'RESERVOIR_LOW', code: 30 } },
  { hour: 11, type: 'setting', reason: 'THRESHOLD_SET', data: { lowReservoirNl: 1_500_000 } },
  { hour: 11, type: 'alarm-cleared', reason: 'ALARM_CLEARED', data: { alarm: 'RESERVOIR_LOW', code: 30 } },
  { hour: 12, type: 'rate', reason: 'SCHEDULE_STEP', data: { rateNlPerDay: 400_000, step: 2 } },
  { hour: 13, type: 'bolus-start', reason: 'PATIENT_REQUEST', data: { id: 2, kind: 'patient', volumeNl: 50_000, durationMs: 600_000 } },
  { hour: 13, type: 'bolus-end', reason: 'BOLUS_COMPLETE', data: { id: 2, kind: 'patient', volumeNl: 50_000, deliveredNl: 50_000 } },
  { hour: 14, type: 'security', reason: 'AUTH_FAILED', data: { role: 'clinician', why: 'wrong proof', lockMs: 10_000 } },
  { hour: 15, type: 'pause', reason: 'OPERATOR_PAUSE', data: {} },
  { hour: 15, type: 'resume', reason: 'OPERATOR_RESUME', data: { skippedDoses: 0 } },
  { hour: 16, type: 'bolus-denied', reason: 'PATIENT_DENIED', data: { code: 411, kind: 'patient' } },
  { hour: 18, type: 'rate', reason: 'SCHEDULE_STEP', data: { rateNlPerDay: 600_000, step: 3 } },
  { hour: 20, type: 'bolus-start', reason: 'PATIENT_REQUEST', data: { id: 3, kind: 'patient', volumeNl: 50_000, durationMs: 600_000 } },
  { hour: 20, type: 'bolus-end', reason: 'BOLUS_COMPLETE', data: { id: 3, kind: 'patient', volumeNl: 50_000, deliveredNl: 50_000 } },
  { hour: 22, type: 'rate', reason: 'SCHEDULE_STEP', data: { rateNlPerDay: 500_000, step: 0 } },
];
export const DEFAULT_DRUG = { name: 'baclofen', concentrationUgPerMl: 2_000 };

export interface LogRunOptions {
  readonly days: number;
  readonly partitionBytes?: number;
  readonly blockBytes?: number;
  /** Every this many days, page through the whole log and reopen it (0: never). */
  readonly verifyEveryDays?: number;
}

export interface LogRun {
  readonly flash: MockFlash;
  readonly log: FlashLog;
  readonly records: number;
  readonly payloadBytes: number;
  /** Bytes the records take on flash (payload + per-record overhead). */
  readonly recordBytes: number;
  /** Shortest span of history held once the ring first wrapped (days, from record times). */
  readonly minHeldDays: number;
  /** Times oldestSeq moved (always forward: a step back is a violation). */
  readonly oldestAdvances: number;
  /** Verification failures: a record missing, out of order, changed, or readable after it was overwritten. */
  readonly violations: string[];
  readonly verifications: number;
}

/**
 * Runs the log for `days` at the default rate. Every record's expected payload is kept, and a
 * verification pages through the whole log (32 records a page, as the protocol would) and
 * reopens it with a boot scan, checking order, contents and that nothing older than
 * oldestSeq is readable.
 */
export function runLog(options: LogRunOptions): LogRun {
  const flash = new MockFlash(options.partitionBytes ?? LOG_PARTITION_BYTES, options.blockBytes ?? LOG_BLOCK_BYTES);
  const opened = FlashLog.open(flash);
  if (!opened.ok) throw new Error(opened.error.message);
  let log = opened.value;
  const scratch = new Uint8Array(LOG_PAYLOAD_BYTES);
  const expected: Uint8Array[] = [new Uint8Array(0)]; // by seq (seq 0 is never used)
  const hourOfSeq: number[] = [0];
  const violations: string[] = [];
  let payloadBytes = 0;
  let minHeldHours = Infinity;
  let oldestAdvances = 0;
  let lastOldest = log.oldestSeq;
  let verifications = 0;
  const append = (type: number, length: number, hour: number): void => {
    const r = log.append(type, scratch, length);
    if (!r.ok) throw new Error(r.error.message);
    if (r.value.seq !== expected.length) violations.push(`append gave seq ${r.value.seq}, expected ${expected.length}`);
    expected.push(scratch.slice(0, length));
    hourOfSeq.push(hour);
    payloadBytes += length;
    const oldest = log.oldestSeq;
    if (oldest !== lastOldest) {
      oldestAdvances++;
      if (oldest < lastOldest) violations.push(`oldestSeq went back from ${lastOldest} to ${oldest}`);
      lastOldest = oldest;
    }
    if (oldest > 1) minHeldHours = Math.min(minHeldHours, hour - hourOfSeq[oldest]!);
  };
  const verify = (day: number): void => {
    verifications++;
    const oldest = log.oldestSeq;
    const newest = log.newestSeq;
    if (newest !== expected.length - 1) violations.push(`day ${day}: newestSeq ${newest}, appended ${expected.length - 1}`);
    let next = oldest > 1 ? oldest - 1 : oldest; // asking for the overwritten one must start at oldest
    let want = oldest;
    for (;;) {
      const page = log.read(next, 32);
      if (page.length === 0) break;
      for (const r of page) {
        if (r.seq !== want) violations.push(`day ${day}: read seq ${r.seq}, expected ${want}`);
        const e = expected[r.seq];
        if (!e || e.length !== r.payload.length || e.some((b, i) => b !== r.payload[i])) violations.push(`day ${day}: record ${r.seq} differs`);
        want = r.seq + 1;
      }
      next = page[page.length - 1]!.seq + 1;
    }
    if (want !== newest + 1) violations.push(`day ${day}: read up to ${want - 1}, newest is ${newest}`);
    const again = FlashLog.open(flash);
    if (!again.ok) violations.push(`day ${day}: reopen refused: ${again.error.message}`);
    else {
      if (again.value.problemCount !== 0) violations.push(`day ${day}: reopen found ${again.value.problemCount} problems`);
      if (again.value.oldestSeq !== oldest || again.value.newestSeq !== newest) violations.push(`day ${day}: reopen sees ${again.value.oldestSeq}..${again.value.newestSeq}, not ${oldest}..${newest}`);
      log = again.value;
    }
  };
  for (let day = 0; day < options.days; day++) {
    for (let hour = 0; hour < 24; hour++) {
      const hourIndex = Math.floor(START_TIME_S / 3600) + day * 24 + hour;
      for (const e of DEFAULT_DAY) {
        if (e.hour !== hour) continue;
        const n = encodeEvent({ timeS: hourIndex * 3600 + 600, type: e.type, reason: e.reason, data: e.data }, scratch);
        if (!n.ok) throw new Error(n.error.message);
        append(LOG_TYPES.event, n.value, day * 24 + hour);
      }
      const deliveredNl = 20_000 + ((day * 24 + hour) % 7) * 1_000;
      const n = encodeHourTotal({ hourIndex, drug: DEFAULT_DRUG.name, concentrationUgPerMl: DEFAULT_DRUG.concentrationUgPerMl, deliveredNl }, scratch);
      if (!n.ok) throw new Error(n.error.message);
      append(LOG_TYPES.hourTotal, n.value, day * 24 + hour + 1);
    }
    if (options.verifyEveryDays && ((day + 1) % options.verifyEveryDays === 0 || day === options.days - 1)) verify(day);
  }
  const records = expected.length - 1;
  return {
    flash,
    log,
    records,
    payloadBytes,
    recordBytes: payloadBytes + records * LOG_RECORD_OVERHEAD,
    minHeldDays: minHeldHours / 24,
    oldestAdvances,
    violations,
    verifications,
  };
}

/** Days of history and erases per block per year from the byte arithmetic alone. */
export function logFormula(recordBytesPerDay: number, recordsPerDay: number, partitionBytes = LOG_PARTITION_BYTES, blockBytes = LOG_BLOCK_BYTES): { days: number; erasesPerBlockPerYear: number } {
  const blocks = partitionBytes / blockBytes;
  // Each block holds whole records; on average half a record is left unused at its end.
  const perBlock = blockBytes - LOG_BLOCK_HEADER_BYTES - recordBytesPerDay / recordsPerDay / 2;
  // Just after the oldest block is erased the ring holds blocks - 1 full blocks.
  const days = ((blocks - 1) * perBlock) / recordBytesPerDay;
  const erasesPerBlockPerYear = (DAYS_PER_YEAR * recordBytesPerDay) / (blocks * perBlock);
  return { days, erasesPerBlockPerYear };
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function benchStorageLog(): Record<string, number> {
  const years = 5;
  const days = Math.round(years * DAYS_PER_YEAR);
  const run = runLog({ days });
  const recordsPerDay = run.records / days;
  const bytesPerDay = run.recordBytes / days;
  const erases = run.flash.eraseCounts;
  // Erases per block per year, measured: the mean over blocks (the ring spreads them within one).
  const perYear = erases.reduce((a, b) => a + b, 0) / erases.length / (days / DAYS_PER_YEAR);
  const formula = logFormula(bytesPerDay, recordsPerDay);
  const offDays = Math.abs(run.minHeldDays - formula.days) / formula.days;
  const offWear = Math.abs(perYear - formula.erasesPerBlockPerYear) / formula.erasesPerBlockPerYear;
  if (offDays > 0.05 || offWear > 0.05 || run.violations.length > 0) {
    console.error(`storage log: measured ${run.minHeldDays.toFixed(1)} days and ${perYear.toFixed(2)} erases/block/year; formula ${formula.days.toFixed(1)} and ${formula.erasesPerBlockPerYear.toFixed(2)}; ${run.violations.length} violations`);
  }
  return {
    'storage.logPartitionKb': LOG_PARTITION_BYTES / 1024,
    'storage.logRecordsPerDay': round(recordsPerDay, 1),
    'storage.logBytesPerDay': Math.round(bytesPerDay),
    'storage.logDaysCapacity': round(run.minHeldDays, 1),
    'storage.logEraseCyclesPerBlockPerYear': round(perYear, 2),
    'storage.wearPercentPer7y': round(((perYear * 7) / FLASH_RATED_ERASE_CYCLES) * 100, 4),
  };
}
