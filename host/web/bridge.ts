// The dashboard's bridge to the pump: one PumpSession (pumpctl's own protocol client, so the
// page sees exactly what pumpctl sees) shared by every open page. It polls STATUS (which also
// collects the event lines the pump sent since), keeps the chart samples and recent events in
// memory so a reloaded page gets the hours already watched, and runs the pages' requests one at
// a time on the session (actions.ts). The keys stay here: a page asks for "bolus", and the
// server logs in with the role the protocol needs for it.

import type { EventLine } from '../protocol/codec';
import type { RoleKeys } from '../protocol/key-file';
import { alarmViews, nextBasalText, nextBasalView, statusView } from '../cli/commands/status';
import type { PumpSession } from '../cli/session';
import { retrying } from '../cli/session';
import type { PendingProgram } from './actions';
import { handleRequest } from './actions';
import type { EventInfo, PageMessage, PumpStatus, Sample, ServerMessage, VirtualInfo } from './messages';
import { HostError } from '../errors';

/** The virtual board's demonstration controls, where the dashboard runs beside it (npm start). */
export interface VirtualControls {
  readonly info: VirtualInfo;
  /** Applies a fault by its id (VirtualInfo.faults); answers what was done. */
  fault(id: string): string;
  /** Moves a manual clock on; answers the board time reached. */
  advance?(duration: string): Promise<string>;
  /** Sets the pace of a wall clock (virtual ms per wall ms); answers what that means. */
  setSpeed?(speed: number): Promise<string>;
  /** What the rig's line shows now (flow at the sensor, pressure), for the charts. */
  line(): { flowNlPerMin: number; pressureKpa: number } | undefined;
}

export interface BridgeOptions {
  /** Opens the port and checks the protocol (no login yet). */
  readonly open: () => Promise<PumpSession>;
  readonly keys: RoleKeys;
  readonly port: string;
  /** How often STATUS is asked while a page is open (events come with it). */
  readonly pollMs: number;
  /** pumpctl serve: hold the port from the start. npm start: only while a page is open, so pumpctl can use it otherwise. */
  readonly holdAlways: boolean;
  readonly virtual?: VirtualControls;
  readonly notice: (text: string) => void;
}

/** Samples kept: two days of one a second. */
export const MAX_SAMPLES = 2 * 86_400;
const MAX_EVENTS = 500;
const INFO_EVERY_MS = 10_000;
const RETRY_MS = 2_000;

type Client = (m: ServerMessage) => void;

export class PumpBridge {
  readonly o: BridgeOptions;
  readonly #clients = new Set<Client>();
  readonly samples: Sample[] = [];
  readonly events: EventInfo[] = [];
  #session: PumpSession | undefined;
  #opening: Promise<PumpSession> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastEventSeq = -1;
  #lastSampleT = -Infinity;
  #infoAt = -Infinity;
  #info: Record<string, string> = {};
  #rx: PumpStatus['rx'] = null;
  #rxStale = true;
  /** NEXT's answer on the pump's clock: the next basal change and the clock time it falls at. */
  #nextBasal: { atMs: number; rateNlPerDay: number; clockMs: number } | null = null;
  #alarmsKey = '';
  /** STATUS carries only the codes: an alarm acknowledged, or gone and back between two polls, needs ALARMS again. */
  #alarmsStale = false;
  #alarms: PumpStatus['alarms'] = [];
  #problem: string | null = null;
  #status: PumpStatus | undefined;
  /** The prescription last checked (staged) by a page, awaiting its commit. */
  pending: PendingProgram | undefined;

  constructor(o: BridgeOptions) {
    this.o = o;
  }

  /** pumpctl serve: opens the port now, so a wrong port fails at once with pumpctl's own error. */
  async start(): Promise<void> {
    if (this.o.holdAlways) {
      await this.#connect();
      this.#schedule(0);
    }
  }

  get roles(): string[] {
    return Object.keys(this.o.keys);
  }

  /** A page connected: it gets what was seen so far, then every status and event. */
  attach(client: Client): void {
    this.#clients.add(client);
    client({ type: 'hello', port: this.o.port, roles: this.roles, virtual: this.o.virtual?.info ?? null, samples: this.samples, events: this.events });
    if (this.#status) client({ type: 'status', status: this.#status, samples: [] });
    if (this.#clients.size === 1 && !this.o.holdAlways) this.#schedule(0);
  }

  detach(client: Client): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0 && !this.o.holdAlways) void this.#release();
  }

