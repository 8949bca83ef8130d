// Turns raw sensor reads into alarm findings. Every read is checked first: a failed or
// implausible read is counted (and past a limit raises a sensor fault) but never reaches a
// detector; a frame repeated unchanged while the plunger moves means a stuck sensor. Valid
// samples feed the flow and force checks; battery readings feed the battery monitor. When the
// flow check is lost (a failed or stuck sensor) the load cell, where one reads, watches the line
// alone; where none does, delivery stops after a bounded time and volume (LINE_UNWATCHED,
// docs/safety.md, "When occlusion detection is lost").

import type { AlarmName } from './alarms';
import type { BatteryConfig } from './battery';
import { BatteryMonitor, DEFAULT_BATTERY, formatDays } from './battery';
import type { FlowCheckConfig } from './flow-check';
import { DEFAULT_FLOW_CHECK, FlowCheck } from './flow-check';
import type { ForceCheckConfig, PressureDropConfig } from './force-check';
import { DEFAULT_FORCE_CHECK, DEFAULT_PRESSURE_DROP, ForceCheck, PressureDropCheck } from './force-check';
import { MS_PER_MINUTE } from './units';
import type { FlowRead } from '../ports/flow-sensor';
import type { ForceRead } from '../ports/sensors';

export interface MonitorConfig {
  /** Flow-based checks; null turns them off (no sensor fitted, or the baseline benchmark). */
  readonly flow: FlowCheckConfig | null;
  /** Force-threshold occlusion check where a load cell is fitted; null turns it off. */
  readonly force: ForceCheckConfig | null;
  /** Pressure-drop (disconnection) check on the load cell; null turns it off. */
  readonly drop: PressureDropConfig | null;
  readonly battery: BatteryConfig;
  /** Consecutive failed reads that make a sensor fault. */
  readonly faultReads: number;
  /** Identical frames in a row, with the plunger moving, that make a stuck sensor. */
  readonly stuckReads: number;
  /** Consecutive samples flagging air that make an air-in-line alarm. */
  readonly airReads: number;
  /**
   * With the flow check lost and no load cell reading, delivery goes on at most this long and
   * this much (whichever comes first), then LINE_UNWATCHED stops it: time for a clinician to
   * reseat the sensor, and no more pushed into a line nobody watches than the flow check itself
   * lets into a blocked line at 1 mL/h before it alarms (5 uL + 60 s of rate, about 22 uL).
   */
  readonly unwatchedMaxMs: number;
  readonly unwatchedMaxNl: number;
}

export const DEFAULT_MONITOR: MonitorConfig = {
  flow: DEFAULT_FLOW_CHECK,
  force: DEFAULT_FORCE_CHECK,
  drop: DEFAULT_PRESSURE_DROP,
  battery: DEFAULT_BATTERY,
  faultReads: 5,
  stuckReads: 60,
  airReads: 2,
  unwatchedMaxMs: 60 * MS_PER_MINUTE,
  unwatchedMaxNl: 25_000,
};

export type Finding =
  | {
      readonly raise: AlarmName;
      readonly detail: string;
      /** An occlusion seen by the flow check: what the line took up since flow stopped arriving. */
      readonly storedNl?: number;
      /** ...and the flow that arrived before (nl/day; 0 if none since the restart). */
      readonly arrivedNlPerDay?: number;
    }
  | { readonly gone: AlarmName }
  /** The condition behind `persists` is still there (read at rest): an active alarm stays. */
  | { readonly persists: AlarmName };

// The "condition gone" findings every healthy sample reports, made once: a sample per second
// must not allocate (GC pauses on the ESP32). Findings that raise an alarm are built when needed.
const GONE_FLOW_FAULT: Finding = Object.freeze({ gone: 'FLOW_SENSOR_FAULT' });
const GONE_FORCE_FAULT: Finding = Object.freeze({ gone: 'FORCE_SENSOR_FAULT' });
const GONE_AIR: Finding = Object.freeze({ gone: 'AIR_IN_LINE' });
const GONE_UNWATCHED: Finding = Object.freeze({ gone: 'LINE_UNWATCHED' });
const OCCLUSION_PERSISTS: Finding = Object.freeze({ persists: 'OCCLUSION' });
const OCCLUSION_GONE: Finding = Object.freeze({ gone: 'OCCLUSION' });
const BATTERY_OK: readonly Finding[] = Object.freeze([Object.freeze({ gone: 'BATTERY_ERI' }), Object.freeze({ gone: 'BATTERY_EOS' })] as Finding[]);

