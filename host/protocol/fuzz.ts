// Fuzzing the protocol with real sessions against a twin. A host that holds real session keys
// (host/protocol/fuzz-host.ts) sends signed frames among mutated, replayed, escalated and random
// ones to a linked pump with storage, while the virtual clock moves (sessions, nonces and AUTH
// locks expire; delivery goes on). A twin pump gets only the lines the oracle
// (fuzz-lines.ts reads the wire as docs/protocol.md says, fuzz-oracle.ts judges each line)
// finds authentic for a role allowed to send them, or open to anyone (queries, HELLO, AUTH,
// STOP), and the same time. The oracle, after every input and every move of the clock:
//   - the whole state of the two pumps is equal (fuzz-state.ts: motor and plunger, delivered,
//     reservoir, bolus ledger and dose memory, alarms, prescription, mechanics, settings, keys,
//     sessions with role and last number, the AUTH lockout, every NVS record, the log's head):
//     whatever the pump under attack did with a frame the twin never got changed nothing;
//   - the session the link holds has exactly the last number and idle time the spec gives it
//     (a refused frame uses up no number, an accepted one does);
//   - the keys are the example keys (KEY without a session needs physical presence);
//   - no exception escapes, and a line with a wrong CRC is never answered OK.
// After a violation both pumps start afresh, so one finding is counted once.

import { physicalPresence } from '../../firmware/app/security';
import { lineBytes } from '../../firmware/shared/crc';
import { bytesToHex } from '../../firmware/shared/hex';
import type { HostCounts } from './fuzz-host';
import { FuzzHost } from './fuzz-host';
import { LineModel, readModelFrame } from './fuzz-lines';
import { SessionModel } from './fuzz-oracle';
import type { FuzzPump } from './fuzz-state';
import { fuzzPump, pumpState } from './fuzz-state';
import type { LinkedPump } from './virtual-link';
import { exampleKey } from './virtual-link';

export interface FuzzResult {
  /** Inputs written to the pump under attack (a write may hold several lines, or part of one). */
  readonly frames: number;
  readonly violations: number;
  readonly exceptions: number;
  /** Lines the oracle let through to the twin as authentic signed frames. */
  readonly authentic: number;
  /** Signed lines it held back (bad MAC, old number, wrong role, ended session). */
  readonly refusedSigned: number;
  /** Virtual time the run covered, ms. */
  readonly simulatedMs: number;
  readonly host: HostCounts;
  /** Violations by kind (see ViolationKind). */
  readonly violationKinds: Readonly<Record<ViolationKind, number>>;
  /** The first two violations of each kind, each with the inputs before it. */
  readonly firstViolations: readonly string[];
  /** With `trace`: for each violation reported, every step since its pair was made. */
  readonly traces: readonly (readonly TraceStep[])[];
}

/**
 * state: the pump under attack and its twin differ; session: the link's session is not as the
 * spec leaves it; key: a role key changed; crc: a wrong CRC answered OK; exception: the firmware
 * threw (a frame, or time passing after the frames it was given).
 */
export type ViolationKind = 'state' | 'session' | 'key' | 'crc' | 'exception';

/** One step of a run: bytes written to the pump under attack, virtual ms passed, or the service button. */
export type TraceStep = { readonly bytes: readonly number[] } | { readonly ms: number } | { readonly presence: true };

const EXAMPLE_KEYS = (['patient', 'clinician', 'service'] as const).map((r) => bytesToHex(exampleKey(r)));
const show = (bytes: Uint8Array): string => JSON.stringify(String.fromCharCode(...bytes)).slice(0, 300);

/** The first place two state texts differ, with some context. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `attacked …${a.slice(Math.max(0, i - 60), i + 60)}… twin …${b.slice(Math.max(0, i - 60), i + 60)}…`;
}

export interface FuzzOptions {
  /** Keep every step since the pair was made, for the first violations (replay them to debug). */
  readonly trace?: boolean;
  /**
   * Breaks the pump under attack on purpose (each new one): the tests prove with it that the
   * oracle sees a MAC, role or sequence check gone.
   */
  readonly tamper?: (attacked: LinkedPump) => void;
}

