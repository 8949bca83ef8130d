// What the dashboard's server and page say to each other over the WebSocket: JSON messages,
// one per frame. Types only and no imports, so the page (DOM types, no Node) and the server
// (Node, no DOM) both compile against this one file.

/** One chart sample: board time and the pump's figures then (null where unknown). */
export interface Sample {
  /** Board ms since boot. */
  readonly t: number;
  readonly deliveredNl: number;
  readonly rateNlPerDay: number;
  /** The flow sensor's reading, nl/min (virtual board only: the protocol does not carry it). */
  readonly flowNlPerMin: number | null;
  /** Line pressure, kPa (virtual board only). */
  readonly pressureKpa: number | null;
  /** 0 running, 1 paused or stopped, 2 alarm. */
  readonly band: 0 | 1 | 2;
}

export interface AlarmInfo {
  readonly code: number;
  readonly name: string;
  readonly priority: string;
  readonly acknowledged: boolean;
}

export interface PumpStatus {
  readonly connected: boolean;
  /** Why the pump is not connected (a numbered error), else null. */
  readonly problem: string | null;
  readonly state: string;
  readonly nowMs: number;
  readonly rateNlPerDay: number;
  readonly deliveredNl: number;
  readonly todayNl: number;
  readonly reservoirNl: number;
  readonly capacityNl: number;
  readonly nextChangeInMs: number | null;
  /** The next basal change in pumpctl status's words ("2.4 mL/day from 22:00 (in 3 h)"). */
  readonly nextBasal: string;
  readonly emptyInMs: number | null;
  readonly batteryPct: number | null;
  /** Time until the battery's replacement indicator (INFO's eriMs), as pumpctl info shows it. */
  readonly batteryEriMs: number | null;
  readonly alarms: readonly AlarmInfo[];
  readonly rx: { readonly name: string; readonly mode: string; readonly drug: string; readonly conc: string } | null;
}

export interface EventInfo {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly reason: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface HistoryRow {
  readonly seq: number;
  readonly timeS: number;
  readonly type: string;
  readonly reason: string;
  readonly details: string;
}

/** The virtual board's demonstration controls (null on a real board). */
export interface VirtualInfo {
  readonly faults: readonly { readonly id: string; readonly label: string }[];
  readonly manualClock: boolean;
  /** Virtual ms per wall ms now (0: standing still, or a manual clock). */
  readonly speed: number;
  /** True when the page may set the speed (a wall clock on the Node or XS engine). */
  readonly speedSettable: boolean;
  readonly engine: string;
}

export type ServerMessage =
  | {
      readonly type: 'hello';
      readonly port: string;
      readonly roles: readonly string[];
      readonly virtual: VirtualInfo | null;
      readonly samples: readonly Sample[];
      readonly events: readonly EventInfo[];
    }
  | { readonly type: 'status'; readonly status: PumpStatus; readonly samples: readonly Sample[] }
  | { readonly type: 'event'; readonly event: EventInfo }
  /** The virtual board's controls after a change (a new speed). */
  | { readonly type: 'virtual'; readonly virtual: VirtualInfo }
  | { readonly type: 'reply'; readonly id: number; readonly ok: boolean; readonly text: string; readonly data?: unknown };

/** Ask the server to do something; the role it needs is the server's choice, never the page's. */
export type PageRequest =
  | { readonly action: 'stop' }
  | { readonly action: 'resume' }
  | { readonly action: 'bolus' }
  | { readonly action: 'cbolus'; readonly volumeUl: string; readonly minutes: string; readonly delayMin: string }
  | { readonly action: 'ack'; readonly alarm?: string }
  | { readonly action: 'refill'; readonly removedMl: string; readonly addedMl: string; readonly conc: string; readonly drug?: string }
  /** Validate, read the running prescription, stage and SHOW: the diff and the pump's warnings. */
  | { readonly action: 'check'; readonly fileName: string; readonly text: string }
  | { readonly action: 'commit'; readonly crc32: string; readonly soft: boolean; readonly big: boolean }
  | { readonly action: 'history'; readonly type?: string; readonly text?: string }
  | { readonly action: 'csv'; readonly type?: string; readonly text?: string }
  | { readonly action: 'accuracy'; readonly folder: string }
  | { readonly action: 'fault'; readonly fault: string }
  | { readonly action: 'advance'; readonly duration: string }
  /** The virtual board's pace, virtual ms per wall ms ("0" to "86400"). */
  | { readonly action: 'speed'; readonly speed: string };

export type PageMessage = PageRequest & { readonly id: number };

/** What `check` answers: the diff against the running prescription and the pump's own words. */
export interface CheckResult {
  readonly name: string;
  readonly crc32: string;
  readonly running: boolean;
  readonly changes: readonly { readonly field: string; readonly from: string | undefined; readonly to: string | undefined }[];
  readonly warnings: readonly string[];
}

export interface AccuracyView {
  readonly folder: string;
  readonly overall: string;
  readonly checks: readonly { readonly name: string; readonly result: string; readonly why: string }[];
  readonly startupSvg: string | null;
  readonly trumpetSvg: string | null;
  readonly summary: string;
}
