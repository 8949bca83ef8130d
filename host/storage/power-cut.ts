// Power cuts at every step of every storage operation of a realistic day. The day runs once
// with each operation journaled (power-cut-journal.ts): the stores as they stood before it, and
// the truth at that moment. Then for each cut point the mocks replay the operation up to the
// cut, a fresh virtual board boots from what the stores hold, and it is checked
// (power-cut-checks.ts): the prescription is one that was committed (old or new, never a mix);
// the delivered history is not short of the truth; the reservoir estimate is not above it;
// every alarm recorded active is active again; every log record appended before the cut
// (hourly totals included) reads back unchanged, unless the cut append was erasing its block;
// every patient bolus started before the cut is in the ledger, no bolus number is handed out
// twice, and the clinician boluses of the last 24 h are still counted; the reservoir holds what
// it held; the AUTH lockout has no fewer failures than were stored and is still locked if it
// was; every bolus the cut left with a start and no end in the log is closed there once
// (BOLUS_CUT_BY_RESET) with a bound the rig's push since its start does not exceed, and no
// other bolus is; nothing resumes (no bolus runs, delivery held for UNEXPECTED_RESET).
//
// Cut points, with the ESP32's semantics. NVS (host/storage/kv-mock.ts): Moddable's
// Preference.set erases the key, then writes it; a cut after the erase, or after any byte of
// the value, leaves the key missing (ESP-IDF drops an entry whose CRC fails at mount); and the
// write complete. Flash writes (host/storage/flash-mock.ts): after every byte, that byte
// half-programmed (torn bits), and complete. Flash erases: part-way at ERASE_CUTS bytes of the
// block, that byte half-erased, and complete. Cut points that leave identical NVS images are
// booted once and counted once in `boots`.

import { FlashLog } from '../../firmware/storage/log';
import type { VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import { MockFlash, PowerCut } from './flash-mock';
import type { MockKeyValueStore } from './kv-mock';
import { check, cutBolusProblems, loggedBoluses, lostRecords } from './power-cut-checks';
import type { DayStep } from './power-cut-days';
import type { Entry, FlashGeometry } from './power-cut-journal';
import { DEVICE_FLASH, recordDay } from './power-cut-journal';

export { ALARM_DAY, BOLUS_DAY, DAY_OPTIONS, type DayStep, HOSPITAL_OPTIONS, REALISTIC_DAY } from './power-cut-days';
export type { FlashGeometry } from './power-cut-journal';

/** Where an erase is cut, in bytes of its block (a header is 16 bytes; the rest spans the body). */
const ERASE_CUTS = (block: number): number[] => [0, 1, 4, 15, 16, 17, 64, block >> 1, block - 1];

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
  /** Boots whose AUTH lockout had failures stored to keep (the lockout check ran). */
  readonly authChecks: number;
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

/** The flash as it stood before `e`: an NVS write leaves it so, whatever the cut. */
function flashBefore(e: Entry, geometry: FlashGeometry): MockFlash {
  const flash = new MockFlash(geometry.bytes, geometry.block);
  flash.poke(0, e.flashBefore);
  return flash;
}

/**
 * Both stores as the mocks leave them when the power is cut at `cut` in entry `e`. The flash of
 * an NVS cut is made only when that cut is booted (`flash()`): most of a day's cut points are
 * bytes of NVS values, two images per write, and copying the 128 KB log for each was most of
 * the bench's time.
 */
function imagesAt(e: Entry, cut: Cut, geometry: FlashGeometry): { kv: MockKeyValueStore; flash: () => MockFlash } {
  const kv = e.before.clone();
  let flash: MockFlash | undefined;
  try {
    if (e.op === 'nvs') {
      if (cut.kind === 'step') kv.cutAtStep(cut.n);
      else kv.cutAfterBytes(cut.n);
      kv.write(e.key!, e.value);
    } else if (e.op === 'write') {
      flash = flashBefore(e, geometry);
      flash.cutAfterBytes(cut.n);
      flash.write(e.at, e.value);
    } else {
      flash = flashBefore(e, geometry);
      flash.cutInErase(cut.n);
      flash.eraseBlock(e.at);
    }
  } catch (err) {
    if (!(err instanceof PowerCut)) throw err;
  }
  kv.reboot();
  flash?.reboot();
  return { kv, flash: () => flash ?? flashBefore(e, geometry) };
}

export function powerCutDay(base: VirtualPumpOptions, day: readonly DayStep[], stride = 1, geometry: FlashGeometry = DEVICE_FLASH): PowerCutResult {
  const { journal, records, pushedAtStart } = recordDay(base, day, geometry);
  let points = 0;
  let boots = 0;
  let violations = 0;
  let bolusCloses = 0;
  let authChecks = 0;
  const first: string[] = [];
  journal.forEach((entry, w) => {
    const seen = new Map<string, string[]>();
    for (const cut of cutsOf(entry, stride, geometry.block)) {
      points++;
      const { kv, flash: image } = imagesAt(entry, cut, geometry);
      // An NVS cut leaves the key missing or written: one boot for each image.
      const sig = entry.key === undefined ? undefined : kv.read(entry.key) ? 'written' : 'missing';
      let found = sig === undefined ? undefined : seen.get(sig);
      if (!found) {
        boots++;
        const flash = image();
        const lost = lostRecords(entry, flash, records);
        const scanned = FlashLog.open(flash); // a scan only: it writes nothing
        const before = scanned.ok ? loggedBoluses(scanned.value) : undefined;
        const vp = createVirtualPump({ ...base, storage: kv, flash, keepEvents: true });
        if (vp.persistence?.log && loggedBoluses(vp.persistence.log).closes.size > 0) bolusCloses++;
        if ((sig === 'written' ? entry.authDone : entry.auth).failures > 0) authChecks++;
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
  return { points, boots, writes: journal.length, erases: journal.filter((e) => e.op === 'erase').length, violations, firstViolations: first, bolusCloses, authChecks };
}