export function fuzzProtocol(library: unknown, frames: number, seed: number, options: FuzzOptions = {}): FuzzResult {
  let a: FuzzPump;
  let b: FuzzPump;
  let model: SessionModel;
  let lines: LineModel;
  let twinState = '';
  /** The sessions the twin's cached state lists. */
  let twinSids = '';
  let count = 0;
  let violations = 0;
  let exceptions = 0;
  let authentic = 0;
  let refusedSigned = 0;
  let simulatedMs = 0;
  const first: string[] = [];
  /** The last inputs, for a report: a change may show only after the frame that made it. */
  const recent: string[] = [];
  const note = (what: string): void => {
    recent.push(what);
    if (recent.length > 12) recent.shift();
  };
  let trace: TraceStep[] = [];
  const traces: TraceStep[][] = [];

  const sids = (): string[] => model.all.map((s) => s.host.sid);
  const fresh = (): void => {
    a = fuzzPump(library);
    b = fuzzPump(library);
    options.tamper?.(a.lp);
    model = new SessionModel();
    lines = new LineModel();
    twinState = pumpState(b, []).text;
    twinSids = '';
    trace = [];
  };
  fresh();

  const kinds: Record<ViolationKind, number> = { state: 0, session: 0, key: 0, crc: 0, exception: 0 };
  const flag = (kind: ViolationKind, what: string): void => {
    violations++;
    kinds[kind]++;
    // The first two of each kind: a frequent one must not hide a rare one.
    if (kinds[kind] <= 2) {
      first.push(`${what}\n    after: ${recent.join(' | ')}`);
      if (options.trace) traces.push(trace);
    }
    fresh();
  };

  /** Compares the pair (and the oracle's own session) after an input or a move of the clock. */
  const check = (twinMoved: boolean, what: string): void => {
    const ids = sids();
    const attacked = pumpState(a, ids);
    // The twin's state is read again only when it changed: it got a line, time moved, or the
    // fuzzer opened a session that the state must now list.
    const twin = twinMoved || ids.join() !== twinSids ? pumpState(b, ids) : undefined;
    if (twin) {
      twinState = twin.text;
      twinSids = ids.join();
    }
    if (attacked.text !== twinState) {
      flag('state', `state differs from the twin's after ${what}: ${firstDifference(attacked.text, twinState)}`);
      return;
    }
    const s = model.current;
    if (s && twin) {
      const seen = twin.sessions.get(s.host.sid);
      const live = model.live(s, a.lp.vp.controller.now());
      if (live !== (seen !== undefined) || (seen && (seen.lastSeq !== s.lastSeq || seen.lastUsedMs !== s.lastUsedMs))) {
        flag('session', `the link's session differs from the spec's after ${what}: pump ${JSON.stringify(seen)}, spec ${JSON.stringify({ live, lastSeq: s.lastSeq, lastUsedMs: s.lastUsedMs })}`);
        return;
      }
    }
    const keys = (['patient', 'clinician', 'service'] as const).map((r) => bytesToHex(a.lp.keys.get(r) ?? new Uint8Array(0)));
    if (keys.join() !== EXAMPLE_KEYS.join()) flag('key', `a key changed after ${what}`);
  };

  const wire = {
    now: (): number => a.lp.vp.controller.now(),
    presence(): void {
      note('service button');
      if (options.trace) trace.push({ presence: true });
      for (const p of [a, b]) physicalPresence(p.lp.auth, p.lp.vp.controller);
      check(true, 'the service button');
    },
    advance(ms: number): void {
      if (ms <= 0) return;
      note(`+${ms} ms`);
      if (options.trace) trace.push({ ms });
      try {
        a.lp.vp.runFor(ms);
        b.lp.vp.runFor(ms);
      } catch (e) {
        exceptions++;
        flag('exception', `exception while ${ms} ms passed: ${(e as Error).message}`);
        return;
      }
      simulatedMs += ms;
      check(true, `${ms} ms of time`);
    },
    send(bytes: Uint8Array): string[] {
      count++;
      note(show(bytes));
      if (options.trace) trace.push({ bytes: Array.from(bytes) });
      a.lp.written.length = 0;
      try {
        a.lp.link.receive(bytes);
      } catch (e) {
        exceptions++;
        flag('exception', `exception ${(e as Error).message} on ${show(bytes)}`);
        return [];
      }
      const out = a.lp.written.slice();
      const now = a.lp.vp.controller.now();
      const complete = lines.push(bytes);
      let twinMoved = false;
      for (const line of complete) {
        const f = readModelFrame(line);
        const verdict = model.judge(f, now);
        if (f.mac !== undefined && f.problem === undefined) {
          if (verdict.pass) authentic++;
          else refusedSigned++;
        }
        if (!verdict.pass) continue;
        twinMoved = true;
        try {
          b.lp.link.receive(lineBytes(`${line}\n`));
        } catch (e) {
          exceptions++;
          flag('exception', `exception on the twin ${(e as Error).message} on ${JSON.stringify(line)}`);
          return out;
        }
      }
      if (complete.length > 0 && complete.every((l) => readModelFrame(l).crcWrong) && out.some((w) => /^(\d+ )?OK /.test(w))) {
        flag('crc', `an OK answered a line with a wrong CRC: ${show(bytes)}`);
        return out;
      }
      check(twinMoved, show(bytes));
      return out;
    },
  };

  const host = new FuzzHost(seed, wire, () => model);
  while (count < frames) {
    wire.advance(host.pause());
    host.act();
  }
  return { frames: count, violations, exceptions, authentic, refusedSigned, simulatedMs, host: host.counts, violationKinds: kinds, firstViolations: first, traces };
}
