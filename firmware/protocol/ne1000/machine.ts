// The NE-1000 pump as a lab's scripts see it: packets in (packets.ts), replies out, and the
// delivery it asks for through a port (NeDelivery) that the rig's controller stands behind
// (delivery.ts). Pure: it takes `now` and bytes and keeps no clock, so tests drive it with
// virtual time. What it answers and why is in docs/ne1000.md; the manual is NE-1000 user
// manual 1200-01, section 10 (RS-232), with the NE-500 OEM manual for the command details.

import type { NeCommand } from './command';
import { parseCommand } from './command';
import type { Packet } from './packets';
import { basicReply, PacketReader, safePacket } from './packets';
import type { RateUnits, VolumeUnits } from './numbers';
import { formatMilli, nlToMilli, parseFloatMilli, RATE_UNITS, rateNlPerDay, volumeNl } from './numbers';
import type { NeSettings } from './settings';
import { BAUDS, TRIGGERS } from './settings';

/** What the machine reads of the pump at each command. */
export interface PumpView {
  readonly state: 'idle' | 'running' | 'paused' | 'alarm' | 'stopped';
  /** Running with a rate above zero: a finished dose leaves the pump running at rate 0. */
  readonly delivering: boolean;
  /** Every nl delivered since the pump was built (the machine keeps its own zero). */
  readonly deliveredNl: number;
  /** The volume of one microstep: a dose ends within one of its target. */
  readonly microstepNl: number;
  /** Active alarms that stop delivery, highest priority first. */
  readonly alarms: readonly { readonly name: string; readonly sinceMs: number }[];
}

/** Why a start was refused: `NA` (not now: an alarm, the reservoir) or `OOR` (a limit). */
export type Refusal = { readonly error: 'NA' | 'OOR'; readonly why: string };

export interface NeLimits {
  /** The bench drug's hard rate limit, within what the mechanics can drive. */
  readonly maxRateNlPerDay: number;
  /** The bench drug's hard bolus limit as a volume. */
  readonly maxVolumeNl: number;
  /** What PUR runs at. */
  readonly purgeRateNlPerDay: number;
}

/** The controller as the NE-1000 machine drives it. */
export interface NeDelivery {
  view(): PumpView;
  limits(): NeLimits;
  /**
   * Runs the bench drug at `rateNlPerDay`, `volumeNl` in all (0: until stopped), as a
   * prescription named `label` (the event log shows it). Undefined when it runs.
   */
  start(rateNlPerDay: number, volumeNl: number, label: string): Refusal | undefined;
  /** Stops delivery (the controller's pause: nothing owed is delivered later). */
  stop(): void;
}

/** The NE alarm letter of a pump alarm (A?S stall, A?R reset, A?E any other that stops delivery). */
export function alarmLetter(name: string): 'R' | 'S' | 'E' {
  if (name === 'UNEXPECTED_RESET') return 'R';
  if (name === 'OCCLUSION' || name === 'MOTOR_STALL') return 'S';
  return 'E';
}

type Run = 'stopped' | 'running' | 'paused' | 'purging';

export interface MachineOptions {
  readonly delivery: NeDelivery;
  readonly settings: NeSettings;
  /** `NE1000V<major>.<minor>`. */
  readonly version: string;
  /** Settings changed: store them (not called for RUN, STP and the like). */
  readonly saveSettings?: (s: NeSettings) => void;
  /** The client asked to leave for the native protocol (NATIVE), after this reply. */
  readonly leave?: () => void;
}

export class Ne1000Machine {
  readonly #o: MachineOptions;
  readonly #reader = new PacketReader();
  #s: NeSettings;
  #run: Run = 'stopped';
  /** Phase selected with PHN: 1 (the rate phase) or 2 (its stop). */
  #phase = 1;
  /** Delivered nl at the start of the current dispense, and its target (0: none). */
  #runStartNl = 0;
  #runTargetNl = 0;
  /** Delivered nl at the last CLD INF. */
  #infusedZeroNl: number;
  /** Alarms already reported (name@since), and the letter waiting for the next command. */
  readonly #reported = new Set<string>();
  #pending: string | undefined;
  /** Safe mode: its timeout (0: basic mode), the last good packet, whether T was raised. */
  #safeS = 0;
  #lastGoodMs = 0;
  #timedOut = false;
  /** When the delivered volume last changed (a dose's last steps land after its rate ends). */
  #lastDeliveredNl = -1;
  #lastChangeMs = 0;
  /** Replies since the last `take()`. */
  #out: Uint8Array[] = [];

