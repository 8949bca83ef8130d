// Power cuts at every step of every storage operation of a realistic day. The day runs once
// with each operation journaled (an NVS write, a flash write, a flash erase): the stores as they
// stood before it, and the truth at that moment (what the rig really pushed, what the reservoir
// really holds, which prescriptions were committed, which alarms were recorded as active, which
// log records were completely appended). Then for each cut point the mocks replay the operation
// up to the cut, a fresh virtual board boots from what the stores hold, and it is checked: the
// prescription is one that was committed (old or new, never a mix); the delivered history is
// not short of the truth; the reservoir estimate is not above it; every alarm recorded active
// is active again; every log record appended before the cut (hourly totals included) reads back
// unchanged, unless the cut append was erasing its block; every patient bolus started before
// the cut is in the ledger; every bolus the cut left with a start and no end in the log is
// closed there once (BOLUS_CUT_BY_RESET) with a bound the rig's push since its start does not
// exceed, and no other bolus is; nothing resumes (no bolus runs, delivery held for
// UNEXPECTED_RESET).
//
// Cut points. NVS (host/storage/kv-mock.ts): after the erase of the key, and after every byte of
// the value (both leave the key missing on the ESP32), and the write complete. Flash writes
// (host/storage/flash-mock.ts): after every byte, that byte half-programmed, and complete.
// Flash erases: part-way at ERASE_CUTS bytes of the block, that byte half-erased, and complete.
// Cut points that leave identical NVS images are booted once and counted once in `boots`.

import { readPrescription } from '../../firmware/core/prescription';
import { type FlashPartition } from '../../firmware/ports/flash';
import { FlashLog } from '../../firmware/storage/log';
import { decodeRecord } from '../../firmware/storage/log-records';
import { createVirtualPump, type VirtualPump, type VirtualPumpOptions } from '../sim/virtual-pump';
import { MockFlash, PowerCut } from './flash-mock';
import { MockKeyValueStore } from './kv-mock';

/** A flash partition that tells a listener about each write and erase before it happens. */
class JournalingFlash implements FlashPartition {
  readonly inner: MockFlash;
  onWrite: ((offset: number, data: Uint8Array) => void) | undefined;
  onErase: ((block: number) => void) | undefined;
  constructor(inner: MockFlash) {
    this.inner = inner;
  }
  get byteLength(): number {
    return this.inner.byteLength;
  }
  get blockSize(): number {
    return this.inner.blockSize;
  }
  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset, length);
  }
  write(offset: number, data: Uint8Array): void {
    this.onWrite?.(offset, data);
    this.inner.write(offset, data);
  }
  eraseBlock(block: number): void {
    this.onErase?.(block);
    this.inner.eraseBlock(block);
  }
}

/** The device's log partition: 128 KB of 4 KB blocks. A smaller one makes the log wrap within a day. */
export interface FlashGeometry {
  readonly bytes: number;
  readonly block: number;
}
const DEVICE_FLASH: FlashGeometry = { bytes: 128 * 1024, block: 4096 };

/** Where an erase is cut, in bytes of its block (a header is 16 bytes; the rest spans the body). */
const ERASE_CUTS = (block: number): number[] => [0, 1, 4, 15, 16, 17, 64, block >> 1, block - 1];

const MIN = 60_000;
const HOUR = 60 * MIN;

interface TrueRecord {
  readonly seq: number;
  readonly type: number;
  readonly payload: readonly number[];
}

interface Entry {
  readonly before: MockKeyValueStore;
  readonly flashBefore: Uint8Array;
  readonly op: 'nvs' | 'write' | 'erase';
  /** The NVS key written, or undefined. */
  readonly key: string | undefined;
  /** The flash offset written, or the block erased. */
  readonly at: number;
  readonly value: Uint8Array;
  /** Log records completely appended before this operation (a prefix of the day's `records`). */
  readonly logCount: number;
  /** Records older than this may be gone: the oldest block, when the append cut here erases it. */
  keepFrom: number;
  readonly pushedNl: number;
  readonly reservoirNl: number;
  /** Prescriptions (normalised JSON) that may be found after a cut at this operation. */
  readonly candidates: readonly string[];
  /** Alarms in the last completed alarm record: each must be active after a cut here. */
  readonly alarms: readonly string[];
  /** The same once this operation completes (it differs when this is the alarm record's write). */
  alarmsDone: readonly string[];
  /**
   * Patient boluses started before this operation: each must be in the ledger after a cut here
   * (storage writes the dose memory before the motor runs a step of it, and before the start is
   * published), or a reset would let the patient have it again.
   */
  readonly patientIds: readonly number[];
}

