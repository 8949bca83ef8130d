// Fuzzing the protocol: random byte strings, mutations of real frames (with and without a
// recomputed CRC), well-formed frames with forged MACs, and replays, fed as bytes to a live
// link. The oracle: no exception escapes; a line whose CRC is present but wrong is only ever
// answered ERR 501; and the prescription, delivery state, reservoir, alarms and keys change
// only when the input held a correctly framed STOP (the one change anyone may make).

import fc from 'fast-check';
import { crc16Hex } from '../../firmware/protocol/crc';
import { COMMANDS } from '../../firmware/protocol/schema';
import { createLinkedPump, exampleKey, type LinkedPump } from './virtual-link';

export interface FuzzResult {
  readonly frames: number;
  readonly violations: number;
  readonly exceptions: number;
  readonly firstViolations: readonly string[];
}

const EXAMPLE_RX = {
  name: 'fuzz',
  drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
  mode: 'continuous',
  rateNlPerDay: 1_000_000,
  patientBolus: { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 150_000 },
};

/** A linked pump with a clinician session that has sent real frames (the mutation corpus). */
function setUp(library: unknown): { lp: LinkedPump; corpus: string[] } {
  const lp = createLinkedPump({ mechanics: { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 }, library, reservoirNl: 8_000_000, prescription: EXAMPLE_RX });
  const c = lp.client();
  c.login('clinician', exampleKey('clinician'));
  const corpus: string[] = [];
  const keep = (r: { frame: string }): void => void corpus.push(r.frame);
  const { crc32 } = c.stage({ ...EXAMPLE_RX, rateNlPerDay: 1_200_000 });
  for (const cmd of [['SHOW'], ['COMMIT', crc32], ['CBOLUS', 10_000, 60_000], ['PAUSE'], ['RESUME'], ['LOWRES', 500_000], ['CLOCK', 1000], ['ACK']] as const) keep(c.send(cmd[0], ...cmd.slice(1)));
  corpus.push('STATUS', 'VERSION', 'HELP', 'ALARMS', 'RX', 'HELLO', 'SUB 1', `1 STOP *${crc16Hex('1 STOP')}`, `2 KEY patient ${'ab'.repeat(32)} *${crc16Hex(`2 KEY patient ${'ab'.repeat(32)}`)}`);
  return { lp, corpus };
}

/** What the fuzzer guards: prescription, delivery state, boluses, reservoir, settings, alarms, keys. */
export function snapshot(lp: LinkedPump): string {
  const p = lp.vp.controller.pump;
  const s = p.status(0);
  const keys = (['patient', 'clinician', 'service'] as const).map((r) => Array.from(lp.keys.get(r) ?? []).join(','));
  return JSON.stringify([p.prescription, p.state, s.boluses, s.reservoirNl, p.accounting.lowReservoirNl, p.todOffsetMs, s.alarms, keys]);
}

const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

function mutate(frame: string, ops: readonly { kind: number; at: number; ch: number }[], recrc: boolean): string {
  let s = frame;
  for (const o of ops) {
    const i = s.length === 0 ? 0 : o.at % s.length;
    const ch = PRINTABLE[o.ch % PRINTABLE.length]!;
    if (o.kind === 0) s = s.slice(0, i) + ch + s.slice(i + 1);
    else if (o.kind === 1) s = s.slice(0, i) + ch + s.slice(i);
    else if (o.kind === 2) s = s.slice(0, i) + s.slice(i + 1);
    else s = s.slice(0, i);
  }
  if (recrc) {
    const star = s.lastIndexOf(' *');
    const body = star >= 0 ? s.slice(0, star) : s;
    s = `${body} *${crc16Hex(body)}`;
  }
  return s;
}

/** Inputs: each an array of bytes (possibly several lines, possibly none complete). */
function inputs(corpus: readonly string[]): fc.Arbitrary<Uint8Array> {
  const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  const op = fc.record({ kind: fc.nat(3), at: fc.nat(200), ch: fc.nat(200) });
  const commands = Object.keys(COMMANDS);
  const hex = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });
  return fc.oneof(
    fc.uint8Array({ maxLength: 160 }),
    fc.tuple(fc.constantFrom(...corpus), fc.array(op, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([f, ops, recrc]) => enc(`${mutate(f, ops, recrc)}\n`)),
    fc.tuple(fc.nat(65_535), fc.constantFrom(...commands), fc.array(fc.oneof(fc.nat(10_000_000).map(String), hex(8, 64)), { maxLength: 3 }), hex(16, 16)).map(([seq, cmd, args, mac]) => {
      const body = `${seq + 1} ${[cmd, ...args].join(' ')} #${mac}`;
      return enc(`${body} *${crc16Hex(body)}\n`);
    }),
    fc.constantFrom(...corpus).map((f) => enc(`${f}\n`)),
  );
}

const completeLines = (bytes: Uint8Array): string[] => String.fromCharCode(...bytes).split('\n').slice(0, -1).map((l) => l.replace(/\r$/, ''));
const crcRight = (l: string): boolean => crc16Hex(l.slice(0, -6)) === l.slice(-4);

/** A correctly framed STOP in the input: the one state change an unauthenticated line may make. */
function holdsStop(bytes: Uint8Array): boolean {
  return completeLines(bytes).some((l) => /^[1-9][0-9]{0,4} STOP \*[0-9A-F]{4}$/.test(l) && crcRight(l));
}

/** Every complete line of the input carries a CRC field that does not match. */
function allCrcsWrong(bytes: Uint8Array): boolean {
  const lines = completeLines(bytes);
  return lines.length > 0 && lines.every((l) => / \*[0-9A-F]{4}$/.test(l) && !crcRight(l));
}

export function fuzzProtocol(library: unknown, frames: number, seed: number): FuzzResult {
  const { lp, corpus } = setUp(library);
  lp.written.length = 0;
  let before = snapshot(lp);
  let count = 0;
  let violations = 0;
  let exceptions = 0;
  const first: string[] = [];
  const flag = (what: string): void => {
    violations++;
    if (first.length < 5) first.push(what);
  };
  const batch = 100;
  fc.assert(
    fc.property(fc.array(inputs(corpus), { minLength: batch, maxLength: batch }), (list) => {
      for (const bytes of list) {
        count++;
        lp.written.length = 0;
        try {
          lp.link.receive(bytes);
        } catch (e) {
          exceptions++;
          flag(`exception ${(e as Error).message} on ${JSON.stringify(String.fromCharCode(...bytes))}`);
        }
        if (allCrcsWrong(bytes) && lp.written.some((w) => /^(\d+ )?OK /.test(w))) {
          flag(`an OK answered a line with a wrong CRC: ${JSON.stringify(String.fromCharCode(...bytes))}`);
        }
        const after = snapshot(lp);
        if (after !== before && !holdsStop(bytes)) flag(`state changed on ${JSON.stringify(String.fromCharCode(...bytes))}`);
        before = after;
      }
    }),
    { numRuns: Math.ceil(frames / batch), seed },
  );
  return { frames: count, violations, exceptions, firstViolations: first };
}
