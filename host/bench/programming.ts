// `programming.unsafeCommits` (issue 14): commits that book one dose while another flows, or
// that jump ten-fold (or start from zero) without the confirmation. A fast-check campaign of
// random sessions on a virtual board with storage, everything through the programming link:
// refills (a drug and concentration from the library, a volume, with or without a pause first,
// the drug named or left out when it does not change), programs (the drug in the syringe or any
// other, a rate of zero, a multiple of the last dose, or anything; with and without big=1 and
// soft=1; with and without a patient bolus), pauses, resumes, boluses, priming, acknowledgements,
// time passing, and reboots (a power cut or a clean shutdown: a new board on the same NVS).
//
// The truth is the rig's, kept here and never read from the pump: what is in the syringe is
// what the last refill the pump accepted put there (a refused refill record means the clinician
// did not go on), and at first what the board was loaded with. The references are the test's
// own, from the commits it saw accepted: the running dose of the same drug where not zero, else
// the last non-zero dose of the drug that ran, else the library's starting dose; with none a
// start needs big=1. A commit counts as unsafe when its drug or concentration is not the
// syringe's, or when it is ten times its reference (or a start with none) without big=1; the
// same for the patient bolus. `programming.unsafeRuns` counts the moments the pump delivered
// (running, or a bolus or priming accepted) a prescription that is not for the syringe's drug.
//
// What it proves: on these sequences, the firmware's programming path never lets a program
// disagree with the refills it was told of, never runs an old prescription over new contents,
// and asks for the confirmation whenever the reference says so, across resets. What it does
// not: a refill the clinician records wrongly (another drug in the syringe than the one named,
// or no REFILL at all) is invisible to the pump, as it would be to any pump without a drug
// sensor; the dose memory lost in both NVS slots forgets the refills (the stored prescription
// then defines the contents again, docs/safety.md); and the oracle's reference is this issue's
// definition, so it checks that the firmware keeps it, not that it is the clinically right one.
// Run against the firmware before issue 14, the same campaign counts unsafe commits in most
// sessions (a concentration change commits; a start from zero commits unconfirmed).
import fc from 'fast-check';
import libraryJson from '../../firmware/app/examples/library.example.json';
import { scheduledNgPerDay } from '../../firmware/core/checks';
import { readLibrary } from '../../firmware/core/library';
import type { Prescription } from '../../firmware/core/prescription';
import { readPrescription } from '../../firmware/core/prescription';
import { doseNg } from '../../firmware/core/units';
import type { ProtocolClient } from '../protocol/client';
import type { LinkedPump } from '../protocol/virtual-link';
import { createLinkedPump, exampleKey } from '../protocol/virtual-link';
import { MockKeyValueStore } from '../storage/kv-mock';

const MIN = 60_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const LIB = (() => {
  const l = readLibrary(libraryJson);
  if (!l.ok) throw new Error(l.error.message);
  return l.value;
})();
const DRUGS = LIB.drugs.map((d) => ({ name: d.name, concs: d.concentrationsUgPerMl }));
/** What the board is loaded with when it is new: baclofen 2 mg/mL at 0.05 mL/day. */
const FIRST_RX = { name: 'first', drug: { name: 'baclofen', concentrationUgPerMl: 2000 }, mode: 'continuous', rateNlPerDay: 50_000 };
const FACTORS = [0.5, 1, 2, 5, 9, 9.99, 10, 12, 20, 100] as const;

export type Action =
  | { readonly kind: 'refill'; readonly drug: number; readonly conc: number; readonly sameDrug: boolean; readonly nameDrug: boolean; readonly pauseFirst: boolean; readonly volumeNl: number }
  | {
      readonly kind: 'program';
      readonly fromSyringe: boolean;
      readonly drug: number;
      readonly conc: number;
      readonly rate: Amount;
      readonly bolus: Amount;
      readonly big: boolean;
      readonly soft: boolean;
    }
  | { readonly kind: 'pause' | 'resume' | 'bolus' | 'cbolus' | 'prime' | 'ack' }
  | { readonly kind: 'run'; readonly minutes: number }
  | { readonly kind: 'reboot'; readonly clean: boolean };

/** A dose: none, a factor of the reference (ten-fold jumps among them), or a per-mille of the library's soft maximum. */
export type Amount = { readonly of: 'none' } | { readonly of: 'reference'; readonly factor: number } | { readonly of: 'soft'; readonly permille: number };

const index = fc.integer({ min: 0, max: 63 });
const amount = (none: number): fc.Arbitrary<Amount> =>
  fc.oneof(
    { weight: none, arbitrary: fc.constant({ of: 'none' as const }) },
    { weight: 5, arbitrary: fc.record({ of: fc.constant('reference' as const), factor: fc.constantFrom(...FACTORS) }) },
    { weight: 3, arbitrary: fc.record({ of: fc.constant('soft' as const), permille: fc.integer({ min: 1, max: 1_200 }) }) },
  );
