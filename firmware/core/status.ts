// The status a programmer, the serial console and the virtual rig's status line show: what is
// running, what was delivered, what is left, and when the reservoir would run dry if the
// patient took every bolus the prescription allows (the worst case).

import type { Accounting } from './accounting';
import type { ActiveAlarm } from './alarms';
import type { DeliveryEngine } from './delivery';
import { timeOfDay } from './schedule';
import { doseUg, MS_PER_DAY } from './units';

export interface BolusStatus {
  readonly id: number;
  readonly kind: string;
  readonly status: string;
  readonly volumeNl: number;
  readonly deliveredNl: number;
  readonly startMs: number;
  readonly endsAtMs: number;
}

export interface PumpStatus {
  readonly nowMs: number;
  readonly state: 'idle' | 'running' | 'paused' | 'alarm' | 'stopped';
  /** Why delivery is paused or stopped (empty when running). */
  readonly why: string;
  readonly timeOfDayMs: number;
  readonly prescription: string | null;
  readonly mode: string | null;
  readonly drug: string | null;
  readonly concentrationUgPerMl: number;
  readonly basalRateNlPerDay: number;
  /** Basal plus running boluses. */
  readonly totalRateNlPerDay: number;
  readonly boluses: readonly BolusStatus[];
  readonly deliveredNl: number;
  readonly reservoirNl: number;
  readonly hourNl: number;
  readonly todayNl: number;
  readonly last24hNl: number;
  readonly todayUg: number;
  /** Monotonic ms the reservoir would be empty in the worst case, or null if never. */
  readonly projectedEmptyMs: number | null;
  /** Next moment the rates change or a bolus starts or ends, or null. */
  readonly nextChangeMs: number | null;
  /** The next change of the basal rate (a schedule step, a trial's end) and the rate from then. */
  readonly nextBasal: { readonly atMs: number; readonly rateNlPerDay: number } | null;
  /** Active alarms, highest priority first. */
  readonly alarms: readonly AlarmStatus[];
  /** Time until the battery's elective replacement indicator at the running prescription. */
  readonly batteryMsToEri: number;
}

export interface AlarmStatus {
  readonly code: number;
  readonly name: string;
  readonly priority: string;
  readonly sinceMs: number;
  readonly detail: string;
  readonly acknowledged: boolean;
  readonly conditionPresent: boolean;
}

export interface StatusInputs {
  readonly now: number;
  readonly state: PumpStatus['state'];
  readonly why: string;
  readonly engine: DeliveryEngine | undefined;
  readonly accounting: Accounting;
  readonly todOffsetMs: number;
  readonly worstDailyNl: number;
  readonly alarms: readonly ActiveAlarm[];
  readonly batteryMsToEri: number;
}

export function readStatus(s: StatusInputs): PumpStatus {
  const { engine, accounting: a } = s;
  const rx = engine?.rx;
  const running = s.state === 'running' && engine !== undefined;
  let outstandingNl = 0;
  const boluses = (engine?.boluses ?? []).map((b) => {
    outstandingNl += b.volumeNl - b.commandedNl;
    return { id: b.id, kind: b.kind, status: b.status, volumeNl: b.volumeNl, deliveredNl: b.commandedNl, startMs: b.startMs, endsAtMs: b.startMs + b.durationMs };
  });
  let projectedEmptyMs: number | null = null;
  if (running && s.worstDailyNl > 0) {
    const left = Math.max(0, a.reservoirNl - outstandingNl);
    projectedEmptyMs = s.now + Math.floor((left / s.worstDailyNl) * MS_PER_DAY);
  }
  const next = running ? engine.nextBoundaryMs() : Infinity;
  const c = rx?.drug.concentrationUgPerMl ?? 0;
  return {
    nowMs: s.now,
    state: s.state,
    why: s.why,
    timeOfDayMs: timeOfDay(s.now, s.todOffsetMs),
    prescription: rx?.name ?? null,
    mode: rx?.basal.mode ?? null,
    drug: rx?.drug.name ?? null,
    concentrationUgPerMl: c,
    basalRateNlPerDay: running ? engine.basalRateNlPerDay : 0,
    totalRateNlPerDay: running ? engine.totalRateNlPerDay() : 0,
    boluses,
    deliveredNl: a.deliveredNl,
    reservoirNl: a.reservoirNl,
    hourNl: a.hourNl,
    todayNl: a.todayNl,
    last24hNl: a.last24hNl,
    todayUg: doseUg(a.todayNl, c),
    projectedEmptyMs,
    nextChangeMs: next === Infinity ? null : next,
    nextBasal: running ? engine.nextBasal() : null,
    alarms: s.alarms.map((a) => ({ code: a.code, name: a.name, priority: a.priority, sinceMs: a.sinceMs, detail: a.detail, acknowledged: a.acknowledged, conditionPresent: a.conditionPresent })),
    batteryMsToEri: s.batteryMsToEri,
  };
}
