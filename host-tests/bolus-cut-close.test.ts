// A bolus cut by a reset is closed in the history at the next boot (issue 14, item 4): before,
// the log showed its bolus-start and nothing after it, though docs/safety.md said it was
// recorded as interrupted. Each board here is a new virtual board booting from the storage the
// last one left (NVS and the log partition); the history is read as pumpctl reads it, by LOG
// pages, and parsed with pumpctl's own parser.
import { describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../host/cli/history';
import { parseLogLine } from '../host/cli/history';
import { createLinkedPump } from '../host/protocol/virtual-link';
import type { VirtualPump, VirtualPumpOptions } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { MockFlash, PowerCut } from '../host/storage/flash-mock';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';

const MIN = 60_000;
const HOUR = 60 * MIN;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const BASAL_NL_PER_DAY = 1_000_000;

/** The whole history through LOG, parsed as pumpctl parses it. */
function history(options: VirtualPumpOptions): { records: HistoryRecord[]; claimNl: number } {
  const lp = createLinkedPump(options);
  const client = lp.client();
  for (let from = 0, pages = 0; pages < 100; pages++) {
    const r = client.query('LOG', from, 20);
    if (!r.ok || r.fields['n'] === '0') break;
    from = Number(r.fields['next']);
  }
  const records = client.received.map(parseLogLine).filter((x): x is HistoryRecord => x !== undefined);
  // Nothing runs before UNEXPECTED_RESET is acknowledged: delivered is still what the counters claimed.
  return { records, claimNl: lp.vp.controller.status().deliveredNl };
}

/** A board's options with fresh storage (NVS and the log partition) that the next board boots from. */
const stored = (prescription: Record<string, unknown>): VirtualPumpOptions => ({
  mechanics: RIG,
  library: LIBRARY_JSON,
  reservoirNl: 10_000_000,
  prescription,
  storage: new MockKeyValueStore(),
  flash: new MockFlash(),
});

const bolusRecords = (records: HistoryRecord[], id: number): HistoryRecord[] => records.filter((r) => r.type.startsWith('bolus-') && r.fields['id'] === String(id));
const n = (r: HistoryRecord | undefined, field: string): number => Number(r?.fields[field]);

interface Kind {
  readonly prescription: Record<string, unknown>;
  /** Starts the bolus (or runs to it); its id. */
  readonly start: (vp: VirtualPump) => number;
}

const started = (vp: VirtualPump, kind: string): number => Number(vp.events.filter((e) => e.type === 'bolus-start' && e.data['kind'] === kind).at(-1)?.data['id']);

const KINDS: Record<string, Kind> = {
  patient: {
    prescription: continuous(BASAL_NL_PER_DAY, { patientBolus: PATIENT }),
    start: (vp) => {
      vp.controller.patientBolus();
      return started(vp, 'patient');
    },
  },
  clinician: {
    prescription: continuous(BASAL_NL_PER_DAY),
    start: (vp) => {
      vp.controller.clinicianBolus({ volumeNl: 100_000, durationMs: 10 * MIN });
      return started(vp, 'clinician');
    },
  },
  periodic: {
    prescription: continuous(BASAL_NL_PER_DAY, { periodicBolus: { volumeNl: 40_000, durationMs: 10 * MIN, everyMs: 6 * HOUR, firstAfterMs: HOUR } }),
    start: (vp) => {
      vp.runFor(1);
      return started(vp, 'periodic');
    },
  },
  prime: {
    prescription: continuous(BASAL_NL_PER_DAY, { priming: { volumeNl: 20_000, rateNlPerDay: 2_000_000 } }),
    start: (vp) => {
      vp.controller.prime();
      return started(vp, 'prime');
    },
  },
  trial: {
    prescription: {
      name: 'trial',
      drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
      mode: 'trial',
      trial: { doses: [{ atMs: HOUR, volumeNl: 30_000, durationMs: 10 * MIN }], continuous: { rateNlPerDay: BASAL_NL_PER_DAY, durationMs: 10 * HOUR } },
    },
    start: (vp) => {
      vp.runFor(1);
      return started(vp, 'trial');
    },
  },
};

describe('a bolus cut by a reset', () => {
  it.each(Object.keys(KINDS))('%s: one bolus-start, then one close at the next boot with an upper bound the rig never exceeded', (name) => {
    const kind = KINDS[name]!;
    const options = stored(kind.prescription);
    const first = createVirtualPump(options);
    first.runFor(HOUR - 1);
    const pushedBefore = first.rig.pushedNl;
    const id = kind.start(first);
    expect(id).toBeGreaterThan(0);
    first.runFor(4 * MIN);
    expect(first.controller.status().boluses.length).toBeGreaterThan(0); // still running: the power goes now
    const pushedDuring = first.rig.pushedNl - pushedBefore;

    const { records, claimNl } = history(options);
    const mine = bolusRecords(records, id);
    expect(mine.map((r) => `${r.type} ${r.reason}`)).toEqual([expect.stringMatching(/^bolus-start /), 'bolus-interrupted BOLUS_CUT_BY_RESET']);
    const [start, close] = mine;
    // Logged before this boot's note: the close belongs to the run the bolus ran in.
    const boots = records.filter((r) => r.type === 'note' && r.fields['boot'] === '1');
    expect(boots.length).toBe(2);
    expect(close!.seq).toBeLessThan(boots[1]!.seq);
    // The bounds: everything the rig pushed since the start is within sinceStartNl, which is the
    // claim at the cut less the counter at the start; the bolus alone within atMostNl.
    expect(n(close, 'counterNl')).toBe(n(start, 'counterNl'));
    expect(n(start, 'counterNl')).toBeLessThanOrEqual(pushedBefore);
    expect(n(close, 'claimNl')).toBe(claimNl);
    expect(n(close, 'sinceStartNl')).toBe(claimNl - n(start, 'counterNl'));
    expect(n(close, 'sinceStartNl')).toBeGreaterThanOrEqual(pushedDuring);
    const basalNl = Math.ceil((BASAL_NL_PER_DAY * (4 * MIN + 1)) / (24 * HOUR)) + 1;
    expect(n(close, 'atMostNl')).toBeGreaterThanOrEqual(pushedDuring - basalNl);
    expect(n(close, 'atMostNl')).toBeLessThanOrEqual(n(start, 'volumeNl'));
    expect(n(close, 'atMostNl')).toBeLessThanOrEqual(n(close, 'sinceStartNl'));
    // And close to it: while a bolus runs the claim is at most a minute of the total rate ahead.
    const bolusNlPerDay = (n(start, 'volumeNl') * 24 * HOUR) / Number(start!.fields['durationMs']);
    const minuteNl = Math.ceil(((BASAL_NL_PER_DAY + bolusNlPerDay) * MIN) / (24 * HOUR));
    expect(n(close, 'sinceStartNl') - pushedDuring).toBeLessThanOrEqual(minuteNl + 1_000);
  });

  it('after a clean shutdown too, and a later boot closes nothing again', () => {
    const options = stored(KINDS['patient']!.prescription);
    const first = createVirtualPump(options);
    first.runFor(HOUR);
    const id = KINDS['patient']!.start(first);
    first.runFor(2 * MIN);
    first.persistence!.shutdown();
    createVirtualPump(options).runFor(HOUR);
    const { records } = history(options);
    expect(bolusRecords(records, id).map((r) => r.reason)).toEqual(['PATIENT_REQUEST', 'BOLUS_CUT_BY_RESET']);
    expect(records.filter((r) => r.reason === 'BOLUS_CUT_BY_RESET').length).toBe(1);
  });

  it('a bolus that ended before the cut is not closed again', () => {
    const options = stored(KINDS['patient']!.prescription);
    const first = createVirtualPump(options);
    const id = KINDS['patient']!.start(first);
    first.runFor(HOUR);
    const { records } = history(options);
    expect(bolusRecords(records, id).map((r) => `${r.type} ${r.reason}`)).toEqual(['bolus-start PATIENT_REQUEST', 'bolus-end BOLUS_COMPLETE']);
    expect(records.some((r) => r.reason === 'BOLUS_CUT_BY_RESET')).toBe(false);
  });
});

describe('the close itself survives a power cut', () => {
  it('cut at every byte and erase of the boot that closes it: the next boot closes it exactly once', () => {
    const kv = new MockKeyValueStore();
    const flash = new MockFlash(4 * 512, 512); // small, so the closing boot starts a block (an erase) too
    const options: VirtualPumpOptions = { mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 10_000_000, prescription: KINDS['patient']!.prescription, storage: kv, flash };
    const first = createVirtualPump(options);
    first.runFor(HOUR);
    const id = KINDS['patient']!.start(first);
    first.runFor(3 * MIN);
    const kvAtCut = kv.clone();
    const flashAtCut = flash.snapshot();
    // The closing boot uncut: how many flash writes and erases it makes.
    const counting = new MockFlash(4 * 512, 512);
    counting.poke(0, flashAtCut);
    let ops = 0;
    const spy = {
      byteLength: counting.byteLength,
      blockSize: counting.blockSize,
      read: (o: number, l: number) => counting.read(o, l),
      write: (o: number, d: Uint8Array) => {
        ops++;
        return counting.write(o, d);
      },
      eraseBlock: (b: number) => {
        ops++;
        return counting.eraseBlock(b);
      },
    };
    createVirtualPump({ ...options, storage: kvAtCut.clone(), flash: spy });
    expect(ops).toBeGreaterThanOrEqual(3); // the close (record, commit byte) and the boot note at least
    let cuts = 0;
    for (let op = 0; op < ops; op++) {
      for (const bytes of [0, 1, 7, 20, 1_000]) {
        const f = new MockFlash(4 * 512, 512);
        f.poke(0, flashAtCut);
        let left = op;
        const cutting = {
          byteLength: f.byteLength,
          blockSize: f.blockSize,
          read: (o: number, l: number) => f.read(o, l),
          write: (o: number, d: Uint8Array) => {
            if (left-- === 0) f.cutAfterBytes(bytes);
            f.write(o, d);
          },
          eraseBlock: (b: number) => {
            if (left-- === 0) f.cutInErase(Math.min(bytes, 511));
            f.eraseBlock(b);
          },
        };
        const k = kvAtCut.clone();
        try {
          createVirtualPump({ ...options, storage: k, flash: cutting });
          continue; // this cut point is past the boot's writes
        } catch (e) {
          if (!(e instanceof PowerCut)) throw e;
        }
        cuts++;
        f.reboot();
        k.reboot();
        const { records } = history({ ...options, storage: k, flash: f });
        const closes = bolusRecords(records, id).filter((r) => r.reason === 'BOLUS_CUT_BY_RESET');
        expect(closes.length, `cut at write ${op} after ${bytes} bytes`).toBe(1);
      }
    }
    expect(cuts).toBeGreaterThan(ops);
  });
});