  constructor(o: MachineOptions, nowMs: number) {
    this.#o = o;
    this.#s = o.settings;
    this.#lastGoodMs = nowMs;
    this.#infusedZeroNl = o.delivery.view().deliveredNl;
  }

  get settings(): NeSettings {
    return this.#s;
  }

  /** Safe mode's timeout in s (0: basic mode). */
  get safeTimeoutS(): number {
    return this.#safeS;
  }

  /** Bytes from the line at `nowMs`; replies collect for `take()`. */
  receive(bytes: Uint8Array, nowMs: number): void {
    this.tick(nowMs);
    this.#reader.push(bytes, nowMs);
    for (let p = this.#reader.next(); p; p = this.#reader.next()) this.#packet(p, nowMs);
  }

  /** The replies to send, in order. */
  take(): Uint8Array[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** When `tick` must run next for the safe-mode timeout, or undefined (none armed). */
  get deadlineMs(): number | undefined {
    return this.#safeS > 0 && !this.#timedOut ? this.#lastGoodMs + this.#safeS * 1_000 : undefined;
  }

  /**
   * Time passing: in safe mode, no good packet for the timeout stops the pump and raises
   * alarm T (manual 10.2.3), reported on the next command.
   */
  tick(nowMs: number): void {
    const deadline = this.deadlineMs;
    if (deadline === undefined || nowMs < deadline) return;
    this.#timedOut = true;
    this.#stopDelivery();
    this.#pending = 'T';
  }

  #packet(p: Packet, nowMs: number): void {
    if (p.kind === 'corrupt' || p.kind === 'too-long') {
      this.#refresh(nowMs);
      this.#reply(this.#statusChar(), p.kind === 'corrupt' ? '?COM' : '?');
      return;
    }
    const c = parseCommand(p.text);
    // A pump on a network answers only its own address (or `*`, or none).
    if (c.address !== undefined && c.address !== this.#s.address) return;
    this.#lastGoodMs = nowMs;
    this.#timedOut = false;
    this.#refresh(nowMs);
    // An alarm is answered in place of the next command, which is not carried out (manual:
    // "the alarm must be acknowledged before any data is changed or the pump is started").
    const alarm = this.#pending;
    if (alarm !== undefined) {
      this.#pending = undefined;
      this.#reply(`A?${alarm}`, '');
      return;
    }
    const data = this.#execute(c);
    // SAF's own reply already uses the framing it set (manual: the answer to a framed SAF0 is
    // a basic packet).
    this.#reply(this.#statusChar(), data);
    if (c.name === 'NATIVE') this.#o.leave?.();
  }

  #reply(status: string, data: string): void {
    const text = `${String(this.#s.address).padStart(2, '0')}${status}${data}`;
    this.#out.push(this.#safeS > 0 ? safePacket(text) : basicReply(text));
  }

  /** Brings the run state up to the pump's, and queues an alarm not yet reported. */
  #refresh(nowMs: number): void {
    const v = this.#o.delivery.view();
    if (v.deliveredNl !== this.#lastDeliveredNl) {
      this.#lastDeliveredNl = v.deliveredNl;
      this.#lastChangeMs = nowMs;
    }
    for (const a of v.alarms) {
      const key = `${a.name}@${a.sinceMs}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      this.#pending ??= alarmLetter(a.name);
      // The alarm stopped the pumping program, as on the NE-1000.
      if (this.#run !== 'paused') this.#run = 'stopped';
    }
    if (this.#reported.size > 64) this.#reported.clear();
    if (this.#run === 'running' || this.#run === 'purging') {
      // A dose is done within a microstep of its target; a dose the engine ended short (the
      // reservoir) once nothing more has landed for a second after its rate went to zero.
      const done = this.#runTargetNl > 0 && v.deliveredNl - this.#runStartNl > this.#runTargetNl - v.microstepNl;
      const settled = !v.delivering && (v.state !== 'running' || nowMs - this.#lastChangeMs >= 1_000);
      if (v.state === 'paused') this.#run = 'paused';
      else if (done || settled) this.#run = 'stopped';
    } else if (v.delivering) {
      // Acknowledged at the rig, the pump resumed by itself: say so rather than hide it.
      this.#run = 'running';
    }
  }

  #statusChar(): string {
    switch (this.#run) {
      case 'running':
        return 'I';
      case 'purging':
        return 'X';
      case 'paused':
        return 'P';
      case 'stopped':
        return 'S';
    }
  }

  #save(s: Partial<NeSettings>): void {
    this.#s = { ...this.#s, ...s };
    this.#o.saveSettings?.(this.#s);
  }

  #stopDelivery(): void {
    const v = this.#o.delivery.view();
    if (v.state === 'running' || v.state === 'alarm') this.#o.delivery.stop();
    if (this.#run === 'running') this.#run = 'paused';
    else if (this.#run === 'purging') this.#run = 'stopped';
  }

  /** The reply's data for one command ('' for a status-only reply, `?...` for an error). */
  #execute(c: NeCommand): string {
    const d = c.data;
    const busy = this.#run === 'running' || this.#run === 'purging';
    switch (c.name) {
      case undefined:
        return '?';
      case '':
        return '';
      case 'NATIVE':
        return d === '' ? '' : '?OOR';
      case 'VER':
        return d === '' ? this.#o.version : '?OOR';
      case 'DIA': {
        if (d === '') return formatMilli(this.#s.diameterMilli);
        if (busy) return '?NA';
        const v = parseFloatMilli(d);
        if (v === undefined || v < 100 || v > 50_000) return '?OOR';
        this.#save({ diameterMilli: v });
        return '';
      }
      case 'RAT':
        return this.#rate(d, busy);
      case 'VOL':
        return this.#volume(d, busy);
      case 'DIR':
        if (d === '') return 'INF';
        if (d === 'INF') return '';
        // Withdrawing would draw fluid back up the line: this rig never does (docs/ne1000.md).
        if (d === 'WDR' || d === 'REV' || d === 'STK') return '?NA';
        return '?OOR';
      case 'RUN':
        if (d !== '' && d !== '1' && d !== '01') return /^[0-9]+$/.test(d) ? '?OOR' : '?';
        return this.#start();
      case 'PUR':
        if (d !== '') return '?';
        if (busy) return '?NA';
        return this.#purge();
      case 'STP':
        if (d !== '') return '?';
        if (busy) this.#stopDelivery();
        else this.#run = 'stopped';
        return '';
      case 'DIS': {
        if (d !== '') return '?';
        const infused = Math.max(0, this.#o.delivery.view().deliveredNl - this.#infusedZeroNl);
        const u = this.#s.volumeUnits;
        return `I${formatMilli(nlToMilli(infused, u))}W${formatMilli(0)}${u}`;
      }
      case 'CLD':
        if (d === 'INF') this.#infusedZeroNl = this.#o.delivery.view().deliveredNl;
        else if (d !== 'WDR') return '?OOR';
        return '';
      case 'SAF': {
        if (d === '') return String(this.#safeS);
        if (!/^[0-9]{1,3}$/.test(d) || Number(d) > 255) return '?OOR';
        this.#safeS = Number(d);
        return '';
      }
      case 'BUZ': {
        if (d === '') return String(this.#s.buzzer);
        const m = /^([01])([0-9]{1,2})?$/.exec(d);
        if (!m) return '?OOR';
        this.#save({ buzzer: Number(m[1]) });
        return '';
      }
      case 'ADR': {
        if (d === '') return String(this.#s.address);
        const m = /^([0-9]{1,2})(?:B([0-9]+))?$/.exec(d);
        if (!m) return '?OOR';
        const baud = m[2] === undefined ? this.#s.baud : Number(m[2]);
        if (!(BAUDS as readonly number[]).includes(baud)) return '?OOR';
        this.#save({ address: Number(m[1]), baud });
        return '';
      }
      case 'PHN': {
        if (d === '') return String(this.#phase);
        if (!/^[0-9]{1,2}$/.test(d) || Number(d) < 1 || Number(d) > 41) return '?OOR';
        // One rate phase and the stop after it: a longer program is not supported.
        if (Number(d) > 2) return '?NA';
        if (busy) return '?NA';
        this.#phase = Number(d);
        return '';
      }
      case 'FUN':
        if (d === '') return this.#phase === 1 ? 'RAT' : 'STP';
        if ((this.#phase === 1 && d === 'RAT') || (this.#phase === 2 && d === 'STP')) return '';
        return '?NA';
      case 'TRG':
        if (d === '') return this.#s.trigger;
        if (!(TRIGGERS as readonly string[]).includes(d)) return '?OOR';
        this.#save({ trigger: d });
        return '';
      case 'AL':
        return this.#onOff(d, 'alarmBuzzer');
      case 'BP':
        return this.#onOff(d, 'keyBeep');
      case 'LN':
        return this.#onOff(d, 'lowNoise');
      case 'PF':
        // Power-fail restart would start pumping after a power cut: the rig holds instead
        // (docs/safety.md), so only "off" is accepted.
        if (d === '') return '0';
        return d === '0' ? '' : d === '1' ? '?NA' : '?OOR';
      case 'IN':
        // No TTL inputs are wired: every pin reads low.
        return /^[0-9]?$/.test(d) ? '0' : '?OOR';
    }
  }

  #onOff(d: string, key: 'alarmBuzzer' | 'keyBeep' | 'lowNoise'): string {
    if (d === '') return String(this.#s[key]);
    if (d !== '0' && d !== '1') return '?OOR';
    this.#save({ [key]: Number(d) });
    return '';
  }

  #rate(d: string, busy: boolean): string {
    if (d === '') return `${formatMilli(this.#s.rateMilli)}${this.#s.rateUnits}`;
    if (this.#phase !== 1) return '?NA';
    const m = /^([0-9.]+)([A-Z]{2})?$/.exec(d);
    const milli = m ? parseFloatMilli(m[1]!) : undefined;
    const units = (m?.[2] ?? this.#s.rateUnits) as RateUnits;
    if (milli === undefined || !RATE_UNITS.includes(units)) return '?OOR';
    // Rate units cannot change while pumping (NE-500 manual 5.4.1).
    if (busy && units !== this.#s.rateUnits) return '?NA';
    const nlPerDay = rateNlPerDay(milli, units);
    if (milli === 0 || nlPerDay > this.#o.delivery.limits().maxRateNlPerDay) return '?OOR';
    if (this.#run === 'running') {
      // A new rate takes effect at once; the rest of the volume follows at it.
      const refused = this.#begin(nlPerDay, this.#remainingNl(), `NE RAT ${formatMilli(milli)}${units}`);
      if (refused) return `?${refused.error}`;
      this.#s = { ...this.#s, rateMilli: milli, rateUnits: units }; // not stored while pumping
      return '';
    }
    this.#save({ rateMilli: milli, rateUnits: units });
    return '';
  }

  #volume(d: string, busy: boolean): string {
    const u = this.#s.volumeUnits;
    if (d === '') return `${formatMilli(nlToMilli(this.#s.volumeNl, u))}${u}`;
    if (busy || this.#phase !== 1) return '?NA';
    if (d === 'UL' || d === 'ML') {
      this.#save({ volumeUnits: d as VolumeUnits });
      return '';
    }
    const milli = parseFloatMilli(d);
    if (milli === undefined) return '?OOR';
    const nl = volumeNl(milli, u);
    if (nl > this.#o.delivery.limits().maxVolumeNl) return '?OOR';
    this.#save({ volumeNl: nl });
    return '';
  }

  #remainingNl(): number {
    if (this.#runTargetNl === 0) return 0;
    const done = this.#o.delivery.view().deliveredNl - this.#runStartNl;
    return Math.max(0, this.#runTargetNl - done);
  }

  /** RUN: from stopped, the whole volume; from paused, what is left of it. */
  #start(): string {
    if (this.#run === 'running') return '';
    if (this.#run === 'purging') return '?NA';
    const s = this.#s;
    const rate = rateNlPerDay(s.rateMilli, s.rateUnits);
    let volume = s.volumeNl;
    if (this.#run === 'paused' && this.#runTargetNl > 0) {
      volume = this.#remainingNl();
      if (volume === 0) {
        this.#run = 'stopped';
        return '';
      }
    } else {
      this.#runStartNl = this.#o.delivery.view().deliveredNl;
      this.#runTargetNl = s.volumeNl;
    }
    const label = `NE RUN ${formatMilli(s.rateMilli)}${s.rateUnits} ${formatMilli(nlToMilli(s.volumeNl, s.volumeUnits))}${s.volumeUnits}`;
    const refused = this.#begin(rate, volume, label);
    if (refused) return `?${refused.error}`;
    this.#run = 'running';
    return '';
  }

  #purge(): string {
    this.#runStartNl = this.#o.delivery.view().deliveredNl;
    this.#runTargetNl = 0;
    const refused = this.#begin(this.#o.delivery.limits().purgeRateNlPerDay, 0, 'NE PUR');
    if (refused) return `?${refused.error}`;
    this.#run = 'purging';
    return '';
  }

  /** Starts delivery; a refusal leaves the pump stopped (nothing runs that NE did not ask). */
  #begin(rateNlPerDay: number, volumeNl: number, label: string): Refusal | undefined {
    const refused = this.#o.delivery.start(rateNlPerDay, volumeNl, label);
    if (refused) {
      this.#stopDelivery();
      this.#run = this.#run === 'purging' ? 'stopped' : this.#run;
    }
    return refused;
  }
}