  /** One page request, run after whatever the session is doing; never throws. */
  async request(m: PageMessage): Promise<ServerMessage> {
    try {
      const r = await handleRequest(this, m);
      if (m.action !== 'history' && m.action !== 'csv' && m.action !== 'accuracy') {
        // An acknowledgement (or a fault) changes the list without changing STATUS's codes.
        this.#alarmsStale = true;
        this.#schedule(0);
      }
      return { type: 'reply', id: m.id, ok: true, text: r.text, ...(r.data !== undefined && { data: r.data }) };
    } catch (e) {
      return { type: 'reply', id: m.id, ok: false, text: errorText(e) };
    }
  }

  /** Runs `fn` on the session after every use queued before it (the session is one line). */
  withSession<T>(fn: (s: PumpSession) => Promise<T>): Promise<T> {
    const next = this.#queue.then(async () => fn(await this.#connect()));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Logs in with `role` unless the session already has it or a higher one (a higher role may send everything a lower one may). */
  async ensureRole(s: PumpSession, role: 'patient' | 'clinician'): Promise<void> {
    const rank = { patient: 1, clinician: 2, service: 3 } as const;
    if (s.role !== undefined && rank[s.role] >= rank[role]) return;
    await s.login(role);
  }

  /** The virtual board's controls changed (its speed): every page is told. */
  virtualChanged(): void {
    if (this.o.virtual) this.#broadcast({ type: 'virtual', virtual: this.o.virtual.info });
  }

  markRxStale(): void {
    this.#rxStale = true;
  }

  async #connect(): Promise<PumpSession> {
    if (this.#session) return this.#session;
    this.#opening ??= (async () => {
      try {
        const s = await this.o.open();
        s.onEvent((e) => this.#event(e));
        await retrying(() => s.query('SUB', 1));
        this.#session = s;
        this.#problem = null;
        this.#rxStale = true;
        this.#infoAt = -Infinity;
        return s;
      } finally {
        this.#opening = undefined;
      }
    })();
    return this.#opening;
  }