interface Day {
  readonly journal: Entry[];
  readonly records: TrueRecord[];
  /** What the rig had pushed when each bolus started (the whole day's, by bolus id). */
  readonly pushedAtStart: ReadonlyMap<number, number>;
}

export interface PowerCutResult {
  /** Cut points tried. */
  readonly points: number;
  /** Boards booted (cut points leaving an NVS image already booted for that write are not). */
  readonly boots: number;
  /** Storage operations journaled (NVS writes, flash writes, flash erases). */
  readonly writes: number;
  /** Of them, flash erases. */
  readonly erases: number;
  readonly violations: number;
  readonly firstViolations: readonly string[];
  /** Boots that closed a bolus the cut left running in the log (BOLUS_CUT_BY_RESET). */
  readonly bolusCloses: number;
}

type DayStep = (vp: VirtualPump) => unknown;

const normal = (input: unknown): string => {
  const r = readPrescription(input);
  if (!r.ok) throw new Error(r.error.message);
  return JSON.stringify(r.value);
};

/** Records every completed append of `log` into `records`, and marks the append's journal entries. */
function watchLog(log: FlashLog, journal: Entry[], records: TrueRecord[]): void {
  for (const r of log.read(0, 1_000_000)) records.push({ seq: r.seq, type: r.type, payload: Array.from(r.payload) });
  const append = log.append.bind(log);
  log.append = (type, payload, length = payload.length) => {
    const first = journal.length;
    const r = append(type, payload, length);
    if (r.ok) records.push({ seq: r.value.seq, type, payload: Array.from(payload.subarray(0, length)) });
    // A cut inside this append may also lose what the completed append dropped (its erased block).
    for (let j = first; j < journal.length; j++) journal[j]!.keepFrom = Math.max(journal[j]!.keepFrom, log.oldestSeq);
    return r;
  };
}

/** The realistic day, journaling every operation on either store. */
function recordDay(base: VirtualPumpOptions, day: readonly DayStep[], geometry: FlashGeometry): Day {
  const kv = new MockKeyValueStore();
  const flash = new JournalingFlash(new MockFlash(geometry.bytes, geometry.block));
  const journal: Entry[] = [];
  const records: TrueRecord[] = [];
  const committed = [normal(base.prescription)];
  let pending: string | undefined;
  let alarms: readonly string[] = [];
  let vpRef: VirtualPump | undefined;
  let alarmWrite: Entry | undefined;
  const patientIds: number[] = [];
  const pushedAtStart = new Map<number, number>();
  const note = (op: Entry['op'], key: string | undefined, at: number, value: Uint8Array): void => {
    const vp = vpRef;
    journal.push({
      before: kv.clone(),
      flashBefore: flash.inner.snapshot(),
      op,
      key,
      at,
      value: value.slice(),
      logCount: records.length,
      keepFrom: vp?.persistence?.log?.oldestSeq ?? 0,
      pushedNl: vp ? vp.rig.pushedNl : 0,
      reservoirNl: vp ? vp.rig.reservoirNl : (base.reservoirNl ?? 0),
      candidates: pending ? [...committed, pending] : [...committed],
      alarms,
      alarmsDone: alarms,
      patientIds: patientIds.slice(),
    });
    if (key?.startsWith('alarm.')) alarmWrite = journal[journal.length - 1];
  };
  kv.onWrite = (key, value) => note('nvs', key, 0, value);
  flash.onWrite = (offset, value) => note('write', undefined, offset, value);
  flash.onErase = (block) => note('erase', undefined, block, new Uint8Array(0));
  const vp = createVirtualPump({ ...base, storage: kv, flash });
  vpRef = vp;
  if (vp.persistence?.log) watchLog(vp.persistence.log, journal, records);
  // Subscribed after the persistence layer, so this runs once the alarm record is written.
  vp.controller.subscribe((e) => {
    if (e.type === 'bolus-start' && e.data['kind'] === 'patient') patientIds.push(e.data['id'] as number);
    if (e.type === 'bolus-start') pushedAtStart.set(e.data['id'] as number, vp.rig.pushedNl);
    if (e.type !== 'alarm' && e.type !== 'alarm-cleared') return;
    alarms = vp.controller.pump.alarms.list().map((a) => a.name);
    if (alarmWrite) alarmWrite.alarmsDone = alarms;
    alarmWrite = undefined;
  });
  const program = vp.controller.program.bind(vp.controller);
  vp.controller.program = (input, flags) => {
    pending = normal(input);
    const r = program(input, flags);
    if (r.ok) committed.push(pending);
    pending = undefined;
    return r;
  };
  for (const step of day) step(vp);
  return { journal, records, pushedAtStart };
}