/** Same sample field: `===`, except that NaN repeats NaN (as the old text frame compared it). */
function same(a: number | boolean | undefined, b: number | boolean | undefined): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

export class Monitor {
  readonly config: MonitorConfig;
  readonly flowCheck: FlowCheck | undefined;
  forceCheck: ForceCheck | undefined;
  readonly dropCheck: PressureDropCheck | undefined;
  readonly battery: BatteryMonitor;
  #flowFails = 0;
  #forceFails = 0;
  #air = 0;
  #same = 0;
  /** The repeated frames are a stuck sensor (raised; cleared when the frame changes). */
  #stuck = false;
  /** Plunger volume during the current run of identical frames: a stuck sensor needs motion. */
  #runPushedNl = 0;
  /** The previous good frame's fields (none before the first), for the stuck-sensor check. */
  #haveFrame = false;
  #lastFlow = 0;
  #lastTemperature: number | undefined = undefined;
  #lastAir = false;
  #lastHigh = false;
  /** Findings of the latest read: one array reused, valid until the next read of any kind. */
  readonly #out: Finding[] = [];
  #lastGoodFlowMs: number | undefined;
  /** Plunger volume since the last good flow sample. */
  #pushedNl = 0;
  /** Plunger volume since the last flow read of any kind, and that read's time. */
  #sinceReadNl = 0;
  #lastReadMs: number | undefined;
  /** The rate the pump ran at the last flow read (the pressure-drop check follows it). */
  #rateNlPerDay = 0;
  /** Flow check lost and nothing else watching: delivery time and volume so far, and raised. */
  #unwatchedMs = 0;
  #unwatchedNl = 0;
  #unwatched = false;
  /** The load cell reads (a good read, fewer than faultReads failures since). */
  #forceReads = false;
  /** The plunger moved forward since delivery (re)started; its last move was forward. */
  #movedForward = false;
  #lastForward = true;
  /** The plunger has moved since power-up (the drive's slack state is then known). */
  #everMoved = false;

  constructor(now: number, plungerAreaMm2: number, config: MonitorConfig = DEFAULT_MONITOR) {
    this.config = config;
    this.flowCheck = config.flow ? new FlowCheck(config.flow, plungerAreaMm2) : undefined;
    this.forceCheck = config.force ? new ForceCheck(plungerAreaMm2, config.force) : undefined;
    this.dropCheck = config.drop ? new PressureDropCheck(plungerAreaMm2, config.drop) : undefined;
    this.battery = new BatteryMonitor(now, config.battery);
  }

  /** The plunger moved `nl` (negative when backing off): counted into the next flow sample. */
  pushed(nl: number): void {
    this.#pushedNl += nl;
    this.#sinceReadNl += nl;
    this.forceCheck?.pushed(nl);
    if (nl === 0) return;
    this.#lastForward = nl > 0;
    if (nl > 0) this.#movedForward = true;
    this.#everMoved = true;
  }

  /** A new syringe: the force threshold and the flow check's slack follow its bore. */
  setPlungerArea(plungerAreaMm2: number): void {
    this.flowCheck?.setPlungerArea(plungerAreaMm2);
    if (this.config.force) this.forceCheck = new ForceCheck(plungerAreaMm2, this.config.force);
    this.dropCheck?.setPlungerArea(plungerAreaMm2);
  }

