// Patient bolus limits: lockout from the start of the last bolus, and a maximum count and
// volume in any 24 hours. A bolus counts against the 24-hour maxima from its start until 24 h
// after it ends, so whatever window of 24 hours one looks at, the boluses delivering in it
// were all counted when the last of them was allowed. The ledger belongs to the pump, not to
// a prescription: reprogramming does not reset it.

import type { Result } from './errors';
import { fail, ok, pumpError } from './errors';
import type { PatientBolus } from './prescription';
import { MS_PER_DAY, MS_PER_MINUTE, MS_PER_SECOND } from './units';

export interface PatientRecord {
  readonly startMs: number;
  endMs: number;
  /** The dose while it runs; the delivered part once interrupted. */
  countedNl: number;
  readonly bolusId: number;
}

function inMinutes(ms: number): string {
  const m = Math.floor(ms / MS_PER_MINUTE);
  const s = Math.ceil((ms % MS_PER_MINUTE) / MS_PER_SECOND);
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

export class PatientLedger {
  readonly records: PatientRecord[] = [];
  /** Counts every change worth storing (a bolus added or settled): storage compares it. */
  revision = 0;
  /** The ledger was lost at a reset: nothing is allowed before this (pump time). */
  #lostUntilMs = 0;

  /** The records a reset kept (firmware/core/dose-memory.ts), oldest first. */
  restore(records: readonly PatientRecord[]): void {
    for (const r of records) this.records.push({ ...r });
  }

  /**
   * The records were lost at a reset: act as if the 24-hour maxima were used up now, which is
   * the most the lost records could have held. Erring this way only ever refuses a bolus.
   */
  lost(now: number): void {
    this.#lostUntilMs = now + MS_PER_DAY;
  }

  /** Drops records that no longer count (ended more than 24 h ago). */
  #prune(now: number): void {
    while (this.records.length > 0 && this.records[0]!.endMs <= now - MS_PER_DAY) this.records.shift();
  }

  /** Whether a patient bolus may start now under `limits`; the refusal says until when. */
  check(now: number, limits: PatientBolus): Result<true> {
    this.#prune(now);
    if (now < this.#lostUntilMs) {
      return fail(pumpError('BOLUS_HISTORY_LOST', `the record of past boluses was lost at a reset; patient boluses are allowed again in ${inMinutes(this.#lostUntilMs - now)}`));
    }
    const last = this.records[this.records.length - 1];
    if (last && now < last.startMs + limits.lockoutMs) {
      return fail(pumpError('BOLUS_LOCKOUT', `lockout of ${inMinutes(limits.lockoutMs)} runs for another ${inMinutes(last.startMs + limits.lockoutMs - now)}`));
    }
    // Records are in start order; each frees its count and volume 24 h after it ends.
    if (this.records.length >= limits.maxPer24h) {
      const frees = this.records[this.records.length - limits.maxPer24h]!.endMs + MS_PER_DAY;
      return fail(pumpError('BOLUS_MAX_COUNT', `${this.records.length} of ${limits.maxPer24h} boluses allowed in 24 h are used; the next is allowed in ${inMinutes(frees - now)}`));
    }
    let used = 0;
    for (const r of this.records) used += r.countedNl;
    if (used + limits.volumeNl > limits.maxVolumeNlPer24h) {
      let freed = used;
      let frees = now;
      for (const r of this.records) {
        freed -= r.countedNl;
        frees = r.endMs + MS_PER_DAY;
        if (freed + limits.volumeNl <= limits.maxVolumeNlPer24h) break;
      }
      return fail(
        pumpError('BOLUS_MAX_VOLUME', `${used} nl of ${limits.maxVolumeNlPer24h} nl allowed in 24 h are used and a bolus is ${limits.volumeNl} nl; the next is allowed in ${inMinutes(frees - now)}`),
      );
    }
    return ok(true);
  }

  add(bolusId: number, startMs: number, durationMs: number, volumeNl: number): void {
    this.revision++;
    this.records.push({ bolusId, startMs, endMs: startMs + durationMs, countedNl: volumeNl });
  }

  /** An interrupted bolus counts what it delivered, and stops counting 24 h after it stopped. */
  settle(bolusId: number, endedMs: number, deliveredNl: number): void {
    const r = this.records.find((x) => x.bolusId === bolusId);
    if (!r) return;
    this.revision++;
    r.endMs = endedMs;
    r.countedNl = deliveredNl;
  }
}