type Cut = { readonly kind: 'step' | 'bytes' | 'erase'; readonly n: number };

/** The cut points of one operation. */
function cutsOf(e: Entry, stride: number, block: number): Cut[] {
  const cuts: Cut[] = [];
  if (e.op === 'erase') {
    for (const n of ERASE_CUTS(block)) cuts.push({ kind: 'erase', n });
    cuts.push({ kind: 'erase', n: block });
    return cuts;
  }
  if (e.op === 'nvs') cuts.push({ kind: 'step', n: 1 }); // after nvs_erase_key
  for (let k = 0; k <= e.value.length; k += stride) cuts.push({ kind: 'bytes', n: k });
  return cuts;
}

/** Both stores as the mocks leave them when the power is cut at `cut` in entry `e`. */
function imagesAt(e: Entry, cut: Cut, geometry: FlashGeometry): { kv: MockKeyValueStore; flash: MockFlash } {
  const kv = e.before.clone();
  const flash = new MockFlash(geometry.bytes, geometry.block);
  flash.poke(0, e.flashBefore);
  try {
    if (e.op === 'nvs') {
      if (cut.kind === 'step') kv.cutAtStep(cut.n);
      else kv.cutAfterBytes(cut.n);
      kv.write(e.key!, e.value);
    } else if (e.op === 'write') {
      flash.cutAfterBytes(cut.n);
      flash.write(e.at, e.value);
    } else {
      flash.cutInErase(cut.n);
      flash.eraseBlock(e.at);
    }
  } catch (err) {
    if (!(err instanceof PowerCut)) throw err;
  }
  kv.reboot();
  flash.reboot();
  return { kv, flash };
}

/**
 * Which log records appended before the cut do not read back unchanged from `flash` as the cut
 * left it. Read before the board boots: its own appends may wrap the ring and drop old blocks.
 */
function lostRecords(e: Entry, flash: MockFlash, records: readonly TrueRecord[]): string[] {
  const out: string[] = [];
  if (e.logCount === 0) return out;
  const opened = FlashLog.open(flash); // a scan only: it writes nothing
  if (!opened.ok) return [`the log is refused (${opened.error.message}): ${e.logCount} records appended before the cut are lost`];
  const readable = new Map<number, { type: number; payload: Uint8Array }>();
  for (const r of opened.value.read(0, 1_000_000)) readable.set(r.seq, r);
  for (let i = 0; i < e.logCount; i++) {
    const want = records[i]!;
    if (want.seq < e.keepFrom) continue;
    const got = readable.get(want.seq);
    const same = got !== undefined && got.type === want.type && got.payload.length === want.payload.length && got.payload.every((b, j) => b === want.payload[j]);
    if (!same) out.push(`log record ${want.seq} (type ${want.type}), completely appended before the cut, ${got ? 'reads back changed' : 'is lost'}`);
  }
  return out;
}

