// What survives a power cut, and when it is written. The committed prescription, mechanics,
// settings and keys are records on the key-value store (alternating slots, CRC, counter).
// Delivery counters are written AHEAD: before the motor runs past what was last recorded, a
// reservation of up to an hour of microsteps is recorded as already delivered, so after a cut
// the history is never short and the reservoir estimate is never higher than the truth (both
// err by at most the reservation). The dose memory (core/dose-memory.ts: the patient-bolus
// ledger, the periodic schedule, bolus numbers and the pump's clock) is written AHEAD too:
// whenever it changed, before the motor runs the next segment, so no bolus that moved the
// plunger is ever forgotten by a reset. At boot: restore, and say whether the last shutdown
// was clean; the app then holds delivery (UNEXPECTED_RESET) until a clinician acknowledges.

import type { RecordedLoop } from './recorded-loop';
import type { DoseMemory } from '../core/dose-memory';
import { doseMemoryJson, DOSES_LOST, readDoseMemory } from '../core/dose-memory';
import type { GuardMemory } from '../core/dose-guard';
import { readGuardMemory } from '../core/dose-guard';
import type { PumpError } from '../core/errors';
import type { EventData, PumpEvent } from '../core/events';
import type { Pump } from '../core/pump';
import type { KeyStore, Role } from '../ports/auth';
import type { FlashPartition } from '../ports/flash';
import type { KeyValueStore } from '../ports/kv-store';
import { FL_PER_NL, MS_PER_DAY, MS_PER_HOUR } from '../core/units';
import { crc32 } from '../shared/crc';
import { closeCutBoluses } from './bolus-close';
import { FlashLog } from './log';
import { encodeEvent, encodeHourTotal, encodeNote, LOG_PAYLOAD_BYTES, LOG_TYPES, logEventOf } from './log-records';
import { jsonBytes, parseJsonBytes, RecordStore } from './records';

/**
 * A reservation covers an hour of delivery at the running rate, and at least MIN_RESERVE_STEPS;
 * while a bolus runs, a minute (BOLUS_RESERVE_MS): a bolus cut by a reset is closed at boot with
 * the claim as its upper bound (bolus-close.ts), and an hour at a bolus's rate would make that
 * bound the whole bolus. It costs about one NVS write a minute while boluses run.
 */
const MIN_RESERVE_STEPS = 16;
const BOLUS_RESERVE_MS = 60_000;
const VERSION = 1;

export interface Restored {
  readonly prescription: unknown;
  readonly mechanics: unknown;
  readonly deliveredNl: number | undefined;
  readonly reservoirNl: number | undefined;
  readonly lowReservoirNl: number | undefined;
  /** The pump's clock carries on from here (undefined: from 0, a new board or a lost memory). */
  readonly startMs: number | undefined;
  /** The doses given, or DOSES_LOST on a board that had run before and lost them. */
  readonly doses: DoseMemory | typeof DOSES_LOST | undefined;
  /** The dose guard's windows (kept with the doses), or DOSES_LOST with them. */
  readonly guard: GuardMemory | typeof DOSES_LOST | undefined;
  /** Alarms that were active (not yet cleared) when the power went. */
  readonly alarms: readonly string[];
  /** The previous run ended with an orderly shutdown (false after any cut or crash). */
  readonly cleanShutdown: boolean;
  /** Nothing was ever stored: a new board. */
  readonly firstBoot: boolean;
  /** Records that failed their checks with no good copy left: the pump uses defaults. */
  readonly failed: readonly PumpError[];
  /** Bad slots whose twin was good (nothing lost, worth a log line). */
  readonly repaired: readonly PumpError[];
  /** Boluses the last run left running, closed in the log at this boot (bolus-close.ts). */
  readonly cutBoluses: readonly EventData[];
}

/** The boot record: how the last run ended, and the log sequence number its records start at. */
interface BootRecord {
  readonly clean?: boolean;
  readonly logFrom?: number;
}

interface Counters {
  readonly deliveredNl: number;
  readonly reservoirNl: number;
}

export class Persistence {
  readonly records: RecordStore;
  readonly #flash: FlashPartition | undefined;
  /** The event and delivery history on the flash partition, where one is given. */
  log: FlashLog | undefined;
  readonly #buf = new Uint8Array(LOG_PAYLOAD_BYTES);
  #controller: RecordedLoop | undefined;
  /**
   * The delivered total the stored counters claim. The truth never exceeds it: the motor is
   * only given steps the claim already covers.
   */
  #claimedNl = 0;
  /** Booked plus the last forward segment handed to the motor (+ its late stop): what can have run. */
  #lastWorstNl = 0;
  /** CRC-32 of the stored prescription's bytes: the dose memory's schedule belongs to it. */
  #rxCrc = 0;
  /** Where this run's records start in the log (its boot note): the next boot reads from here. */
  #logFrom: number | undefined;
  // What the stored dose memory was written from; compared at every event and segment (three
  // numbers: nothing allocated unless something changed).
  #savedLedgerRevision = -1;
  #savedNextBolusId = -1;
  #savedNextPeriodicMs = -1;
  #savedGuardPulses = 0;

