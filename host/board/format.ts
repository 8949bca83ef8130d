// The virtual board's text: durations and times of day parsed and shown, volumes and rates,
// firmware events, the live status line and the header's description of a prescription and
// syringe. Shared by the console (with a pty, and --no-port) and the options; no I/O.

import type { PumpEvent } from '../../firmware/core/events';
import type { Mechanics } from '../../firmware/core/mechanics';
import type { Prescription } from '../../firmware/core/prescription';
import { timeOfDay } from '../../firmware/core/schedule';
import type { PumpStatus } from '../../firmware/core/status';
import { doseUg, flToNl, formatTimeOfDay, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, nlPerDayToMlPerDay, nlPerDayToMlPerHour, nlToMl } from '../../firmware/core/units';

/** The plain (non-terminal) status line: every simulated hour, or this many wall s if rarer. */
export const STATUS_WALL_S = 5;

/** `HH:MM` or `HH:MM:SS` to ms after midnight, or undefined. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || sec > 59) return undefined;
  return h * MS_PER_HOUR + min * MS_PER_MINUTE + sec * MS_PER_SECOND;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Simulated elapsed time as `3d 04:12:05` (whole seconds). */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / MS_PER_SECOND);
  const d = Math.floor(s / 86_400);
  return `${d}d ${pad2(Math.floor((s % 86_400) / 3_600))}:${pad2(Math.floor((s % 3_600) / 60))}:${pad2(s % 60)}`;
}

/** A compact duration: `5m`, `1h30m`, `271d 4h`, `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms < MS_PER_SECOND) return `${ms}ms`;
  if (ms < MS_PER_MINUTE) return `${+(ms / MS_PER_SECOND).toFixed(1)}s`;
  const min = Math.floor(ms / MS_PER_MINUTE);
  const [d, h, m] = [Math.floor(min / 1_440), Math.floor((min % 1_440) / 60), min % 60];
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  return h > 0 ? (m > 0 ? `${h}h${m}m` : `${h}h`) : `${m}m`;
}

/** Time of day at monotonic `ms`, whole seconds. */
export function clockAt(ms: number, todOffsetMs: number): string {
  const t = timeOfDay(ms, todOffsetMs);
  return formatTimeOfDay(t - (t % MS_PER_SECOND));
}

export const ml = (nl: number): string => `${nlToMl(nl).toFixed(4)} mL`;
export const mg = (nl: number, ugPerMl: number): string => `${(doseUg(nl, ugPerMl) / 1_000).toFixed(3)} mg`;
export const mlPerDay = (nlPerDay: number): string => `${nlPerDayToMlPerDay(nlPerDay).toFixed(3)} mL/day`;
export const mlPerHour = (nlPerDay: number): string => `${nlPerDayToMlPerHour(nlPerDay).toFixed(4)} mL/h`;

/** An event's data with units: `rateNlPerDay: 400000` becomes `rate 0.400 mL/day`. */
export function formatData(data: PumpEvent['data']): string {
  return Object.entries(data)
    .map(([key, v]) => {
      if (typeof v !== 'number') return `${key} ${v}`;
      if (key.endsWith('NlPerDay')) return `${key.slice(0, -8)} ${mlPerDay(v)}`;
      if (key.endsWith('Nl')) return `${key.slice(0, -2)} ${ml(v)}`;
      if (key === 'timeOfDayMs') return `timeOfDay ${formatTimeOfDay(v)}`;
      if (key.endsWith('Ms')) return `${key.slice(0, -2)} ${formatDuration(v)}`;
      return `${key} ${v}`;
    })
    .join(', ');
}

/** `0d 07:00:00 07:00:00  rate  SCHEDULE_STEP  <text>  [rate 0.400 mL/day, step 1]` */
export function formatEvent(e: PumpEvent, todOffsetMs: number): string {
  const data = formatData(e.data);
  return `${formatElapsed(e.at)} ${clockAt(e.at, todOffsetMs)}  ${e.type.padEnd(17)} ${e.reason.code}: ${e.reason.text}${data ? `  [${data}]` : ''}`;
}

export interface RigFigures {
  readonly pushedNl: number;
  readonly reservoirNl: number;
}

