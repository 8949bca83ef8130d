// The text side of `npm start` (host/sim/cli.ts): its options, help text and exit codes,
// parsing durations and times of day, and formatting volumes, rates, events, the status line
// and JSON syntax errors. No I/O: cli.ts reads the files and drives the pump.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type PumpEvent } from '../../firmware/core/events';
import { parseDuration, parseFaults } from './faults';
import { type Mechanics } from '../../firmware/core/mechanics';
import { type Prescription } from '../../firmware/core/prescription';
import { timeOfDay } from '../../firmware/core/schedule';
import { type PumpStatus } from '../../firmware/core/status';
import { doseUg, flToNl, formatTimeOfDay, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, nlPerDayToMlPerDay, nlPerDayToMlPerHour, nlToMl } from '../../firmware/core/units';

export const EXIT = { ok: 0, internal: 1, usage: 2, file: 3, refused: 4 } as const;
/** Status redraws on a terminal at most this often, and the loop's period when keeping up. */
export const FRAME_MS = 100;
/** Wall ms one tick may spend running the virtual clock before it yields. */
export const TICK_BUDGET_MS = 50;
/** The plain (non-terminal) status line: every simulated hour, or this many wall s if rarer. */
export const STATUS_WALL_S = 5;

export const HELP = `Usage: npm start -- --no-port [options]      (or: npx tsx host/sim/cli.ts [options])

The standalone simulator: runs the pump firmware on the virtual rig (virtual clock, mock pins,
ideal syringe mechanics) in real time times a speed-up, with a live status line and every
firmware event as it happens, without a serial port. (\`npm start\` without --no-port starts
the virtual board on a pseudo-terminal instead: see docs/virtual-board.md.)
A bench and teaching rig: NOT a medical device. Never connect it to a person or an animal.

Options:
  --speed N              virtual ms per wall ms (default 60; 3600 = an hour a second,
                         86400 = a day a second)
  --for DURATION         stop after this much simulated time: 90m, 6h, 7d, 1d12h
                         (default: run until Ctrl-C or q)
  --prescription FILE    prescription JSON (default firmware/app/examples/prescription.example.json)
  --mechanics FILE       mechanics JSON (default firmware/app/examples/mechanics.example.json)
  --library FILE         drug library JSON (default firmware/app/examples/library.example.json)
  --reservoir-ml N       drug in the syringe at the start, mL (default: a full syringe)
  --time-of-day HH:MM    time of day at the start, HH:MM or HH:MM:SS (default: the host's clock)
  --prime                start priming the catheter dead volume first
  --fault SPEC           inject a fault on the virtual rig, repeatable: occlusion@2h,
                         release@3h, partial-occlusion:10@30m, free-flow:5ul/min@4h,
                         air:20ul@90m, leak:30%@1h, sensor-unplugged@1h, sensor-crc@1h,
                         sensor-stuck@2h, sensor-noise:300@0, stall@5h, driver-fault@5h,
                         battery-sag:300@1d, clear-<fault>@time (host/sim/faults.ts)
  --load-cell            fit a load cell on the pusher (force-based occlusion check)
  --json                 one JSON object per line: start, event, status, command, summary
  -h, --help             show this help

Keys (when stdin is a terminal): b patient bolus, p pause/resume, q quit (Ctrl-C too).
On a terminal the status line is rewritten in place; otherwise (and with --json) a status
line is printed every simulated hour, or every ${STATUS_WALL_S} wall seconds if that is rarer.

Exit codes:
  0  finished (--for reached, Ctrl-C or q)
  1  internal error
  2  usage: unknown option or bad value
  3  file: a file cannot be read or is not valid JSON
  4  refused by the firmware: prescription, mechanics or library (numbered error, docs/errors.md)
`;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const example = (name: string): string => fileURLToPath(new URL(`../../firmware/app/examples/${name}.example.json`, import.meta.url));

