// Power cuts at every byte of every storage write of a realistic day. The day runs once with
// each write journaled: the store as it stood before, the write, and the truth at that moment
// (what the rig really pushed, what the reservoir really holds, which prescriptions were
// committed). Then for each byte of each write the power is cut there, a fresh virtual board
// boots from what the store holds, and four things are checked: the prescription is one that
// was committed (old or new, never a mix); the delivered history is not short of the truth;
// the reservoir estimate is not above the truth; nothing resumes (no bolus runs, delivery held).

import { readPrescription } from '../../firmware/core/prescription';
import { createVirtualPump, type VirtualPumpOptions } from '../sim/virtual-pump';
import { MockKeyValueStore, PowerCut } from './kv-mock';

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Entry {
  readonly before: MockKeyValueStore;
  readonly key: string;
  readonly value: Uint8Array;
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

/** The realistic day, journaling every write. */
function recordDay(base: VirtualPumpOptions, day: readonly ((vp: ReturnType<typeof createVirtualPump>) => unknown)[]): Entry[] {
  const kv = new MockKeyValueStore();
  const journal: Entry[] = [];
  const committed = [normal(base.prescription)];
  let pending: string | undefined;
  let vpRef: ReturnType<typeof createVirtualPump> | undefined;
  kv.onWrite = (key, value) => {
    const vp = vpRef;
    journal.push({
      before: kv.clone(),
      key,
      value: value.slice(),
      pushedNl: vp ? vp.rig.pushedNl : 0,
      reservoirNl: vp ? vp.rig.reservoirNl : (base.reservoirNl ?? 0),
      candidates: key.startsWith('rx.') && pending ? [...committed, pending] : [...committed],
    });
  };
  const vp = createVirtualPump({ ...base, storage: kv });
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
      const kv = entry.before.clone();
      kv.cutAfterBytes(k);
      try {
        kv.write(entry.key, entry.value);
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
      }
      kv.reboot();
      const vp = createVirtualPump({ ...base, storage: kv, keepEvents: true });
      const s = vp.controller.status();
      const where = `write ${w} (${entry.key}) cut after ${k} of ${entry.value.length} bytes`;
      const rx = JSON.stringify(vp.controller.pump.prescription);
      if (!entry.candidates.includes(rx)) flag(`${where}: the prescription after boot was never committed`);
      if (s.deliveredNl < Math.floor(entry.pushedNl)) flag(`${where}: history says ${s.deliveredNl} nl delivered, the rig pushed ${entry.pushedNl}`);
      if (s.reservoirNl > Math.ceil(entry.reservoirNl)) flag(`${where}: reservoir estimate ${s.reservoirNl} nl is above the truth ${entry.reservoirNl}`);
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