  async #release(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#queue;
    const s = this.#session;
    this.#session = undefined;
    this.pending = undefined;
    await s?.close().catch(() => undefined);
  }

  #schedule(ms: number): void {
    if (this.#closed || (!this.o.holdAlways && this.#clients.size === 0)) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), ms); // the polling interval, wall time by design
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    let next = this.o.pollMs;
    try {
      await this.withSession(async (s) => {
        const st = await retrying(() => s.query('STATUS'));
        const view = statusView(st.fields);
        const key = view.alarms.join(',');
        let alarmsChanged = false;
        if (key !== this.#alarmsKey || this.#alarmsStale || (key !== '' && this.#alarms.length === 0)) {
          alarmsChanged = key !== this.#alarmsKey;
          this.#alarmsKey = key;
          this.#alarmsStale = false;
          this.#alarms = alarmViews((await retrying(() => s.query('ALARMS'))).fields);
        }
        const nowWall = Date.now();
        // INFO (battery, capacity) every few seconds, and at once when the alarms change (a battery alarm).
        if (nowWall - this.#infoAt >= INFO_EVERY_MS || alarmsChanged) {
          this.#info = (await retrying(() => s.query('INFO'))).fields;
          this.#infoAt = nowWall;
        }
        const nowMs = Number(st.fields['now'] ?? 0);
        // NEXT with INFO, after a new prescription, and once the change it named has come.
        if (nowWall === this.#infoAt || this.#rxStale || (this.#nextBasal !== null && nowMs >= this.#nextBasal.atMs)) {
          const nb = nextBasalView((await retrying(() => s.query('NEXT'))).fields);
          this.#nextBasal = nb === null ? null : { atMs: nowMs + nb.inMs, rateNlPerDay: nb.rateNlPerDay, clockMs: nb.clockMs };
        }
        if (this.#rxStale) {
          const rx = await retrying(() => s.query('RX'));
          this.#rx = rx.ok ? { name: rx.fields['name'] ?? '?', mode: rx.fields['mode'] ?? '?', drug: rx.fields['drug'] ?? '?', conc: rx.fields['conc'] ?? '?' } : null;
          this.#rxStale = false;
        }
        this.#publish(view, Number(st.fields['now'] ?? 0));
      });
    } catch (e) {
      next = RETRY_MS;
      this.#problem = errorText(e);
      const s = this.#session;
      this.#session = undefined;
      await s?.close().catch(() => undefined);
      if (this.#status) this.#status = { ...this.#status, connected: false, problem: this.#problem };
      else this.#status = disconnected(this.#problem);
      this.#broadcast({ type: 'status', status: this.#status, samples: [] });
    }
    this.#schedule(next);
  }

  #publish(view: ReturnType<typeof statusView>, nowMs: number): void {
    const status: PumpStatus = {
      connected: true,
      problem: null,
      state: view.state,
      nowMs,
      rateNlPerDay: view.rateNlPerDay,
      deliveredNl: view.deliveredNl,
      todayNl: view.todayNl,
      reservoirNl: view.reservoirNl,
      capacityNl: Number(this.#info['capacityNl'] ?? 0),
      nextChangeInMs: view.nextChangeInMs,
      nextBasal:
        this.#nextBasal === null
          ? nextBasalText(null)
          : nextBasalText({ inMs: Math.max(0, this.#nextBasal.atMs - nowMs), rateNlPerDay: this.#nextBasal.rateNlPerDay, clockMs: this.#nextBasal.clockMs }),
      emptyInMs: view.emptyInMs,
      batteryPct: this.#info['batteryPct'] === undefined ? null : Number(this.#info['batteryPct']),
      batteryEriMs: this.#info['eriMs'] === undefined || !/^[0-9]+$/.test(this.#info['eriMs']) ? null : Number(this.#info['eriMs']),
      alarms: view.alarms.length === 0 ? [] : this.#alarms,
      rx: this.#rx,
    };
    this.#status = status;
    const fresh: Sample[] = [];
    // One sample per board second at most: a fast virtual board is charted in board time.
    if (nowMs >= this.#lastSampleT + 1000 || nowMs < this.#lastSampleT) {
      const line = this.o.virtual?.line();
      const sample: Sample = {
        t: nowMs,
        deliveredNl: view.deliveredNl,
        rateNlPerDay: view.rateNlPerDay,
        flowNlPerMin: line ? Math.round(line.flowNlPerMin) : null,
        pressureKpa: line ? Math.round(line.pressureKpa * 100) / 100 : null,
        band: view.state === 'alarm' || view.alarms.length > 0 ? 2 : view.state === 'running' ? 0 : 1,
      };
      // A board that restarted counts from zero again: its chart starts afresh.
      if (nowMs < this.#lastSampleT) this.samples.length = 0;
      this.samples.push(sample);
      if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
      this.#lastSampleT = nowMs;
      fresh.push(sample);
    }
    this.#broadcast({ type: 'status', status, samples: fresh });
  }

  #event(e: EventLine): void {
    // Events are numbered by the pump: one seen twice (a replay after a reconnection) is shown once.
    if (e.seq <= this.#lastEventSeq && e.seq > this.#lastEventSeq - 10_000) return;
    this.#lastEventSeq = e.seq;
    const info: EventInfo = { seq: e.seq, at: e.at, type: e.type, reason: e.reason, fields: e.fields };
    this.events.push(info);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    if (e.type === 'program' || e.type === 'refill') this.#rxStale = true;
    if (e.type.startsWith('alarm')) this.#alarmsStale = true;
    if (e.type === 'battery') this.#infoAt = -Infinity;
    this.#broadcast({ type: 'event', event: info });
  }

  #broadcast(m: ServerMessage): void {
    for (const c of this.#clients) c(m);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#release();
  }
}

function disconnected(problem: string): PumpStatus {
  return {
    connected: false,
    problem,
    state: 'unknown',
    nowMs: 0,
    rateNlPerDay: 0,
    deliveredNl: 0,
    todayNl: 0,
    reservoirNl: 0,
    capacityNl: 0,
    nextChangeInMs: null,
    nextBasal: 'unknown',
    emptyInMs: null,
    batteryPct: null,
    batteryEriMs: null,
    alarms: [],
    rx: null,
  };
}

/** pumpctl's "E8xx NAME: message" for its own errors; anything else as its message. */
export function errorText(e: unknown): string {
  if (e instanceof HostError) return e.text;
  return (e as Error).message ?? String(e);
}