/** The live status line, as parts in display order; `fitParts` drops the least important. */
export function statusParts(s: PumpStatus, rig: RigFigures, todOffsetMs: number): { text: string; keep: number }[] {
  const state = !s.why ? s.state : s.why.startsWith(s.state) ? s.why : `${s.state} (${s.why})`;
  const bolus = s.boluses.some((b) => b.status === 'running') ? ' incl. bolus' : '';
  const next =
    s.nextChangeMs === null ? 'next change none' : `next change ${s.nextChangeMs - s.nowMs >= MS_PER_DAY ? `in ${formatDuration(s.nextChangeMs - s.nowMs)}` : clockAt(s.nextChangeMs, todOffsetMs)}`;
  const empty = s.projectedEmptyMs === null ? 'empty never' : `empty in ${formatDuration(s.projectedEmptyMs - s.nowMs)}`;
  return [
    { text: formatElapsed(s.nowMs), keep: 9 },
    { text: clockAt(s.nowMs, todOffsetMs), keep: 8 },
    { text: state, keep: 9 },
    { text: `${mlPerDay(s.totalRateNlPerDay)}${bolus}`, keep: 7 },
    { text: `(${mlPerHour(s.totalRateNlPerDay)})`, keep: 1 },
    { text: `| delivered ${ml(s.deliveredNl)}`, keep: 7 },
    { text: mg(s.deliveredNl, s.concentrationUgPerMl), keep: 2 },
    { text: `| reservoir ${ml(s.reservoirNl)}`, keep: 6 },
    { text: `| rig ${ml(rig.pushedNl)}`, keep: 3 },
    { text: `| ${next}`, keep: 5 },
    { text: `| ${empty}`, keep: 4 },
    { text: `| battery ERI in ${formatDuration(s.batteryMsToEri)}`, keep: 2 },
    ...s.alarms.map((a) => ({ text: `| A${a.code} ${a.name}${a.acknowledged ? ' (ack)' : ''}`, keep: 8 })),
  ];
}

/** Joins parts with spaces, dropping the lowest `keep` first until the line fits `width`. */
export function fitParts(parts: readonly { text: string; keep: number }[], width: number): string {
  let shown = [...parts];
  const line = (): string => shown.map((p) => p.text).join(' ');
  while (line().length > width && shown.length > 1) {
    const least = shown.reduce((a, b) => (b.keep < a.keep ? b : a));
    shown = shown.filter((p) => p !== least);
  }
  return line().slice(0, Math.max(0, width));
}

/** The header's description of a prescription, one line per part. */
export function describePrescription(rx: Prescription): string[] {
  const lines: string[] = [];
  const b = rx.basal;
  if (b.mode === 'continuous') lines.push(`continuous ${mlPerDay(b.rateNlPerDay)}`);
  if (b.mode === 'flexible') lines.push(`flexible: ${b.steps.map((s) => `${formatTimeOfDay(s.startMs)} ${mlPerDay(s.rateNlPerDay)}`).join(', ')}`);
  if (b.mode === 'trial') {
    const t = b.trial;
    if (t.continuous) lines.push(`trial: ${mlPerDay(t.continuous.rateNlPerDay)} for ${formatDuration(t.continuous.durationMs)}`);
    if (t.doses.length > 0) lines.push(`trial doses: ${t.doses.map((d) => `${ml(d.volumeNl)} at +${formatDuration(d.atMs)}`).join(', ')}`);
  }
  const pb = rx.patientBolus;
  if (pb)
    lines.push(`patient bolus ${ml(pb.volumeNl)} over ${formatDuration(pb.durationMs)}, lockout ${formatDuration(pb.lockoutMs)}, at most ${pb.maxPer24h} and ${ml(pb.maxVolumeNlPer24h)} per 24 h`);
  const per = rx.periodicBolus;
  if (per) lines.push(`periodic bolus ${ml(per.volumeNl)} over ${formatDuration(per.durationMs)} every ${formatDuration(per.everyMs)}, first after ${formatDuration(per.firstAfterMs)}`);
  if (rx.priming) lines.push(`priming ${ml(rx.priming.volumeNl)} at ${mlPerDay(rx.priming.rateNlPerDay)}`);
  return lines;
}

export function describeSyringe(m: Mechanics): string {
  const kind = m.calibrated ? 'calibrated' : 'geometry';
  return `${m.syringe.name} (${(m.syringe.innerDiameterUm / 1_000).toFixed(3)} mm bore, ${ml(m.syringe.capacityNl)}), lead ${m.leadUm / 1_000} mm, ${m.fullStepsPerRev}x${m.microsteps} microsteps/rev: ${flToNl(m.flPerMicrostep).toFixed(3)} nl/microstep (${kind}), max ${m.maxStepHz} Hz = ${mlPerHour(m.maxRateNlPerDay)}`;
}
