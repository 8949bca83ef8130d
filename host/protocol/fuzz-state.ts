// The fuzz benchmark's pumps and what it compares of them. Two identical linked pumps with
// storage (NVS and the flash log, as the device keeps them): the one under attack gets every
// byte, its twin only the frames the oracle finds authentic and allowed (host/protocol/
// fuzz-oracle.ts); time moves both alike. Their whole state must stay equal: the motor and the
// rig's plunger, delivered volume and reservoir, the bolus ledger and the dose memory, alarms,
// prescription, mechanics and settings, keys, sessions (role, last sequence number, times), the
// AUTH lockout, every NVS record and the newest log record.

import type { Role } from '../../firmware/protocol/auth';
import type { KeyValueStore } from '../../firmware/ports/kv-store';
import { bytesToHex } from '../../firmware/shared/hex';
import { MockFlash } from '../storage/flash-mock';
import { MockKeyValueStore } from '../storage/kv-mock';
import type { LinkedPump } from './virtual-link';
import { createLinkedPump } from './virtual-link';

export const FUZZ_RX = {
  name: 'fuzz',
  drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
  mode: 'continuous',
  rateNlPerDay: 1_000_000,
  patientBolus: { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 150_000 },
} as const;

export const FUZZ_MECHANICS = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 } as const;

/** NVS that keeps a text image of every key, so the whole store can be compared cheaply. */
class ListedKv implements KeyValueStore {
  readonly #kv = new MockKeyValueStore();
  readonly #hex = new Map<string, string>();
  #image: string | undefined;
  read(key: string): Uint8Array | undefined {
    return this.#kv.read(key);
  }
  write(key: string, value: Uint8Array): void {
    this.#kv.write(key, value);
    this.#hex.set(key, bytesToHex(value));
    this.#image = undefined;
  }
  image(): string {
    this.#image ??= [...this.#hex.keys()]
      .sort()
      .map((k) => `${k}=${this.#hex.get(k)!}`)
      .join(';');
    return this.#image;
  }
}

/** JSON of an object that is replaced, never changed in place, when it changes: made once. */
const texts = new WeakMap<object, string>();
function frozenText(o: object | undefined): string {
  if (o === undefined) return 'none';
  let t = texts.get(o);
  if (t === undefined) {
    t = JSON.stringify(o);
    texts.set(o, t);
  }
  return t;
}

export interface FuzzPump {
  readonly lp: LinkedPump;
  readonly nvs: ListedKv;
}

/** One pump of the pair: the same options, seeds and entropy give the same pump. */
export function fuzzPump(library: unknown): FuzzPump {
  const nvs = new ListedKv();
  const lp = createLinkedPump({ mechanics: FUZZ_MECHANICS, library, reservoirNl: 8_000_000, prescription: FUZZ_RX, keepEvents: false, storage: nvs, flash: new MockFlash() });
  return { lp, nvs };
}

/** A session as a snapshot shows it: undefined once closed or expired. */
export interface SessionView {
  readonly role: Role;
  readonly lastSeq: number;
  readonly startedMs: number;
  readonly lastUsedMs: number;
}

/**
 * The whole state as one string, and the sessions it lists (for the oracle's own session
 * model). `sids` are the sessions the fuzzer ever opened; reading them drops expired ones, the
 * same on both pumps (the firmware drops them on the next look anyway).
 */
export function pumpState(p: FuzzPump, sids: readonly string[]): { text: string; sessions: Map<string, SessionView> } {
  const { vp, auth, keys } = p.lp;
  const c = vp.controller;
  const pump = c.pump;
  const now = c.now();
  const sessions = new Map<string, SessionView>();
  for (const sid of sids) {
    const s = auth.session(now, sid);
    if (s) sessions.set(sid, { role: s.role, lastSeq: s.lastSeq, startedMs: s.startedMs, lastUsedMs: s.lastUsedMs });
  }
  const keyHex = (['patient', 'clinician', 'service'] as const).map((r) => bytesToHex(keys.get(r) ?? new Uint8Array(0)));
  const state = [
    now,
    pump.state,
    pump.todOffsetMs,
    pump.accounting.lowReservoirNl,
    pump.status(now),
    pump.doseMemory(now),
    pump.alarms.list(),
    [vp.rig.positionMicrosteps, vp.rig.pushedNl, vp.rig.reservoirNl, vp.stepper.position],
    keyHex,
    [auth.failures, auth.lockedMs(now), auth.sessionsOpen(now), [...sessions]],
    vp.persistence?.log?.newestSeq ?? -1,
  ];
  // The texts made once (prescription, mechanics, the NVS image: 3 KB of hex) are joined on,
  // not quoted again inside the JSON: that escaping was a fifth of the fuzz bench's time.
  const text = `${JSON.stringify(state)}\n${frozenText(pump.prescription)}\n${frozenText(pump.mechanics)}\n${p.nvs.image()}`;
  return { text, sessions };
}
