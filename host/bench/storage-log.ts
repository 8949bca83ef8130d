// storage.logDaysCapacity, storage.logEraseCyclesPerBlockPerYear, storage.wearPercentPer7y and
// storage.nvs*: from the firmware's own writes (benchStorageLog below says what they prove).
// runLog keeps the hand-written day (DEFAULT_DAY) for the log's verification test: appending in
// a loop for years, paging and reopening. Explained in docs/storage-log.md.

import type { EventData, EventType, ReasonCode } from '../../firmware/core/events';
import { FlashLog, LOG_BLOCK_HEADER_BYTES, LOG_RECORD_OVERHEAD } from '../../firmware/storage/log';
import { encodeEvent, encodeHourTotal, LOG_PAYLOAD_BYTES, LOG_TYPES } from '../../firmware/storage/log-records';
import { MockFlash } from '../storage/flash-mock';
import { DAYS_PER_YEAR, firmwareWrites, replayYears } from '../storage/log-years';

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

/**
 * ESP-IDF NVS wear, an upper bound from the firmware's own NVS writes: a blob of n bytes takes a
 * header entry, ceil(n / 32) data entries and a blob index entry (32-byte entries, 126 to a 4 KB
 * page); an erase of the key only marks entries erased. When the pages fill, the NVS garbage
 * collector erases the full page with the most erased entries, after moving its live ones: with
 * L live entries over the usable pages (all but the one kept free), that page holds at least
 * 126 - L / usable erased entries, so each sector erase frees at least that many.
 */
export function nvsErasesPerPagePerYear(writesPerDay: readonly number[], liveValues: readonly number[], days: number, pages = 6): number {
  const entries = (n: number): number => 2 + Math.ceil(n / 32);
  const perYear = (writesPerDay.reduce((a, n) => a + entries(n), 0) / days) * DAYS_PER_YEAR;
  const live = liveValues.reduce((a, n) => a + entries(n), 0);
  const freed = 126 - live / (pages - 1);
  return perYear / freed / pages;
}

/** Days of the firmware's life run on the virtual rig before the replay over years. */
const LIFE_DAYS = 28;

// What these figures prove: the log's capacity (days of history kept) and its sector wear, from
// the records the real firmware appends over LIFE_DAYS of the life in host/storage/log-years.ts
// (hourly totals, schedule steps, boluses, alarms, a refill), replayed for 5 years into the
// device's partition; and the NVS partition's wear from the same run's NVS writes, as an upper
// bound (nvsErasesPerPagePerYear). What they do not prove: another use (more boluses, a chatty
// clinician) writes more; the replay repeats the same weeks; the NVS figure is a bound from
// ESP-IDF's page format, not a simulation of its allocator. The hand-written day (runLog) is kept
// only for the log's own verification test, and as storage.logHandDay* context.
export function benchStorageLog(): Record<string, number> {
  const years = 5;
  const w = firmwareWrites(LIFE_DAYS);
  const replay = replayYears(w, years);
  if (!replay.reopenOk) console.error('storage log: the replayed log does not reopen cleanly');
  const perYear = replay.erasesPerBlockPerYear;
  const nvsPerYear = nvsErasesPerPagePerYear(w.nvsWrites, w.nvsLive, w.days);
  console.error(`storage log: firmware life ${w.days} days: ${w.records.length} records, ${w.boluses} boluses, ${w.alarms} alarms, ${w.refills} refills, ${w.nvsWrites.length} NVS writes`);
  const hand = runLog({ days: Math.round(years * DAYS_PER_YEAR) });
  return {
    'storage.logPartitionKb': LOG_PARTITION_BYTES / 1024,
    'storage.logRecordsPerDay': round(w.records.length / w.days, 1),
    'storage.logBytesPerDay': Math.round(replay.recordBytes / (years * DAYS_PER_YEAR)),
    'storage.logDaysCapacity': round(replay.minHeldDays, 1),
    'storage.logEraseCyclesPerBlockPerYear': round(perYear, 2),
    'storage.logMaxEraseCyclesPerBlockPerYear': round(replay.maxErasesPerBlockPerYear, 2),
    'storage.wearPercentPer7y': round(((replay.maxErasesPerBlockPerYear * 7) / FLASH_RATED_ERASE_CYCLES) * 100, 4),
    'storage.nvsWritesPerDay': round(w.nvsWrites.length / w.days, 1),
    'storage.nvsBytesPerDay': Math.round(w.nvsWrites.reduce((a, b) => a + b, 0) / w.days),
    'storage.nvsEraseCyclesPerPagePerYear': round(nvsPerYear, 1),
    'storage.nvsWearPercentPer7y': round(((nvsPerYear * 7) / FLASH_RATED_ERASE_CYCLES) * 100, 3),
    'storage.logHandDayDaysCapacity': round(hand.minHeldDays, 1),
  };
}
