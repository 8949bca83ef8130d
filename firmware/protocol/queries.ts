// The read-only queries that describe the pump rather than change it: INFO (versions,
// mechanics, battery, the reservoir and what it holds, the log's extent), RXDATA (the running
// prescription's JSON in chunks, so a programmer can show what a new one changes), LOG
// (history records by sequence number, a page at a time) and the CAL arithmetic. Kept apart
// from the dispatcher in link.ts, which only routes to them.

import type { PumpControl } from './pump-control';
import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { MechanicsInput } from '../core/mechanics';
import { SYRINGES } from '../core/mechanics';
import { jsonBytes } from '../storage/records';
import type { FlashLog } from '../storage/log';
import { decodeRecord } from '../storage/log-records';
import { encodeBase64 } from './args';
import { crc32Hex } from '../shared/crc';
import type { Fields } from './frame';
import { fieldValue, withCrc } from './frame';

/** Bytes of prescription JSON per RXDATA reply (base64: 64 characters, as CHUNK takes). */
export const RXDATA_BYTES = 48;
/** Records per LOG page: a page is about 2 KB on the wire, 0.2 s at 115200 baud. */
export const LOG_PAGE_MAX = 20;
/** A calibration more than this far from the current one is taken for a measuring mistake. */
const CAL_MAX_CHANGE_PERCENT = 20;

export function infoFields(c: PumpControl, firmwareVersion: string, protocolVersion: number, log: FlashLog | undefined): Fields {
  const p = c.pump;
  const m = p.mechanics;
  const s = c.status();
  const bat = p.monitor.battery;
  return {
    fw: firmwareVersion,
    proto: protocolVersion,
    syringe: m.syringe.name,
    boreUm: m.syringe.innerDiameterUm,
    capacityNl: m.syringe.capacityNl,
    leadUm: m.leadUm,
    stepsPerRev: m.fullStepsPerRev,
    microsteps: m.microsteps,
    maxStepHz: m.maxStepHz,
    flPerMicrostep: m.flPerMicrostep,
    calibrated: m.calibrated,
    reservoirNl: s.reservoirNl,
    lowReservoirNl: p.accounting.lowReservoirNl,
    // What the reservoir holds, as the last refill recorded it ('unknown' before any).
    drug: p.reservoir.held?.drug ?? 'unknown',
    conc: p.reservoir.held?.concentrationUgPerMl ?? 0,
    batteryPct: Math.floor((100 * bat.remainingMicroC) / bat.capacityMicroC),
    eriMs: s.batteryMsToEri,
    uptimeMs: s.nowMs,
    logFirst: log ? log.oldestSeq : 'none',
    logLast: log ? log.newestSeq : 'none',
  };
}

/** A chunk of the running prescription as the pump stores it (ASCII-escaped JSON). */
export function rxData(c: PumpControl, offset: number): Result<Fields> {
  const rx = c.pump.prescription;
  if (!rx) return fail(pumpError('NOT_PROGRAMMED', 'there is no running prescription to read'));
  const bytes = jsonBytes(rx);
  if (offset > bytes.length) return fail(pumpError('BAD_ARGUMENTS', `offset ${offset} is past the end of the ${bytes.length}-byte prescription`, 'offset'));
  const part = bytes.subarray(offset, Math.min(bytes.length, offset + RXDATA_BYTES));
  return ok({ bytes: bytes.length, crc32: crc32Hex(bytes), offset, data: part.length ? encodeBase64(part) : '-' });
}

/**
 * Up to `max` log records from sequence number `from`, one line each:
 * `L <seq> <timeS> <type> <reason> key=value ...`, CRC-terminated like event lines: events as
 * logged, `drug-hour DRUG_TOTAL` for the per-drug hourly totals, `note NOTE` for notes.
 * A record that does not decode is still listed (type `unreadable`): history never silently shrinks.
 */
export function logPage(log: FlashLog | undefined, from: number, max: number): Result<{ lines: string[]; fields: Fields }> {
  if (!log) return fail(pumpError('NO_HISTORY', 'this pump has no history log'));
  const records = log.read(from, Math.min(max, LOG_PAGE_MAX));
  const lines: string[] = [];
  for (const r of records) {
    const d = decodeRecord(r.type, r.payload);
    let text: string;
    if (!d.ok) text = `L ${r.seq} 0 unreadable - type=${r.type} bytes=${r.payload.length}`;
    else if (d.value.kind === 'event') {
      const e = d.value.event;
      text = `L ${r.seq} ${e.timeS} ${e.type} ${e.reason}${fieldText(e.data)}`;
    } else if (d.value.kind === 'hour-total') {
      const h = d.value.total;
      // Per drug, timed at the start of its clock hour (the hour-total event marks its end).
      text = `L ${r.seq} ${h.hourIndex * 3_600} drug-hour DRUG_TOTAL drug=${fieldValue(h.drug)} conc=${h.concentrationUgPerMl} deliveredNl=${h.deliveredNl}`;
    } else text = `L ${r.seq} ${d.value.note.timeS} note NOTE${fieldText(d.value.note.data)}`;
    lines.push(withCrc(text));
  }
  const last = records[records.length - 1];
  return ok({ lines, fields: { first: log.oldestSeq, last: log.newestSeq, n: records.length, next: last ? last.seq + 1 : Math.max(from, log.oldestSeq) } });
}

function fieldText(data: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out += ` ${k}=${fieldValue(v)}`;
  }
  return out;
}

/**
 * The mechanics with a new calibration: the volume of a microstep scaled by measured over
 * commanded. The current factor is the base, so calibrating twice converges rather than resets.
 */
export function calibrated(c: PumpControl, commandedNl: number, measuredNl: number): Result<MechanicsInput> {
  const m = c.pump.mechanics;
  const changePercent = (100 * Math.abs(measuredNl - commandedNl)) / commandedNl;
  if (changePercent > CAL_MAX_CHANGE_PERCENT) {
    return fail(pumpError('CALIBRATION_OUT_OF_RANGE', `measured ${measuredNl} nl for ${commandedNl} nl commanded is ${changePercent.toFixed(1)}% off (at most ${CAL_MAX_CHANGE_PERCENT}%)`));
  }
  // fl -> nl with 6 decimals: the stored calibration is a decimal nanolitre figure.
  const nlPerMicrostep = Math.round((m.flPerMicrostep * measuredNl) / commandedNl) / 1_000_000;
  const named = SYRINGES.find((s) => s.name === m.syringe.name && s.innerDiameterUm === m.syringe.innerDiameterUm);
  return ok({
    syringe: named ? named.name : { innerDiameterUm: m.syringe.innerDiameterUm, capacityNl: m.syringe.capacityNl },
    leadUm: m.leadUm,
    fullStepsPerRev: m.fullStepsPerRev,
    microsteps: m.microsteps,
    maxStepHz: m.maxStepHz,
    calibrationNlPerMicrostep: nlPerMicrostep,
  });
}