  constructor(kv: KeyValueStore, flash?: FlashPartition) {
    this.records = new RecordStore(kv);
    this.#flash = flash;
  }

  /** Reads everything back at boot, then marks this run as not (yet) cleanly shut down. */
  boot(): Restored {
    const failed: PumpError[] = [];
    const json = (name: string): unknown => {
      const r = this.records.load(name, VERSION);
      if (!r.ok) {
        failed.push(r.error);
        return undefined;
      }
      if (r.value === 'missing') return undefined;
      const parsed = parseJsonBytes(r.value.payload);
      if (!parsed.ok) failed.push(parsed.error);
      return parsed.ok ? parsed.value : undefined;
    };
    const counters = json('count') as Counters | undefined;
    const settings = json('set') as { lowReservoirNl?: number } | undefined;
    const boot = json('boot') as BootRecord | undefined;
    const alarms = json('alarm') as { active?: string[] } | undefined;
    const rxBytes = this.records.load('rx', VERSION);
    this.#rxCrc = rxBytes.ok && rxBytes.value !== 'missing' ? crc32(rxBytes.value.payload) : 0;
    const stored = json('doses');
    const doses = this.#readDoses(stored, boot === undefined, failed);
    const guard = doses === DOSES_LOST ? DOSES_LOST : this.#readGuard(stored, failed);
    const restored: Omit<Restored, 'cutBoluses'> = {
      prescription: json('rx'),
      mechanics: json('mech'),
      deliveredNl: counters?.deliveredNl,
      reservoirNl: counters?.reservoirNl,
      lowReservoirNl: settings?.lowReservoirNl,
      // Time passes across a reset: anything stored at nowMs lies strictly before the new clock.
      startMs: doses && doses !== DOSES_LOST ? doses.nowMs + 1 : undefined,
      doses,
      guard,
      alarms: Array.isArray(alarms?.active) ? alarms.active.filter((a) => typeof a === 'string') : [],
      cleanShutdown: boot?.clean === true,
      firstBoot: boot === undefined && failed.length === 0,
      failed,
      repaired: [...this.records.problems],
    };
    const from = boot?.logFrom;
    this.#logFrom = typeof from === 'number' && Number.isSafeInteger(from) && from >= 0 ? from : undefined;
    this.#saveBoot(false);
    let cutBoluses: EventData[] = [];
    if (this.#flash) {
      cutBoluses = this.#openLog(this.#flash, restored.firstBoot, failed, restored.deliveredNl, Math.floor((restored.startMs ?? 0) / 1_000));
      this.#saveBoot(false);
    }
    return { ...restored, cutBoluses };
  }

  #saveBoot(clean: boolean): void {
    this.records.save('boot', VERSION, jsonBytes(this.#logFrom === undefined ? { clean } : { clean, logFrom: this.#logFrom }));
  }

  /**
   * The dose memory as stored, its schedule kept only for the prescription it was written with
   * (a cut between storing a new prescription and its schedule means nothing of the new one
   * ran yet). Missing or unreadable on a board that had run before: DOSES_LOST.
   */
  #readDoses(stored: unknown, newBoard: boolean, failed: PumpError[]): DoseMemory | typeof DOSES_LOST | undefined {
    if (stored === undefined) return newBoard ? undefined : DOSES_LOST;
    const read = readDoseMemory(stored);
    if (!read.ok) {
      failed.push(read.error);
      return DOSES_LOST;
    }
    const sameRx = (stored as { rxCrc?: unknown }).rxCrc === this.#rxCrc;
    return sameRx ? read.value : { ...read.value, program: undefined };
  }