export const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('refill' as const),
      drug: index,
      conc: index,
      sameDrug: fc.boolean(),
      nameDrug: fc.boolean(),
      pauseFirst: fc.boolean(),
      volumeNl: fc.integer({ min: 1_000_000, max: 10_000_000 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('program' as const),
      // Mostly for what the syringe holds (so most commits can go through), else anything.
      fromSyringe: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
      drug: index,
      conc: index,
      rate: amount(2),
      bolus: amount(8),
      big: fc.boolean(),
      soft: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('pause' as const, 'resume' as const, 'bolus' as const, 'cbolus' as const, 'prime' as const, 'ack' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('run' as const), minutes: fc.integer({ min: 1, max: 180 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reboot' as const), clean: fc.boolean() }) },
);

export const sessionArbitrary = fc.array(actionArbitrary, { minLength: 1, maxLength: 25 });

export interface Outcome {
  readonly commits: number;
  readonly unsafeCommits: number;
  readonly unsafeRuns: number;
  /** What each unsafe one was, for a failing test's message. */
  readonly why: string[];
  /** Programs refused, by error code (context: which checks the sessions reached). */
  readonly refused: Record<number, number>;
}

interface Contents {
  readonly drug: string;
  readonly conc: number;
}

interface Reference {
  daily: number;
  bolus: number;
}

/** The test's own book: the syringe's true contents, what runs, and the doses that ran. */
class Oracle {
  truth: Contents = { drug: FIRST_RX.drug.name, conc: FIRST_RX.drug.concentrationUgPerMl };
  running: Prescription = read(FIRST_RX);
  readonly ran = new Map<string, Reference>();

  constructor() {
    this.started(this.running);
  }

  started(rx: Prescription): void {
    this.running = rx;
    const r = this.ran.get(rx.drug.name) ?? { daily: 0, bolus: 0 };
    const daily = scheduledNgPerDay(rx);
    const bolus = bolusNg(rx);
    if (daily > 0) r.daily = daily;
    if (bolus > 0) r.bolus = bolus;
    this.ran.set(rx.drug.name, r);
  }

  /** The reference of a new dose of `drug` (ng), or undefined when there is none. */
  reference(kind: 'daily' | 'bolus', drug: string): number | undefined {
    const run = this.running;
    if (run.drug.name === drug) {
      const now = kind === 'daily' ? scheduledNgPerDay(run) : bolusNg(run);
      if (now > 0) return now;
    }
    const ran = this.ran.get(drug)?.[kind] ?? 0;
    if (ran > 0) return ran;
    const entry = LIB.drugs.find((d) => d.name === drug);
    const start = kind === 'daily' ? entry?.startingDoseUgPer24h : entry?.startingBolusUg;
    return start === undefined ? undefined : start * 1_000;
  }
}

function read(input: unknown): Prescription {
  const r = readPrescription(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function bolusNg(rx: Prescription): number {
  return rx.patientBolus ? doseNg(rx.patientBolus.volumeNl, rx.drug.concentrationUgPerMl) : 0;
}

/** Whole nl of `drug` at `conc` that hold `ng`, at least 1. */
const nlFor = (ng: number, conc: number): number => Math.max(1, Math.round((ng * 1_000) / conc));

/**
 * One session on a new board; every command through the link, as a programmer sends it.
 * `tamper` is applied to every board booted: a test breaks the firmware on purpose with it, to
 * see the figure count (host-tests/programming-safety.test.ts).
 */
export function runSession(actions: readonly Action[], tamper?: (lp: LinkedPump) => void): Outcome {
  const kv = new MockKeyValueStore();
  const boot = (): LinkedPump => {
    const booted = createLinkedPump({ mechanics: RIG, library: libraryJson, reservoirNl: 10_000_000, prescription: FIRST_RX, storage: kv });
    tamper?.(booted);
    return booted;
  };
  let lp = boot();
  const o = new Oracle();
  const out = { commits: 0, unsafeCommits: 0, unsafeRuns: 0, why: [] as string[], refused: {} as Record<number, number> };
  const clinician = (): ProtocolClient => {
    const c = lp.client();
    c.login('clinician', exampleKey('clinician'));
    return c;
  };
  const mismatch = (rx: Prescription | undefined): boolean => rx !== undefined && (rx.drug.name !== o.truth.drug || rx.drug.concentrationUgPerMl !== o.truth.conc);
  const watch = (what: string, delivered: boolean): void => {
    const rx = lp.vp.controller.pump.prescription;
    if ((delivered || lp.vp.controller.pump.state === 'running') && mismatch(rx)) {
      out.unsafeRuns++;
      out.why.push(`${what}: ${rx!.drug.name} ${rx!.drug.concentrationUgPerMl} delivered from a syringe of ${o.truth.drug} ${o.truth.conc}`);
    }
  };
  for (const a of actions) {
    switch (a.kind) {
      case 'refill': {
        const d = a.sameDrug ? DRUGS.find((x) => x.name === o.truth.drug)! : DRUGS[a.drug % DRUGS.length]!;
        const conc = d.concs[a.conc % d.concs.length]!;
        const c = clinician();
        if (a.pauseFirst) c.send('PAUSE');
        // The drug may be left out only when it does not change (else the record is a lie).
        const named = a.nameDrug || d.name !== o.truth.drug;
        const removed = lp.vp.controller.pump.accounting.reservoirNl;
        const r = named ? c.send('REFILL', removed, a.volumeNl, conc, d.name) : c.send('REFILL', removed, a.volumeNl, conc);
        if (r.ok) {
          o.truth = { drug: d.name, conc };
          lp.vp.rig.refill(a.volumeNl);
        }
        break;
      }
      case 'program': {
        const d = a.fromSyringe ? DRUGS.find((x) => x.name === o.truth.drug)! : DRUGS[a.drug % DRUGS.length]!;
        const conc = a.fromSyringe ? o.truth.conc : d.concs[a.conc % d.concs.length]!;
        const soft = LIB.drugs.find((x) => x.name === d.name)!.soft;
        const nl = (x: Amount, ref: number | undefined, softUg: number): number =>
          x.of === 'none' ? 0 : x.of === 'reference' ? nlFor((ref ?? 50_000) * x.factor, conc) : nlFor((softUg * 1_000 * x.permille) / 1_000, conc);
        const rate = nl(a.rate, o.reference('daily', d.name), soft.maxDoseUgPer24h);
        const bolusNl = Math.min(nl(a.bolus, o.reference('bolus', d.name), soft.maxBolusUg), 25_000_000);
        const input = {
          name: 'p',
          drug: { name: d.name, concentrationUgPerMl: conc },
          mode: 'continuous',
          rateNlPerDay: Math.min(rate, 2_400_000_000),
          ...(bolusNl > 0 && { patientBolus: { volumeNl: bolusNl, durationMs: 300_000, lockoutMs: 7_200_000, maxPer24h: 1, maxVolumeNlPer24h: bolusNl } }),
          priming: { volumeNl: 20_000, rateNlPerDay: 2_400_000 },
        };
        const rx = read(input);
        const flags = [...(a.soft ? ['soft=1'] : []), ...(a.big ? ['big=1'] : [])];
        const r = clinician().program(input, flags);
        if (!r.ok) {
          out.refused[r.code ?? 0] = (out.refused[r.code ?? 0] ?? 0) + 1;
          break;
        }
        out.commits++;
        if (mismatch(rx)) {
          out.unsafeCommits++;
          out.why.push(`committed ${d.name} ${conc} over a syringe of ${o.truth.drug} ${o.truth.conc}`);
        }
        if (!a.big) {
          for (const [kind, after] of [
            ['daily', scheduledNgPerDay(rx)],
            ['bolus', bolusNg(rx)],
          ] as const) {
            const ref = o.reference(kind, d.name);
            if (after > 0 && (ref === undefined || after >= 10 * ref)) {
              out.unsafeCommits++;
              out.why.push(`committed ${kind} ${after} ng of ${d.name} without big=1 against ${ref ?? 'nothing'}`);
            }
          }
        }
        o.started(rx);
        watch('commit', false);
        break;
      }
      case 'pause':
        clinician().send('PAUSE');
        break;
      case 'resume':
        watch('resume', clinician().send('RESUME').ok);
        break;
      case 'bolus':
        watch('bolus', clinician().send('BOLUS').ok);
        break;
      case 'cbolus':
        watch('clinician bolus', clinician().send('CBOLUS', 1_000, 60_000).ok);
        break;
      case 'prime':
        watch('prime', clinician().send('PRIME').ok);
        break;
      case 'ack':
        clinician().send('ACK');
        watch('ack', false);
        break;
      case 'run':
        lp.vp.runFor(a.minutes * MIN);
        watch('run', false);
        break;
      case 'reboot':
        if (a.clean) lp.vp.persistence!.shutdown();
        lp = boot();
        // The board's clock carries on from the stored one; the rig's syringe is the same.
        watch('reboot', false);
        break;
    }
  }
  return out;
}

/** The benchmark: more sessions than the test, from a fixed seed. */
export function benchProgramming(sessions = 400, seed = 14): Record<string, number> {
  let unsafeCommits = 0;
  let unsafeRuns = 0;
  let commits = 0;
  for (const s of fc.sample(sessionArbitrary, { numRuns: sessions, seed })) {
    const r = runSession(s);
    unsafeCommits += r.unsafeCommits;
    unsafeRuns += r.unsafeRuns;
    commits += r.commits;
  }
  return { 'programming.unsafeCommits': unsafeCommits, 'programming.unsafeRuns': unsafeRuns, 'programming.cases': sessions, 'programming.commits': commits };
}
