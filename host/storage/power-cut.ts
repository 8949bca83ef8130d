// Power cuts at every byte of every storage write of a realistic day. The day runs once with
// each write journaled: the store as it stood before, the write, and the truth at that moment
// (what the rig really pushed, what the reservoir really holds, which prescriptions were
// committed). Then for each byte of each write the power is cut there, a fresh virtual board
// boots from what the store holds, and four things are checked: the prescription is one that
// was committed (old or new, never a mix); the delivered history is not short of the truth;
// the reservoir estimate is not above the truth; nothing resumes (no bolus runs, delivery held).

import { readPrescription } from '../../firmware/core/prescription';
import { type FlashPartition } from '../../firmware/ports/flash';
import { createVirtualPump, type VirtualPumpOptions } from '../sim/virtual-pump';
import { MockFlash } from './flash-mock';
import { MockKeyValueStore, PowerCut } from './kv-mock';

/** A flash partition that tells a listener about each write before it happens. */
class JournalingFlash implements FlashPartition {
  readonly inner: MockFlash;
  onWrite: ((offset: number, data: Uint8Array) => void) | undefined;
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
    this.inner.eraseBlock(block);
  }
}

const FLASH_BYTES = 128 * 1024;
const BLOCK_BYTES = 4096;

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Entry {
  readonly before: MockKeyValueStore;
  readonly flashBefore: Uint8Array;
  /** An NVS write (`key`) or a flash write (`offset`). */
  readonly key: string | undefined;
  readonly offset: number;
  readonly value: Uint8Array;
  /** Log records fully written before this write began (their commit byte written). */
  readonly logRecords: number;
  readonly pushedNl: number;
  readonly reservoirNl: number;
  /** Prescriptions (normalised JSON) that may be found after a cut at this write. */
  readonly candidates: readonly string[];
}

export interface PowerCutResult {
  readonly points: number;
  readonly writes: number;
  readonly violations: number;
  readonly firstViolations: readonly string[];
}

const normal = (input: unknown): string => {
  const r = readPrescription(input);
  if (!r.ok) throw new Error(r.error.message);
  return JSON.stringify(r.value);
};

/** The realistic day, journaling every write to either store. */
function recordDay(base: VirtualPumpOptions, day: readonly ((vp: ReturnType<typeof createVirtualPump>) => unknown)[]): Entry[] {
  const kv = new MockKeyValueStore();
  const flash = new JournalingFlash(new MockFlash(FLASH_BYTES, BLOCK_BYTES));
  const journal: Entry[] = [];
  const committed = [normal(base.prescription)];
  let pending: string | undefined;
  let commits = 0;
  let vpRef: ReturnType<typeof createVirtualPump> | undefined;
  const note = (key: string | undefined, offset: number, value: Uint8Array): void => {
    const vp = vpRef;
    journal.push({
      before: kv.clone(),
      flashBefore: flash.inner.snapshot(),
      key,
      offset,
      value: value.slice(),
      logRecords: commits,
      pushedNl: vp ? vp.rig.pushedNl : 0,
      reservoirNl: vp ? vp.rig.reservoirNl : (base.reservoirNl ?? 0),
      candidates: pending ? [...committed, pending] : [...committed],
    });
    // The log writes a record, then its one-byte commit marker (docs/storage-log.md).
    if (key === undefined && value.length === 1) commits++;
  };
  kv.onWrite = (key, value) => note(key, 0, value);
  flash.onWrite = (offset, value) => note(undefined, offset, value);
  const vp = createVirtualPump({ ...base, storage: kv, flash });
  vpRef = vp;
  const program = vp.controller.program.bind(vp.controller);
  vp.controller.program = (input, flags) => {
    pending = normal(input);
    const r = program(input, flags);
    if (r.ok) committed.push(pending);
    pending = undefined;
    return r;
  };
  for (const step of day) step(vp);
  return journal;
}

/** Both stores as they stand after the power is cut `k` bytes into journal entry `e`. */
function imagesAt(e: Entry, k: number): { kv: MockKeyValueStore; flash: MockFlash } {
  const kv = e.before.clone();
  const flash = new MockFlash(FLASH_BYTES, BLOCK_BYTES);
  flash.poke(0, e.flashBefore);
  if (e.key !== undefined) {
    kv.cutAfterBytes(k);
    try {
      kv.write(e.key, e.value);
    } catch (err) {
      if (!(err instanceof PowerCut)) throw err;
    }
    kv.reboot();
  } else {
    flash.poke(e.offset, e.value.subarray(0, k));
  }
  return { kv, flash };
}

export function powerCutDay(base: VirtualPumpOptions, day: readonly ((vp: ReturnType<typeof createVirtualPump>) => unknown)[], stride = 1): PowerCutResult {
  const journal = recordDay(base, day);
  let points = 0;
  let violations = 0;
  const first: string[] = [];
  const flag = (what: string): void => {
    violations++;
    if (first.length < 5) first.push(what);
  };
  journal.forEach((entry, w) => {
    for (let k = 0; k <= entry.value.length; k += stride) {
      points++;
      const { kv, flash } = imagesAt(entry, k);
      const vp = createVirtualPump({ ...base, storage: kv, flash, keepEvents: true });
      const s = vp.controller.status();
      const where = `write ${w} (${entry.key ?? `flash @${entry.offset}`}) cut after ${k} of ${entry.value.length} bytes`;
      const rx = JSON.stringify(vp.controller.pump.prescription);
      if (!entry.candidates.includes(rx)) flag(`${where}: the prescription after boot was never committed`);
      if (s.deliveredNl < Math.floor(entry.pushedNl)) flag(`${where}: history says ${s.deliveredNl} nl delivered, the rig pushed ${entry.pushedNl}`);
      if (s.reservoirNl > Math.ceil(entry.reservoirNl)) flag(`${where}: reservoir estimate ${s.reservoirNl} nl is above the truth ${entry.reservoirNl}`);
      const readable = vp.persistence?.log?.read(0, 100_000).length ?? 0;
      // The boot itself appends a note: at least that one more than was committed.
      if (readable < entry.logRecords) flag(`${where}: ${readable} log records readable, ${entry.logRecords} were written before the cut`);
      const writesBefore = entry.before.writes;
      if (writesBefore > 0 && s.boluses.length > 0) flag(`${where}: a bolus runs after the reboot`);
      if (writesBefore > 0 && !s.alarms.some((a) => a.name === 'UNEXPECTED_RESET')) flag(`${where}: delivery did not hold for UNEXPECTED_RESET`);
    }
  });
  return { points, writes: journal.length, violations, firstViolations: first };
}

/** The day: program, boluses, a refill, an alarm, settings, hourly totals over 24 h. */
export const REALISTIC_DAY: readonly ((vp: ReturnType<typeof createVirtualPump>) => unknown)[] = [
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
export const BOLUS_DAY: readonly ((vp: ReturnType<typeof createVirtualPump>) => unknown)[] = [
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
export const ALARM_DAY: readonly ((vp: ReturnType<typeof createVirtualPump>) => unknown)[] = [
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