  /** Delivery (re)starts: the line checks learn afresh. */
  restartLine(): void {
    // The drive's slack: all of it before the first move, none after. A back-off ends with its
    // return onto the driving flank (backoff.ts), so there is no play to take up; and on a rig
    // without play a forgiven volume is line pressure: forgiving it made the second back-off
    // leave a 27 uL bolus (issue 15).
    const fc = this.flowCheck;
    fc?.reset(this.#everMoved ? 0 : (fc?.fullSlackNl ?? 0));
    this.forceCheck?.reset();
    this.dropCheck?.reset();
    this.#movedForward = false;
    this.#pushedNl = 0;
    this.#lastGoodFlowMs = undefined;
  }

  /**
   * A flow read. `check` is false while the pump is in an alarm (the line is being relieved
   * and will restart afresh); reads are still validated so a sensor fault is seen.
   */
  flow(now: number, read: FlowRead, rateNlPerDay: number, check: boolean): readonly Finding[] {
    const out = this.#out;
    out.length = 0;
    const dt = this.#lastReadMs === undefined || now <= this.#lastReadMs ? 0 : now - this.#lastReadMs;
    this.#lastReadMs = now;
    const pushedNl = this.#sinceReadNl;
    this.#sinceReadNl = 0;
    this.#rateNlPerDay = rateNlPerDay;
    this.#read(now, read, rateNlPerDay, check, pushedNl, out);
    this.#watch(dt, pushedNl, rateNlPerDay, out);
    return out;
  }

  #read(now: number, read: FlowRead, rateNlPerDay: number, check: boolean, pushedNl: number, out: Finding[]): void {
    if (!read.ok) {
      this.#flowFails++;
      this.#air = 0;
      if (this.#flowFails === this.config.faultReads)
        out.push({ raise: 'FLOW_SENSOR_FAULT', detail: `${this.#flowFails} failed reads in a row, last: ${read.fault} (${read.detail}); ${this.#fallback()}` });
      return;
    }
    if (this.#flowFails >= this.config.faultReads && !this.#stuck) out.push(GONE_FLOW_FAULT);
    this.#flowFails = 0;
    const s = read.sample;
    // Field by field rather than as a text frame: no string built per sample.
    const repeated = this.#haveFrame && same(s.flowNlPerMin, this.#lastFlow) && same(s.temperatureCentiC, this.#lastTemperature) && s.airInLine === this.#lastAir && s.highFlow === this.#lastHigh;
    // A run of identical frames counts while delivery runs, whether or not a microstep fell in
    // this very sample: at 1 mL/day one falls every 9 s, and a run reset by every sample without
    // one never reached the limit (issue 13, hole 4). The run must still have seen the plunger move.
    if (!repeated) {
      this.#same = 0;
      this.#runPushedNl = 0;
    } else if (rateNlPerDay > 0 || pushedNl !== 0) this.#same++;
    this.#runPushedNl += Math.abs(pushedNl);
    this.#haveFrame = true;
    this.#lastFlow = s.flowNlPerMin;
    this.#lastTemperature = s.temperatureCentiC;
    this.#lastAir = s.airInLine;
    this.#lastHigh = s.highFlow;
    if (!this.#stuck && this.#same >= this.config.stuckReads && this.#runPushedNl > 0) {
      this.#stuck = true;
      out.push({ raise: 'FLOW_SENSOR_FAULT', detail: `the reading stayed at ${s.flowNlPerMin} nl/min for ${this.#same + 1} samples while the plunger moved; ${this.#fallback()}` });
    } else if (this.#stuck && !repeated) {
      this.#stuck = false;
      out.push(GONE_FLOW_FAULT);
    }
    if (this.#stuck) return; // a stuck value is not a measurement

    this.#air = s.airInLine ? this.#air + 1 : 0;
    if (this.#air === this.config.airReads) out.push({ raise: 'AIR_IN_LINE', detail: `the flow sensor flagged air in ${this.#air} samples in a row` });
    else if (this.#air === 0) out.push(GONE_AIR);

    const since = this.#lastGoodFlowMs;
    this.#lastGoodFlowMs = now;
    const pushed = this.#pushedNl;
    this.#pushedNl = 0;
    if (!this.flowCheck || since === undefined || now <= since) return;
    this.flowCheck.rest(now - since, pushed, (s.flowNlPerMin * (now - since)) / MS_PER_MINUTE);
    if (!check) return;
    // The sensor reports the mean flow of its last interval; over a gap of failed reads the
    // same mean is taken to hold (a failed read never contributes a value of its own).
    const dt = now - since;
    const finding = this.flowCheck.sample(now, dt, pushed, (s.flowNlPerMin * dt) / MS_PER_MINUTE, rateNlPerDay);
    if (finding.verdict === 'occlusion') out.push({ raise: 'OCCLUSION', detail: finding.detail, storedNl: finding.storedEstimateNl, arrivedNlPerDay: finding.arrivedNlPerDay });
    else if (finding.verdict === 'under-delivery') out.push({ raise: 'UNDER_DELIVERY', detail: finding.detail });
    else if (finding.verdict === 'over-delivery') out.push({ raise: 'OVER_DELIVERY', detail: finding.detail });
  }

  /** The flow check has no valid samples: the sensor fails or is stuck. */
  get flowLost(): boolean {
    return this.flowCheck !== undefined && (this.#flowFails >= this.config.faultReads || this.#stuck);
  }

  /** What watches the line while the flow check is lost: said in FLOW_SENSOR_FAULT's message. */
  #fallback(): string {
    if (!this.flowCheck) return 'no flow check is configured';
    if (this.#forceReads && this.forceCheck)
      return `occlusion detection falls back on the plunger force (${this.forceCheck.config.occlusionKpa} kPa)${this.dropCheck ? ' and its pressure-drop check' : ''}; delivery continues`;
    return `no load cell watches the line: delivery stops after ${Math.round(this.config.unwatchedMaxMs / MS_PER_MINUTE)} min or ${Math.round(this.config.unwatchedMaxNl / 1_000)} uL unless the sensor reads again`;
  }

  /**
   * Bounds delivery nobody watches: with the flow check lost and no load cell reading, the time
   * delivery runs and the volume it pushes are counted, and past either limit LINE_UNWATCHED
   * stops it. It clears when the sensor reads again (or the load cell does).
   */
  #watch(dt: number, pushedNl: number, rateNlPerDay: number, out: Finding[]): void {
    const lost = this.flowLost;
    if (!lost) {
      this.#unwatchedMs = 0;
      this.#unwatchedNl = 0;
    }
    if (!lost || this.#forceReads) {
      if (this.#unwatched) out.push(GONE_UNWATCHED);
      this.#unwatched = false;
      return;
    }
    if (this.#unwatched || !(rateNlPerDay > 0 || pushedNl > 0)) return;
    this.#unwatchedMs += dt;
    if (pushedNl > 0) this.#unwatchedNl += pushedNl;
    const c = this.config;
    if (this.#unwatchedMs < c.unwatchedMaxMs && this.#unwatchedNl < c.unwatchedMaxNl) return;
    this.#unwatched = true;
    out.push({
      raise: 'LINE_UNWATCHED',
      detail: `the flow sensor has given no valid reading for ${Math.round(this.#unwatchedMs / 1_000)} s of delivery (${Math.round(this.#unwatchedNl)} nl pushed) and no load cell watches the line: occlusions would go unseen`,
    });
  }

  /** A plunger-force read (only checked while delivering). */
  force(read: ForceRead, check: boolean): readonly Finding[] {
    const out = this.#out;
    out.length = 0;
    if (!read.ok) {
      this.#forceFails++;
      if (this.#forceFails === this.config.faultReads) {
        this.#forceReads = false;
        out.push({ raise: 'FORCE_SENSOR_FAULT', detail: `${this.#forceFails} failed reads in a row, last: ${read.fault} (${read.detail})` });
      }
      return out;
    }
    if (this.#forceFails >= this.config.faultReads) out.push(GONE_FORCE_FAULT);
    this.#forceFails = 0;
    this.#forceReads = true;
    const f = read.forceMilliNewton;
    const fc = this.forceCheck;
    if (!check) {
      // At rest the line's pressure still shows: an occlusion whose pressure stands (the
      // blockage is still there) keeps its alarm through an acknowledgement (hole 6).
      const p = fc?.pressureForce(f, this.#lastForward);
      if (p !== undefined) out.push(2 * p > fc!.thresholdMilliNewton ? OCCLUSION_PERSISTS : OCCLUSION_GONE);
      return out;
    }
    // Only once the plunger has moved forward: before it the seal's friction is not yet there.
    if (!this.#movedForward) return out;
    const said = fc?.sample(f);
    if (said) out.push({ raise: 'OCCLUSION', detail: said });
    const drop = this.dropCheck?.sample(f, this.#rateNlPerDay);
    if (drop) out.push({ raise: 'UNDER_DELIVERY', detail: drop });
    return out;
  }

  /** A battery reading; `microstepsPerDay` is the running prescription's worst case. */
  batteryReading(now: number, millivolts: number, microstepsPerDay: number): readonly Finding[] {
    this.battery.spend(now, 0);
    const verdict = this.battery.reading(millivolts);
    if (verdict === 'eos') return [{ raise: 'BATTERY_EOS', detail: `battery at ${millivolts} mV, end of service at ${this.config.battery.eosMillivolts} mV` }];
    if (verdict === 'eri') {
      const left = this.battery.msToEmpty(microstepsPerDay);
      return [{ raise: 'BATTERY_ERI', detail: `battery at ${millivolts} mV; about ${formatDays(left)} left at the current prescription` }];
    }
    return BATTERY_OK;
  }
}
