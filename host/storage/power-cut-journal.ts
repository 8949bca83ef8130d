// The first half of the power-cut sweep (power-cut.ts): the day runs once with every storage
// operation journaled (an NVS write, a flash write, a flash erase): the stores as they stood
// before it, and the truth at that moment, which the board booted after a cut there is held
// to (power-cut-checks.ts).

import { createAuth } from '../../firmware/app/security';
import { nobleDigest } from '../protocol/digest-noble';
import { readPrescription } from '../../firmware/core/prescription';
import { MemoryKeyStore } from '../../firmware/protocol/auth';
import type { FlashPartition } from '../../firmware/ports/flash';
import type { FlashLog } from '../../firmware/storage/log';
import type { VirtualPump, VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import { exampleKey, seededEntropy } from '../protocol/virtual-link';
import { MockFlash } from './flash-mock';
import { MockKeyValueStore } from './kv-mock';
import type { DayStep } from './power-cut-days';

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
export const DEVICE_FLASH: FlashGeometry = { bytes: 128 * 1024, block: 4096 };

export interface TrueRecord {
  readonly seq: number;
  readonly type: number;
  readonly payload: readonly number[];
}

/** The AUTH lockout as the last completed store of it left it (the truth a cut must not undercut). */
export interface AuthTruth {
  readonly failures: number;
  /** AUTH was locked at that moment. */
  readonly locked: boolean;
}

export interface Entry {
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
  /** The highest bolus number started before this operation: a boot must never hand it out again. */
  readonly lastBolusId: number;
  /** Pump ms of the clinician boluses started before this operation (the library's 24 h counts). */
  readonly clinicianStarts: readonly number[];
  /** Reservoir contents (JSON) that may be found after a cut here: the held one, and during a refill or program the one before. */
  contents: readonly string[];
  /** The AUTH lockout as stored before this operation, and once it completes. */
  readonly auth: AuthTruth;
  authDone: AuthTruth;
}

export interface Day {
  readonly journal: Entry[];
  readonly records: TrueRecord[];
  /** What the rig had pushed when each bolus started (the whole day's, by bolus id). */
  readonly pushedAtStart: ReadonlyMap<number, number>;
}

export const normalRx = (input: unknown): string => {
  const r = readPrescription(input);
  if (!r.ok) throw new Error(r.error.message);
  return JSON.stringify(r.value);
};

export const contentsOf = (vp: VirtualPump): string => JSON.stringify(vp.controller.pump.reservoir.held ?? null);

/** The programming link's Auth on `vp`, as the device wires it (lockout kept in NVS). */
export function authOf(vp: VirtualPump): ReturnType<typeof createAuth> {
  const keys = new MemoryKeyStore();
  for (const r of ['patient', 'clinician', 'service'] as const) keys.set(r, exampleKey(r));
  return createAuth({ controller: vp.controller, entropy: seededEntropy(7), digest: nobleDigest, keys, ...(vp.persistence && { records: vp.persistence.records }) });
}

/** What a write of the lockout record stores (its JSON between the record's header and CRC: records.ts). */
function storedLockout(value: Uint8Array, vp: VirtualPump | undefined): AuthTruth {
  const m = JSON.parse(String.fromCharCode(...value.subarray(11, value.length - 4))) as { failures: number; untilMs: number };
  return { failures: m.failures, locked: vp !== undefined && m.untilMs > vp.controller.now() };
}

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

/** The day, journaling every operation on either store. */
export function recordDay(base: VirtualPumpOptions, day: readonly DayStep[], geometry: FlashGeometry): Day {
  const kv = new MockKeyValueStore();
  const flash = new JournalingFlash(new MockFlash(geometry.bytes, geometry.block));
  const journal: Entry[] = [];
  const records: TrueRecord[] = [];
  const committed = [normalRx(base.prescription)];
  let pending: string | undefined;
  let alarms: readonly string[] = [];
  let vpRef: VirtualPump | undefined;
  let alarmWrite: Entry | undefined;
  const patientIds: number[] = [];
  const clinicianStarts: number[] = [];
  let lastBolusId = 0;
  let contents: string[] = [];
  let authRef: ReturnType<typeof authOf> | undefined;
  const pushedAtStart = new Map<number, number>();
  const note = (op: Entry['op'], key: string | undefined, at: number, value: Uint8Array): void => {
    const vp = vpRef;
    // Auth stores the lockout ahead of the proof check: its count here is what a cut must keep.
    const authNow: AuthTruth = authRef && vp ? { failures: authRef.failures, locked: authRef.lockedMs(vp.controller.now()) > 0 } : { failures: 0, locked: false };
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
      lastBolusId,
      clinicianStarts: clinicianStarts.slice(),
      contents: vp ? [contentsOf(vp)] : contents,
      auth: authNow,
      authDone: key?.startsWith('authlock.') ? storedLockout(value, vp) : authNow,
    });
    if (key?.startsWith('alarm.')) alarmWrite = journal[journal.length - 1];
  };
  kv.onWrite = (key, value) => note('nvs', key, 0, value);
  flash.onWrite = (offset, value) => note('write', undefined, offset, value);
  flash.onErase = (block) => note('erase', undefined, block, new Uint8Array(0));
  const vp = createVirtualPump({ ...base, storage: kv, flash });
  vpRef = vp;
  contents = [contentsOf(vp)];
  const auth = authOf(vp);
  authRef = auth;
  if (vp.persistence?.log) watchLog(vp.persistence.log, journal, records);
  // Subscribed after the persistence layer, so this runs once the alarm record is written.
  vp.controller.subscribe((e) => {
    if (e.type === 'bolus-start') {
      const id = e.data['id'] as number;
      lastBolusId = Math.max(lastBolusId, id);
      if (e.data['kind'] === 'patient') patientIds.push(id);
      if (e.data['kind'] === 'clinician') clinicianStarts.push(vp.controller.now());
      pushedAtStart.set(id, vp.rig.pushedNl);
    }
    if (e.type !== 'alarm' && e.type !== 'alarm-cleared') return;
    alarms = vp.controller.pump.alarms.list().map((a) => a.name);
    if (alarmWrite) alarmWrite.alarmsDone = alarms;
    alarmWrite = undefined;
  });
  // A call that may change the reservoir's contents: cuts inside it may find the old or the new.
  const changing =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      const from = journal.length;
      const old = contentsOf(vp);
      const r = f(...a);
      const now = contentsOf(vp);
      for (let j = from; j < journal.length; j++) journal[j]!.contents = [...new Set([old, ...journal[j]!.contents, now])];
      return r;
    };
  const program = vp.controller.program.bind(vp.controller);
  vp.controller.program = changing((input: unknown, flags?: Parameters<typeof program>[1]) => {
    pending = normalRx(input);
    const r = program(input, flags);
    if (r.ok) committed.push(pending);
    pending = undefined;
    return r;
  });
  vp.controller.refill = changing(vp.controller.refill.bind(vp.controller));
  for (const step of day) step(vp, { auth });
  return { journal, records, pushedAtStart };
}