  /** The guard's windows kept with the doses; unreadable ones are lost (the guard assumes the worst). */
  #readGuard(stored: unknown, failed: PumpError[]): GuardMemory | typeof DOSES_LOST | undefined {
    const g = (stored as { guard?: unknown } | undefined)?.guard;
    if (g === undefined || g === null) return stored === undefined ? undefined : DOSES_LOST;
    const read = readGuardMemory(g);
    if (!read.ok) failed.push(read.error);
    return read.ok ? read.value : DOSES_LOST;
  }

  /**
   * The log: a new board's partition is formatted; an unreadable one on a board that had a
   * history is formatted too (the pump must be able to log), and reported as lost history.
   * Boluses the last run left running are closed (with `claimNl`, the delivered counter the
   * stored counters claimed at the cut) before this boot's note, which then marks where this
   * run's records start. Returns the closes.
   */
  #openLog(flash: FlashPartition, firstBoot: boolean, failed: PumpError[], claimNl: number | undefined, timeS: number): EventData[] {
    const opened = FlashLog.open(flash);
    if (opened.ok) this.log = opened.value;
    else {
      if (!firstBoot) failed.push(opened.error);
      const formatted = FlashLog.format(flash);
      if (formatted.ok) this.log = formatted.value;
      else failed.push(formatted.error);
    }
    const log = this.log;
    if (!log) return [];
    const closed = closeCutBoluses(log, this.#logFrom ?? 0, claimNl, timeS, this.#buf);
    const n = encodeNote({ timeS: 0, data: { boot: 1, first: firstBoot } }, this.#buf);
    const note = n.ok ? log.append(LOG_TYPES.note, this.#buf, n.value) : undefined;
    if (note?.ok) this.#logFrom = note.value.seq;
    return closed;
  }

  /**
   * Every event with its reason; hourly totals also as delivery records. A bolus-start carries
   * the delivered counter as it stands (every step booked is one that ran, and none of the
   * bolus's has yet): a reset during the bolus is closed at boot from it (bolus-close.ts).
   */
  #logEvent(e: PumpEvent, pump: Pump): void {
    const log = this.log;
    if (!log) return;
    const logged = e.type === 'bolus-start' ? { ...e, data: { ...e.data, counterNl: pump.accounting.deliveredNl } } : e;
    let n = encodeEvent(logEventOf(logged, Math.floor(e.at / 1_000)), this.#buf);
    if (!n.ok) n = encodeEvent(logEventOf({ ...e, data: {} }, Math.floor(e.at / 1_000)), this.#buf);
    if (n.ok) log.append(LOG_TYPES.event, this.#buf, n.value);
    const rx = pump.prescription;
    if (e.type === 'hour-total' && rx) {
      const h = encodeHourTotal(
        { hourIndex: Math.floor((e.at + pump.todOffsetMs) / MS_PER_HOUR) - 1, drug: rx.drug.name, concentrationUgPerMl: rx.drug.concentrationUgPerMl, deliveredNl: e.data['deliveredNl'] as number },
        this.#buf,
      );
      if (h.ok) log.append(LOG_TYPES.hourTotal, this.#buf, h.value);
    }
  }

  /** Starts recording what the controller does. */
  attach(controller: RecordedLoop): void {
    this.#controller = controller;
    this.#claimedNl = controller.pump.accounting.deliveredNl;
    this.#lastWorstNl = this.#claimedNl;
    controller.hooks = {
      programmed: (input) => {
        const bytes = jsonBytes(input);
        this.records.save('rx', VERSION, bytes);
        this.#rxCrc = crc32(bytes);
        this.#saveDoses();
      },
      mechanicsSet: (input) => this.records.save('mech', VERSION, jsonBytes(input)),
      beforeRun: (count) => this.#beforeRun(count),
    };
    controller.subscribe((e) => {
      // An hour's total also moves the stored clock on (an hour is the most it lags).
      // An alarm (the guard's breach among them) keeps the guard's windows as they are now.
      if (e.type === 'hour-total' || e.type === 'alarm') this.#saveDoses();
      else this.#saveDosesIfChanged();
      this.#logEvent(e, controller.pump);
      if (e.type === 'bolus-start') this.#tightenClaim();
      if (e.type === 'refill') this.#saveCounters();
      if (e.type === 'alarm' || e.type === 'alarm-cleared') this.records.save('alarm', VERSION, jsonBytes({ active: controller.pump.alarms.list().map((a) => a.name) }));
      if (e.type === 'setting' && e.data['lowReservoirNl'] !== undefined) this.records.save('set', VERSION, jsonBytes({ lowReservoirNl: e.data['lowReservoirNl'] }));
    });
    this.#saveCounters();
    this.#saveDoses();
  }

  /** An orderly shutdown: the next boot need not raise UNEXPECTED_RESET. */
  shutdown(): void {
    if (this.#controller) this.#saveDoses();
    this.#saveBoot(true);
  }

  #beforeRun(count: number): void {
    this.#saveDosesIfChanged();
    const pump = this.#controller!.pump;
    const fl = pump.mechanics.flPerMicrostep;
    // Everything booked, plus every step of this segment (it may re-issue unemitted ones).
    const worstNl = pump.accounting.deliveredNl + Math.ceil((count * fl) / FL_PER_NL);
    this.#lastWorstNl = worstNl;
    if (worstNl <= this.#claimedNl) return;
    const s = pump.status(this.#controller!.now());
    const bolus = s.boluses.some((b) => b.status === 'running');
    const aheadNl = Math.ceil((s.totalRateNlPerDay * (bolus ? BOLUS_RESERVE_MS : MS_PER_HOUR)) / MS_PER_DAY);
    this.#claimedNl = worstNl + Math.max(Math.ceil((MIN_RESERVE_STEPS * fl) / FL_PER_NL), aheadNl);
    this.#saveCounters();
  }

  /**
   * A bolus started: a claim left from the basal's hour would bound the bolus at boot by up to an
   * hour of the basal more than it ran, so it comes down to a minute ahead of what can have run
   * (booked, and the segment in flight: the cycle that started the bolus handed it out just
   * before this event). Never below the truth, so never short; one NVS write a bolus.
   */
  #tightenClaim(): void {
    const pump = this.#controller!.pump;
    const fl = pump.mechanics.flPerMicrostep;
    const aheadNl = Math.max(Math.ceil((MIN_RESERVE_STEPS * fl) / FL_PER_NL), Math.ceil((pump.rateNlPerDay * BOLUS_RESERVE_MS) / MS_PER_DAY));
    const wantedNl = Math.max(this.#lastWorstNl, pump.accounting.deliveredNl) + aheadNl;
    if (wantedNl >= this.#claimedNl) return;
    this.#claimedNl = wantedNl;
    this.#saveCounters();
  }

  #saveDosesIfChanged(): void {
    const pump = this.#controller!.pump;
    if (pump.doseRevision !== this.#savedLedgerRevision || pump.nextBolusId !== this.#savedNextBolusId || pump.nextPeriodicMs !== this.#savedNextPeriodicMs) this.#saveDoses();
    // The guard's windows: after an eighth of its hour allowance more (at least 32 pulses), so a
    // cut loses at most that much of what it counted (less than its margin), at a few writes
    // an hour at the highest rates.
    const guard = this.#controller!.guard;
    if (guard && guard.pulsesSeen - this.#savedGuardPulses >= Math.max(32, guard.hourAllowancePulses >> 3)) this.#saveDoses();
  }

  #saveDoses(): void {
    const controller = this.#controller!;
    const pump = controller.pump;
    this.#savedLedgerRevision = pump.doseRevision;
    this.#savedNextBolusId = pump.nextBolusId;
    this.#savedNextPeriodicMs = pump.nextPeriodicMs;
    const guard = controller.guard;
    if (guard) this.#savedGuardPulses = guard.pulsesSeen;
    const now = controller.now();
    const record = { ...(doseMemoryJson(pump.doseMemory(now)) as object), rxCrc: this.#rxCrc, guard: guard ? guard.memory(now) : null };
    this.records.save('doses', VERSION, jsonBytes(record));
  }

  /** The claim, with the reservoir less whatever the claim holds beyond what is booked. */
  #saveCounters(): void {
    const a = this.#controller!.pump.accounting;
    this.#claimedNl = Math.max(this.#claimedNl, a.deliveredNl);
    const aheadNl = this.#claimedNl - a.deliveredNl;
    const counters: Counters = { deliveredNl: this.#claimedNl, reservoirNl: Math.max(0, a.reservoirNl - aheadNl) };
    this.records.save('count', VERSION, jsonBytes(counters));
  }
}

/** Role keys as a record of their own (keys survive a reboot; provisioning stays physical). */
export class StoredKeys implements KeyStore {
  readonly #records: RecordStore;
  readonly #keys = new Map<Role, Uint8Array>();

  constructor(records: RecordStore) {
    this.#records = records;
    const r = records.load('keys', VERSION);
    if (r.ok && r.value !== 'missing') {
      const parsed = parseJsonBytes(r.value.payload);
      const hex = parsed.ok ? (parsed.value as Partial<Record<Role, string>>) : {};
      for (const role of ['patient', 'clinician', 'service'] as const) {
        const h = hex[role];
        if (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))
          this.#keys.set(
            role,
            Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16)),
          );
      }
    }
  }

  get(role: Role): Uint8Array | undefined {
    return this.#keys.get(role)?.slice();
  }

  set(role: Role, key: Uint8Array): void {
    this.#keys.set(role, key.slice());
    const out: Record<string, string> = {};
    for (const [r, k] of this.#keys) out[r] = Array.from(k, (b) => b.toString(16).padStart(2, '0')).join('');
    this.#records.save('keys', VERSION, jsonBytes(out));
  }
}
