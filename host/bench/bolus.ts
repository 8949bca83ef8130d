// `bolus.powerCycleExtraBoluses`: patient boluses given beyond the lockout and the 24-hour
// maxima when the board is reset between requests (issue 13, hole 1). A seeded campaign: many
// boards in a row on one storage, each running a random while, a patient asking at random
// moments, and each run ended by a power cut (sometimes in the middle of a storage write), a
// clean shutdown or a watchdog reset mid-bolus. Every bolus that started is checked against
// the limits in the time that really passed (resets here take no time, so real time and pump
// time agree), counting each bolus whole from its start to 24 h after its end.
// What it proves: across these resets the stored ledger holds the lockout and both maxima.
// What it does not: time a board spends switched off (the pump does not count it, so its
// limits only get stricter; a real-time clock would be needed to count it), nor damage to
// both NVS slots (that case is tested apart: patient boluses are refused for 24 h, E415).
import { MockKeyValueStore, PowerCut } from '../storage/kv-mock';
import { Prng } from '../sim/prng';
import type { VirtualPump } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import libraryJson from '../../firmware/app/examples/library.example.json';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const LIMITS = { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 4 * HOUR, maxPer24h: 3, maxVolumeNlPer24h: 100_000 };
const RX = { name: 'pca', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 1_000_000, patientBolus: LIMITS };

interface Given {
  readonly startMs: number;
}

/** Boluses that started although the limits, in real time, refused them. */
function extraBoluses(given: readonly Given[]): number {
  let extra = 0;
  const counted: Given[] = [];
  for (const g of given) {
    const last = counted[counted.length - 1];
    const window = counted.filter((c) => g.startMs < c.startMs + LIMITS.durationMs + DAY);
    const tooSoon = last !== undefined && g.startMs < last.startMs + LIMITS.lockoutMs;
    const tooMany = window.length >= LIMITS.maxPer24h || (window.length + 1) * LIMITS.volumeNl > LIMITS.maxVolumeNlPer24h;
    if (tooSoon || tooMany) extra++;
    counted.push(g);
  }
  return extra;
}

function campaign(seed: number, boards: number): { extra: number; given: number; resets: number } {
  const rnd = new Prng(seed);
  const kv = new MockKeyValueStore();
  const given: Given[] = [];
  let realMs = 0; // real time at the start of the current board
  const boot = (): VirtualPump => createVirtualPump({ mechanics: RIG, library: libraryJson, prescription: RX, reservoirNl: 20_000_000, storage: kv, seed });
  let vp = boot();
  let bootAt = vp.nowMs; // the rig's clock starts again with every board
  for (let b = 0; b < boards; b++) {
    vp.controller.acknowledge(); // the reset alarm, when raised
    const runMs = Math.floor(rnd.next() * 3 * HOUR);
    const how = Math.floor(rnd.next() * 3); // 0 power cut, 1 clean shutdown, 2 watchdog mid-bolus
    let cut = false;
    try {
      let ran = 0;
      while (ran < runMs) {
        const r = vp.controller.patientBolus();
        if (r.ok) given.push({ startMs: realMs + vp.nowMs - bootAt });
        const step = how === 2 && r.ok ? Math.min(30_000, runMs - ran) : Math.max(MIN, Math.floor(rnd.next() * 40 * MIN));
        if (how === 0 && rnd.next() < 0.1) kv.cutAtWrite(0); // the power goes during the next write
        vp.runFor(step);
        ran += step;
        if (how === 2 && r.ok) break;
      }
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      cut = true;
    }
    realMs += vp.nowMs - bootAt;
    if (how === 1 && !cut) vp.persistence!.shutdown();
    kv.reboot();
    vp = boot();
    bootAt = vp.nowMs;
  }
  return { extra: extraBoluses(given), given: given.length, resets: boards };
}

export function benchBolus(): Record<string, number> {
  let extra = 0;
  let given = 0;
  let resets = 0;
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const r = campaign(seed, 40);
    extra += r.extra;
    given += r.given;
    resets += r.resets;
  }
  return { 'bolus.powerCycleExtraBoluses': extra, 'bolus.powerCycleBolusesGiven': given, 'bolus.powerCycleResets': resets };
}
