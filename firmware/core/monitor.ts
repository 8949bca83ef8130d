// Turns raw sensor reads into alarm findings. Every read is checked first: a failed or
// implausible read is counted (and past a limit raises a sensor fault) but never reaches a
// detector; a frame repeated unchanged while the plunger moves means a stuck sensor. Valid
// samples feed the flow and force checks; battery readings feed the battery monitor.

import { type AlarmName } from './alarms';
import { BatteryMonitor, type BatteryConfig, DEFAULT_BATTERY, formatDays } from './battery';
import { DEFAULT_FLOW_CHECK, FlowCheck, type FlowCheckConfig } from './flow-check';
import { DEFAULT_FORCE_CHECK, ForceCheck, type ForceCheckConfig } from './force-check';
import { MS_PER_MINUTE } from './units';
import { type FlowRead } from '../ports/flow-sensor';
import { type ForceRead } from '../ports/sensors';

export interface MonitorConfig {
  /** Flow-based checks; null turns them off (no sensor fitted, or the baseline benchmark). */
  readonly flow: FlowCheckConfig | null;
  /** Force-threshold occlusion check where a load cell is fitted; null turns it off. */
  readonly force: ForceCheckConfig | null;
  readonly battery: BatteryConfig;
  /** Consecutive failed reads that make a sensor fault. */
  readonly faultReads: number;
  /** Identical frames in a row, with the plunger moving, that make a stuck sensor. */
  readonly stuckReads: number;
  /** Consecutive samples flagging air that make an air-in-line alarm. */
  readonly airReads: number;
}

export const DEFAULT_MONITOR: MonitorConfig = {
  flow: DEFAULT_FLOW_CHECK,
  force: DEFAULT_FORCE_CHECK,
  battery: DEFAULT_BATTERY,
  faultReads: 5,
  stuckReads: 60,
  airReads: 2,
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
  | { readonly gone: AlarmName };

// The "condition gone" findings every healthy sample reports, made once: a sample per second
// must not allocate (GC pauses on the ESP32). Findings that raise an alarm are built when needed.
const GONE_FLOW_FAULT: Finding = Object.freeze({ gone: 'FLOW_SENSOR_FAULT' });
const GONE_FORCE_FAULT: Finding = Object.freeze({ gone: 'FORCE_SENSOR_FAULT' });
const GONE_AIR: Finding = Object.freeze({ gone: 'AIR_IN_LINE' });
const BATTERY_OK: readonly Finding[] = Object.freeze([Object.freeze({ gone: 'BATTERY_ERI' }), Object.freeze({ gone: 'BATTERY_EOS' })] as Finding[]);

/** Same sample field: `===`, except that NaN repeats NaN (as the old text frame compared it). */
function same(a: number | boolean | undefined, b: number | boolean | undefined): boolean {
  return a === b || (a !== a && b !== b);
}

export class Monitor {
  readonly config: MonitorConfig;
  readonly flowCheck: FlowCheck | undefined;
  forceCheck: ForceCheck | undefined;
  readonly battery: BatteryMonitor;
  #flowFails = 0;
  #forceFails = 0;
  #air = 0;
  #same = 0;
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

  constructor(now: number, plungerAreaMm2: number, config: MonitorConfig = DEFAULT_MONITOR) {
    this.config = config;
    this.flowCheck = config.flow ? new FlowCheck(config.flow) : undefined;
    this.forceCheck = config.force ? new ForceCheck(plungerAreaMm2, config.force) : undefined;
    this.battery = new BatteryMonitor(now, config.battery);
  }

  /** The plunger moved `nl` (negative when backing off): counted into the next flow sample. */
  pushed(nl: number): void {
    this.#pushedNl += nl;
  }

  /** A new syringe: the force threshold follows its bore. */
  setPlungerArea(plungerAreaMm2: number): void {
    if (this.config.force) this.forceCheck = new ForceCheck(plungerAreaMm2, this.config.force);
  }

  /** Delivery (re)starts: the line checks learn afresh. */
  restartLine(): void {
    this.flowCheck?.reset();
    this.forceCheck?.reset();
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
    if (!read.ok) {
      this.#flowFails++;
      this.#air = 0;
      if (this.#flowFails === this.config.faultReads) out.push({ raise: 'FLOW_SENSOR_FAULT', detail: `${this.#flowFails} failed reads in a row, last: ${read.fault} (${read.detail})` });
      return out;
    }
    if (this.#flowFails >= this.config.faultReads) out.push(GONE_FLOW_FAULT);
    this.#flowFails = 0;
    const s = read.sample;
    // Field by field rather than as a text frame: no string built per sample.
    const repeated = this.#haveFrame && same(s.flowNlPerMin, this.#lastFlow) && same(s.temperatureCentiC, this.#lastTemperature) && s.airInLine === this.#lastAir && s.highFlow === this.#lastHigh;
    this.#same = repeated && this.#pushedNl !== 0 ? this.#same + 1 : 0;
    this.#haveFrame = true;
    this.#lastFlow = s.flowNlPerMin;
    this.#lastTemperature = s.temperatureCentiC;
    this.#lastAir = s.airInLine;
    this.#lastHigh = s.highFlow;
    if (this.#same === this.config.stuckReads) {
      out.push({ raise: 'FLOW_SENSOR_FAULT', detail: `the reading stayed at ${s.flowNlPerMin} nl/min for ${this.#same + 1} samples while the plunger moved` });
    }
    if (this.#same >= this.config.stuckReads) return out; // a stuck value is not a measurement

    this.#air = s.airInLine ? this.#air + 1 : 0;
    if (this.#air === this.config.airReads) out.push({ raise: 'AIR_IN_LINE', detail: `the flow sensor flagged air in ${this.#air} samples in a row` });
    else if (this.#air === 0) out.push(GONE_AIR);

    const since = this.#lastGoodFlowMs;
    this.#lastGoodFlowMs = now;
    const pushed = this.#pushedNl;
    this.#pushedNl = 0;
    if (!this.flowCheck || !check || since === undefined || now <= since) return out;
    // The sensor reports the mean flow of its last interval; over a gap of failed reads the
    // same mean is taken to hold (a failed read never contributes a value of its own).
    const dt = now - since;
    const finding = this.flowCheck.sample(now, dt, pushed, (s.flowNlPerMin * dt) / MS_PER_MINUTE, rateNlPerDay);
    if (finding.verdict === 'occlusion') out.push({ raise: 'OCCLUSION', detail: finding.detail, storedNl: finding.storedEstimateNl, arrivedNlPerDay: finding.arrivedNlPerDay });
    else if (finding.verdict === 'under-delivery') out.push({ raise: 'UNDER_DELIVERY', detail: finding.detail });
    else if (finding.verdict === 'over-delivery') out.push({ raise: 'OVER_DELIVERY', detail: finding.detail });
    return out;
  }

  /** A plunger-force read (only checked while delivering). */
  force(read: ForceRead, check: boolean): readonly Finding[] {
    const out = this.#out;
    out.length = 0;
    if (!read.ok) {
      this.#forceFails++;
      if (this.#forceFails === this.config.faultReads) out.push({ raise: 'FORCE_SENSOR_FAULT', detail: `${this.#forceFails} failed reads in a row, last: ${read.fault} (${read.detail})` });
      return out;
    }
    if (this.#forceFails >= this.config.faultReads) out.push(GONE_FORCE_FAULT);
    this.#forceFails = 0;
    const said = check ? this.forceCheck?.sample(read.forceMilliNewton) : undefined;
    if (said) out.push({ raise: 'OCCLUSION', detail: said });
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