/** What is wrong with the board booted after a cut in entry `e` (empty: nothing). */
function check(e: Entry, done: boolean, vp: VirtualPump): string[] {
  const out: string[] = [];
  const s = vp.controller.status();
  if (!e.candidates.includes(JSON.stringify(vp.controller.pump.prescription))) out.push('the prescription after boot was never committed');
  if (s.deliveredNl < Math.floor(e.pushedNl)) out.push(`history says ${s.deliveredNl} nl delivered, the rig pushed ${e.pushedNl}`);
  if (s.reservoirNl > Math.ceil(e.reservoirNl)) out.push(`reservoir estimate ${s.reservoirNl} nl is above the truth ${e.reservoirNl}`);
  const active = new Set(s.alarms.map((a) => a.name));
  for (const name of done ? e.alarmsDone : e.alarms) if (!active.has(name)) out.push(`alarm ${name} was recorded active and is not after the boot`);
  if (e.before.writes > 0 && s.boluses.length > 0) out.push('a bolus runs after the reboot');
  const ledger = new Set(vp.controller.pump.ledger.records.map((r) => r.bolusId));
  for (const id of e.patientIds) if (!ledger.has(id)) out.push(`patient bolus #${id} started before the cut and is missing from the ledger after it`);
  if (e.before.writes > 0 && !active.has('UNEXPECTED_RESET')) out.push('delivery did not hold for UNEXPECTED_RESET');
  return out;
}

/** Boluses the log holds a start of, and those it holds an end of (read before the boot). */
function loggedBoluses(log: FlashLog): { started: Set<number>; ended: Set<number>; closes: Map<number, Record<string, unknown>[]> } {
  const started = new Set<number>();
  const ended = new Set<number>();
  const closes = new Map<number, Record<string, unknown>[]>();
  for (const r of log.read(0, 1_000_000)) {
    const d = decodeRecord(r.type, r.payload);
    if (!d.ok || d.value.kind !== 'event') continue;
    const ev = d.value.event;
    const id = ev.data['id'] as number;
    if (ev.type === 'bolus-start') started.add(id);
    else if (ev.reason === 'BOLUS_CUT_BY_RESET') closes.set(id, [...(closes.get(id) ?? []), ev.data]);
    else if (ev.type === 'bolus-end' || ev.type === 'bolus-interrupted') ended.add(id);
  }
  return { started, ended, closes };
}

/**
 * The boot's closes of boluses cut by the reset: each bolus the log held a start and no end of
 * before the boot (`before`) is closed once, with a bound the rig's push since its start does
 * not exceed, and no other bolus is.
 */
function cutBolusProblems(e: Entry, before: ReturnType<typeof loggedBoluses> | undefined, pushedAtStart: ReadonlyMap<number, number>, vp: VirtualPump): string[] {
  const log = vp.persistence?.log;
  if (!log || !before) return [];
  const out: string[] = [];
  const { closes } = loggedBoluses(log);
  const open = [...before.started].filter((id) => !before.ended.has(id));
  for (const [id, list] of closes) {
    if (!open.includes(id)) out.push(`bolus #${id} was not left open in the log by the cut and is closed as cut by it`);
    else if (list.length > 1) out.push(`bolus #${id} is closed ${list.length} times`);
  }
  for (const id of open) {
    const close = closes.get(id)?.[0];
    const pushedNl = e.pushedNl - (pushedAtStart.get(id) ?? 0);
    if (!close) out.push(`bolus #${id} was running at the cut and is not closed in the log`);
    else if (typeof close['sinceStartNl'] === 'number' && close['sinceStartNl'] < Math.floor(pushedNl)) {
      out.push(`bolus #${id} closed with at most ${close['sinceStartNl']} nl since its start; the rig pushed ${pushedNl}`);
    }
  }
  return out;
}

export function powerCutDay(base: VirtualPumpOptions, day: readonly DayStep[], stride = 1, geometry: FlashGeometry = DEVICE_FLASH): PowerCutResult {
  const { journal, records, pushedAtStart } = recordDay(base, day, geometry);
  let points = 0;
  let boots = 0;
  let violations = 0;
  let bolusCloses = 0;
  const first: string[] = [];
  journal.forEach((entry, w) => {
    const seen = new Map<string, string[]>();
    for (const cut of cutsOf(entry, stride, geometry.block)) {
      points++;
      const { kv, flash } = imagesAt(entry, cut, geometry);
      // An NVS cut leaves the key missing or written: one boot for each image.
      const sig = entry.key === undefined ? undefined : kv.read(entry.key) ? 'written' : 'missing';
      let found = sig === undefined ? undefined : seen.get(sig);
      if (!found) {
        boots++;
        const lost = lostRecords(entry, flash, records);
        const scanned = FlashLog.open(flash); // a scan only: it writes nothing
        const before = scanned.ok ? loggedBoluses(scanned.value) : undefined;
        const vp = createVirtualPump({ ...base, storage: kv, flash, keepEvents: true });
        if (vp.persistence?.log && loggedBoluses(vp.persistence.log).closes.size > 0) bolusCloses++;
        found = [...lost, ...check(entry, sig === 'written', vp), ...cutBolusProblems(entry, before, pushedAtStart, vp)];
        if (sig !== undefined) seen.set(sig, found);
      }
      const what = entry.op === 'nvs' ? `NVS ${entry.key}` : entry.op === 'write' ? `flash write @${entry.at}` : `flash erase of block ${entry.at}`;
      const where = cut.kind === 'step' ? 'after its erase' : `after ${cut.n} of ${cut.kind === 'erase' ? geometry.block : entry.value.length} bytes`;
      for (const v of found) {
        violations++;
        if (first.length < 5) first.push(`operation ${w} (${what}) cut ${where}: ${v}`);
      }
    }
  });
  return { points, boots, writes: journal.length, erases: journal.filter((e) => e.op === 'erase').length, violations, firstViolations: first, bolusCloses };
}