export interface Options {
  readonly speed: number;
  readonly forMs: number | undefined;
  readonly files: { readonly prescription: string; readonly mechanics: string; readonly library: string };
  readonly reservoirMl: number | undefined;
  readonly timeOfDayMs: number;
  readonly prime: boolean;
  readonly json: boolean;
  readonly faults: readonly string[];
  readonly loadCell: boolean;
}

export function readOptions(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        speed: { type: 'string' },
        for: { type: 'string' },
        prescription: { type: 'string' },
        mechanics: { type: 'string' },
        library: { type: 'string' },
        'reservoir-ml': { type: 'string' },
        'time-of-day': { type: 'string' },
        prime: { type: 'boolean' },
        json: { type: 'boolean' },
        fault: { type: 'string', multiple: true },
        'load-cell': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new CliError(EXIT.usage, `${(e as Error).message}\nSee --help.`);
  }
  if (parsed.help) return 'help';
  const bad = (what: string, value: string, want: string): never => {
    throw new CliError(EXIT.usage, `${what} "${value}" is not ${want}. See --help.`);
  };
  const speed = parsed.speed === undefined ? 60 : Number(parsed.speed);
  if (!(Number.isFinite(speed) && speed > 0)) bad('--speed', parsed.speed!, 'a positive number (virtual ms per wall ms)');
  const forParsed = parsed.for === undefined ? undefined : parseDuration(parsed.for);
  if (forParsed && (!forParsed.ok || forParsed.ms === 0)) bad('--for', parsed.for!, 'a duration such as 90m, 6h or 7d');
  const forMs = forParsed?.ok ? forParsed.ms : undefined;
  const faults = parsed.fault ?? [];
  const faultCheck = parseFaults(faults);
  if (!faultCheck.ok) throw new CliError(EXIT.usage, `--fault: ${faultCheck.message}\nSee --help.`);
  const reservoirMl = parsed['reservoir-ml'] === undefined ? undefined : Number(parsed['reservoir-ml']);
  if (reservoirMl !== undefined && !(Number.isFinite(reservoirMl) && reservoirMl >= 0)) bad('--reservoir-ml', parsed['reservoir-ml']!, 'a volume in mL');
  const tod = parsed['time-of-day'];
  const now = new Date();
  const hostTod = ((now.getHours() * 60 + now.getMinutes()) * 60 + now.getSeconds()) * MS_PER_SECOND;
  const timeOfDayMs = tod === undefined ? hostTod : (parseTimeOfDay(tod) ?? bad('--time-of-day', tod, 'a time of day HH:MM or HH:MM:SS'));
  return {
    speed,
    forMs,
    files: {
      prescription: parsed.prescription ?? example('prescription'),
      mechanics: parsed.mechanics ?? example('mechanics'),
      library: parsed.library ?? example('library'),
    },
    reservoirMl,
    timeOfDayMs,
    prime: parsed.prime === true,
    json: parsed.json === true,
    faults,
    loadCell: parsed['load-cell'] === true,
  };
}

/** `90m`, `6h`, `7d`, `1d12h`, `2.5h`, `500ms` to whole ms; undefined if not a positive duration. */
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

/**
 * Offset of the first syntax error in `text` (V8's JSON.parse message does not always give
 * one), or -1 if it is valid JSON.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): void => {
    for (i++; ; i++) {
      if (i >= text.length || text.charCodeAt(i) < 32) fail();
      if (text[i] === '"') return void i++;
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
    }
  };
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const list = (close: string, item: () => void): void => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      ws();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      list('}', () => {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    } else if (c === '[') list(']', value);
    else if (c === '"') str();
    else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word) return void (i += word.length);
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

/** `line 3, column 5` plus the offending line and a caret under the column. */
export function describeJsonPosition(text: string, offset: number): { where: string; excerpt: string } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const end = text.indexOf('\n', lineStart);
  const source = text
    .slice(lineStart, end < 0 ? undefined : end)
    .replace(/\t/g, ' ')
    .replace(/\r$/, '');
  return { where: `line ${line}, column ${column} (offset ${offset})`, excerpt: `  ${source}\n  ${' '.repeat(column - 1)}^` };
}
