// What the Node/XS parity scenarios (scenarios.ts) share: the stream types, the rigs and
// prescriptions, and the recorder that turns a run into a stream. No Node imports and nothing
// from the host's own clock: no Date, no Math.random, no timers.

import type { PumpEvent } from '../../firmware/core/events';
import type { createVirtualPump as CreateVirtualPump, VirtualPump } from '../sim/virtual-pump';
import type { ProtocolClient } from '../protocol/client';
import type { LinkedPump } from '../protocol/virtual-link';
import { createLinkedPump, exampleKey } from '../protocol/virtual-link';

/** What a scenario needs besides the pump factory (passed in so both engines share one copy). */
export interface ScenarioLib {
  /** The drug library (firmware/app/examples/library.example.json). */
  readonly library: unknown;
}

/** A scalar a stream row may hold. */
export type StreamValue = number | string | boolean | null;
/** `at`, a tag, then data: see `eventRow`, `commandRow` and `finalRow`. */
export type StreamRow = readonly (StreamValue | Readonly<Record<string, StreamValue>>)[];
export type Stream = StreamRow[];

export type Scenario = (createVirtualPump: typeof CreateVirtualPump, lib: ScenarioLib) => Stream;

export const S = 1_000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const RIG_30 = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
export const RIG_10 = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
export const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };
export const PATIENT = { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 150_000 };

export function continuous(rateNlPerDay: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'parity', drug: WATER, mode: 'continuous', rateNlPerDay, ...extra };
}

export const BAC_BOLUS = { volumeNl: 10_000, durationMs: 300_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 40_000 };

export function baclofen(concentrationUgPerMl: number, rateNlPerDay: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `bac-${concentrationUgPerMl}`, drug: { name: 'baclofen', concentrationUgPerMl }, mode: 'continuous', rateNlPerDay, ...extra };
}

/** [at, type, reason code, reason text, data]: the whole event. */
export function eventRow(e: PumpEvent): StreamRow {
  return [e.at, e.type, e.reason.code, e.reason.text, { ...e.data }];
}

/** [at, 'cmd', name, ok, error code or null]: the firmware's answer to a command. */
export function commandRow(vp: VirtualPump, name: string, r: { ok: true } | { ok: false; error: { code: number } }): StreamRow {
  return [vp.nowMs, 'cmd', name, r.ok, r.ok ? null : r.error.code];
}

/** The stream: events in time order with the command answers where they fell. */
export class Recorder {
  readonly rows: Stream = [];
  private seen = 0;
  constructor(readonly vp: VirtualPump) {}
  /** Moves the events published since the last call into the stream. */
  flush(): void {
    const events = this.vp.events;
    for (; this.seen < events.length; this.seen++) this.rows.push(eventRow(events[this.seen]!));
  }
  run(ms: number): void {
    this.vp.runFor(ms);
    this.flush();
  }
  command(name: string, r: { ok: true } | { ok: false; error: { code: number } }): void {
    this.flush();
    this.rows.push(commandRow(this.vp, name, r));
    this.flush();
  }
  /** Ends the stream with [at, 'final', rig position (microsteps), delivered nl, state]. */
  finish(): Stream {
    this.flush();
    const s = this.vp.controller.status();
    this.rows.push([this.vp.nowMs, 'final', this.vp.rig.position, s.deliveredNl, s.state]);
    return this.rows;
  }
}

/** Commands a clinician's programmer sends, each once per round (50 in all). */
export const PROTOCOL_ROUND: readonly (readonly [string, ...(string | number)[]])[] = [['LOWRES', 1_000_000], ['PAUSE'], ['RESUME'], ['CLOCK', 3_600_000], ['ACK']];
export const PROTOCOL_COMMANDS = 50;

/** Ends a protocol stream as the Recorder ends the others. */
export function finalRow(lp: LinkedPump, rows: Stream): Stream {
  const st = lp.vp.controller.status();
  rows.push([lp.vp.nowMs, 'final', lp.vp.rig.position, st.deliveredNl, st.state]);
  return rows;
}

/** A linked pump with a clinician logged in: the protocol's setup, alone (the baseline). */
export function loggedIn(lib: Parameters<Scenario>[1]): { lp: LinkedPump; client: ProtocolClient; rows: Stream } {
  const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(1_000_000) });
  lp.vp.runFor(HOUR); // an hour of delivery first, so the commands act on a running pump
  const client = lp.client();
  const login = client.login('clinician', exampleKey('clinician'));
  return { lp, client, rows: [[lp.vp.nowMs, 'reply', 'AUTH', login.line]] };
}