/** The day: program, boluses, a refill, an alarm, settings, hourly totals over 24 h. */
export const REALISTIC_DAY: readonly DayStep[] = [
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.controller.patientBolus(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) =>
    vp.controller.program({
      name: 'day-2',
      drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
      mode: 'flexible',
      schedule: [
        { startMs: 0, rateNlPerDay: 2_000_000 },
        { startMs: 8 * HOUR, rateNlPerDay: 4_000_000 },
      ],
      patientBolus: { volumeNl: 50_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 300_000 },
    }),
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.controller.patientBolus(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) => vp.controller.setLowReservoirThreshold(1_500_000),
  (vp) => {
    vp.drive.setStall(true);
    vp.runFor(MIN);
    vp.drive.setStall(false);
    vp.controller.acknowledge();
  },
  (vp) => vp.runFor(3 * HOUR),
  (vp) => {
    // The syringe is refilled first; then the clinician records it.
    vp.rig.refill(9_000_000);
    vp.controller.refill(9_000_000);
  },
  (vp) => vp.controller.patientBolus(),
  (vp) => vp.runFor(11 * HOUR),
];

export const DAY_OPTIONS: VirtualPumpOptions = {
  mechanics: { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
  library: undefined,
  reservoirNl: 9_000_000,
  prescription: {
    name: 'day-1',
    drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
    mode: 'continuous',
    rateNlPerDay: 3_000_000,
    patientBolus: { volumeNl: 50_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 300_000 },
  },
};

/** A hospital-rate day: 1 mL/h, clinician boluses, a pause, a refill. */
export const BOLUS_DAY: readonly DayStep[] = [
  (vp) => vp.runFor(HOUR),
  (vp) => vp.controller.clinicianBolus({ volumeNl: 200_000, durationMs: 10 * MIN }),
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.controller.pause(),
  (vp) => vp.runFor(30 * MIN),
  (vp) => vp.controller.resume(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) => vp.controller.clinicianBolus({ volumeNl: 300_000, durationMs: 15 * MIN, delayMs: 5 * MIN }),
  (vp) => vp.runFor(2 * HOUR),
  (vp) => {
    vp.rig.refill(9_500_000);
    vp.controller.refill(9_500_000);
  },
  (vp) => vp.runFor(16 * HOUR),
];

/** An alarm-heavy day: an occlusion with back-off, a sensor fault, low reservoir, acknowledgements. */
export const ALARM_DAY: readonly DayStep[] = [
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.line.occlude(vp.nowMs),
  (vp) => vp.runFor(20 * MIN),
  (vp) => vp.line.release(vp.nowMs),
  (vp) => vp.controller.acknowledge(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) => vp.flowModel.setUnplugged(true),
  (vp) => vp.runFor(10 * MIN),
  (vp) => vp.flowModel.setUnplugged(false),
  (vp) => vp.runFor(MIN),
  (vp) => vp.controller.acknowledge(),
  (vp) => vp.controller.setLowReservoirThreshold(8_800_000),
  (vp) => vp.runFor(18 * HOUR),
];

export const HOSPITAL_OPTIONS: VirtualPumpOptions = {
  ...DAY_OPTIONS,
  reservoirNl: 10_000_000,
  prescription: { name: 'hospital', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 6_000_000 },
};
