// Fault injection for the virtual rig: a table of the faults the simulator knows and a parser for
// the strings people type (`occlusion@2h`, `free-flow:5ul/min@4h`, `clear-stall@6h`); they act on
// the line, the sensor models, the stepper's fault lines and the battery, and fault-schedule.ts
// applies them on the virtual clock. Parsing never throws: a bad string comes back as a message
// that quotes it and names the bad part. No Node APIs (bundled into the XS engine with host/sim).

import type { LineFaults } from './line';
import type { BatteryFaults, DriveFaults, FlowSensorFaults } from './sensor-models';

/** The parts a fault can act on; a scenario supplies those it has. */
export interface FaultTarget {
  readonly line?: LineFaults;
  readonly flowSensor?: FlowSensorFaults;
  readonly drive?: DriveFaults;
  readonly battery?: BatteryFaults;
}

export type FaultPart = keyof FaultTarget;

/**
 * How a fault's value is written and what it becomes: a factor (10 or 10x), a fraction (0.3 or
 * 30%), a rate (nl/min, nl/h, ul/min, ul/h, ml/h, ml/day; bare: nl/min), a volume (nl, ul, ml;
 * bare: nl), a voltage (mv, v; bare: mV). Parsed values are in nl/min, nl and mV.
 */
export type FaultValueKind = 'none' | 'factor' | 'fraction' | 'rate' | 'volume' | 'millivolts';

interface FaultSpec {
  readonly part: FaultPart;
  readonly value: FaultValueKind;
  /** Used when no value is written; undefined with a value kind means the value is required. */
  readonly defaultValue?: number;
  /** Accepts negative values. */
  readonly signed?: boolean;
  readonly example: string;
  /** A few words for logs: "partial occlusion", then the value. */
  readonly label: string;
  readonly meaning: string;
  /** What clear-<name> does, where "removes it" would say too little. */
  readonly clearMeaning?: string;
  apply(target: Required<FaultTarget>, value: number, atMs: number): void;
  /** Undefined: the fault is an action that cannot be cleared. */
  clear: ((target: Required<FaultTarget>, atMs: number) => void) | undefined;
}

/** Every fault the simulator injects: one row each, with what it does and what clears it. */
export const FAULTS = {
  occlusion: {
    label: 'full occlusion',
    part: 'line',
    value: 'none',
    example: 'occlusion@2h',
    meaning: 'full occlusion downstream of the flow sensor (no flow; pressure rises with every push)',
    apply: (t, _v, at) => t.line.occlude(at),
    clear: (t, at) => t.line.release(at),
  },
  'partial-occlusion': {
    label: 'partial occlusion',
    part: 'line',
    value: 'factor',
    example: 'partial-occlusion:10@30m',
    meaning: 'partial occlusion: the outlet resistance multiplied by the factor',
    clearMeaning: 'releases it (as does clear-occlusion: the line has one resistance)',
    apply: (t, v, at) => t.line.partiallyOcclude(at, v),
    clear: (t, at) => t.line.release(at),
  },
  release: {
    label: 'occlusion released',
    part: 'line',
    value: 'none',
    example: 'release@3h',
    meaning: 'the occlusion clears: the stored volume comes out as a bolus',
    apply: (t, _v, at) => t.line.release(at),
    clear: undefined,
  },
  leak: {
    label: 'leak',
    part: 'line',
    value: 'fraction',
    defaultValue: 0.5,
    example: 'leak:30%@1h',
    meaning: 'leak between the sensor and the outlet taking that fraction of the flow (default 50%)',
    apply: (t, v, at) => t.line.setLeak(at, v),
    clear: (t, at) => t.line.setLeak(at, 0),
  },
  disconnect: {
    label: 'disconnection',
    part: 'line',
    value: 'none',
    example: 'disconnect@1h',
    meaning: 'catheter disconnected after the sensor: everything goes to the leak',
    apply: (t, _v, at) => t.line.setLeak(at, 1),
    clear: (t, at) => t.line.setLeak(at, 0),
  },
  'free-flow': {
    label: 'free flow',
    part: 'line',
    value: 'rate',
    signed: true,
    example: 'free-flow:5ul/min@4h',
    meaning: 'free flow (siphon) from the syringe through the sensor, independent of the plunger',
    apply: (t, v, at) => t.line.setFreeFlow(at, v),
    clear: (t, at) => t.line.setFreeFlow(at, 0),
  },
  air: {
    label: 'air bubble',
    part: 'line',
    value: 'volume',
    example: 'air:20ul@90m',
    meaning: 'an air bubble of that volume passes the flow sensor',
    clearMeaning: 'removes bubbles not yet through the sensor',
    apply: (t, v, at) => t.line.injectAir(at, v),
    clear: (t, at) => t.line.clearAir(at),
  },
  'sensor-unplugged': {
    label: 'flow sensor unplugged',
    part: 'flowSensor',
    value: 'none',
    example: 'sensor-unplugged@1h',
    meaning: 'the flow sensor does not answer on I2C',
    apply: (t) => t.flowSensor.setUnplugged(true),
    clear: (t) => t.flowSensor.setUnplugged(false),
  },
  'sensor-crc': {
    label: 'flow sensor CRC errors',
    part: 'flowSensor',
    value: 'none',
    example: 'sensor-crc@1h',
    meaning: 'the flow sensor answers with bad CRCs',
    apply: (t) => t.flowSensor.setCrcError(true),
    clear: (t) => t.flowSensor.setCrcError(false),
  },
  'sensor-stuck': {
    label: 'flow sensor stuck',
    part: 'flowSensor',
    value: 'none',
    example: 'sensor-stuck@2h',
    meaning: 'the flow sensor repeats the same reading',
    apply: (t) => t.flowSensor.setStuck(true),
    clear: (t) => t.flowSensor.setStuck(false),
  },
  'sensor-noise': {
    label: 'flow sensor noise',
    part: 'flowSensor',
    value: 'rate',
    example: 'sensor-noise:300@0',
    meaning: 'flow sensor noise sigma at 1 s averaging',
    clearMeaning: 'restores the default noise',
    apply: (t, v) => t.flowSensor.setNoise(v),
    clear: (t) => t.flowSensor.setNoise(undefined),
  },
  'sensor-offset': {
    label: 'flow sensor offset',
    part: 'flowSensor',
    value: 'rate',
    signed: true,
    example: 'sensor-offset:200@0',
    meaning: 'a fixed offset added to the flow reading',
    apply: (t, v) => t.flowSensor.setOffset(v),
    clear: (t) => t.flowSensor.setOffset(0),
  },
  stall: {
    label: 'motor stall',
    part: 'drive',
    value: 'none',
    example: 'stall@5h',
    meaning: 'the motor stalls: pulses no longer move the plunger',
    apply: (t) => t.drive.setStall(true),
    clear: (t) => t.drive.setStall(false),
  },
  'driver-fault': {
    label: 'driver fault',
    part: 'drive',
    value: 'none',
    example: 'driver-fault@5h',
    meaning: 'the stepper driver reports a fault (its outputs are off)',
    apply: (t) => t.drive.setDriverFault(true),
    clear: (t) => t.drive.setDriverFault(false),
  },
  'battery-sag': {
    label: 'battery sag',
    part: 'battery',
    value: 'millivolts',
    example: 'battery-sag:300@1d',
    meaning: 'the battery voltage drops by that much',
    apply: (t, v) => t.battery.setSag(v),
    clear: (t) => t.battery.setSag(0),
  },
  'brown-out': {
    label: 'brown-out',
    part: 'battery',
    value: 'none',
    example: 'brown-out@2d',
    meaning: 'the supply collapses below the brown-out threshold',
    apply: (t) => t.battery.setBrownOut(true),
    clear: (t) => t.battery.setBrownOut(false),
  },
} satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;

const SPECS: Readonly<Record<string, FaultSpec>> = FAULTS;

function specOf(name: FaultName): FaultSpec {
  return SPECS[name]!;
}

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

/** One parsed fault. */
export interface Fault {
  /** The string as written. */
  readonly text: string;
  readonly name: FaultName;
  /** `clear-<name>`: removes the fault. */
  readonly clear: boolean;
  /** In the kind's unit (factor, fraction, nl/min, nl, mV); undefined for faults without one. */
  readonly value: number | undefined;
  readonly atMs: number;
  readonly part: FaultPart;
  /** A few words for people and logs, e.g. "partial occlusion x10". */
  readonly description: string;
}

export type FaultParse = { readonly ok: true; readonly fault: Fault } | { readonly ok: false; readonly error: string };

export type FaultListParse = { readonly ok: true; readonly faults: readonly Fault[] } | { readonly ok: false; readonly errors: readonly string[]; readonly message: string };

// Durations, rates, volumes.

const MS_PER: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Ten years: beyond that a fault time is a typing error. */
const MAX_FAULT_MS = 3_650 * 86_400_000;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)/;

const RATE_UNITS: Readonly<Record<string, number>> = {
  'nl/min': 1,
  'nl/h': 1 / 60,
  'ul/min': 1_000,
  'ul/h': 1_000 / 60,
  'ml/min': 1_000_000,
  'ml/h': 1_000_000 / 60,
  'ml/day': 1_000_000 / 1_440,
  'ml/d': 1_000_000 / 1_440,
};
const VOLUME_UNITS: Readonly<Record<string, number>> = { nl: 1, ul: 1_000, ml: 1_000_000 };
const VOLTAGE_UNITS: Readonly<Record<string, number>> = { mv: 1, v: 1_000 };

/** Milliseconds from `90m`, `1h30m`, `1.5h`, `250ms`, `2d`, or `0`; a message when it is not one. */
export function parseDuration(text: string): { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly error: string } {
  const s = text.trim().toLowerCase();
  if (s === '') return { ok: false, error: 'no time after "@" (e.g. @90m, @1h30m, @2d)' };
  if (/^0+(\.0*)?$/.test(s)) return { ok: true, ms: 0 };
  const part = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    part.lastIndex = at;
    const m = part.exec(s);
    if (!m) {
      const rest = s.slice(at);
      const hint = /^\d+(\.\d*)?$/.test(rest) ? `"${rest}" has no unit` : `"${rest}" is not a duration`;
      return { ok: false, error: `bad time "${text}": ${hint} (units ms, s, m, h, d; e.g. 90m, 1h30m, 2d)` };
    }
    total += Number(m[1]) * MS_PER[m[2]!]!;
    at = part.lastIndex;
  }
  const ms = Math.round(total);
  if (ms > MAX_FAULT_MS) return { ok: false, error: `time "${text}" is more than 10 years` };
  return { ok: true, ms };
}

function withUnit(text: string, units: Readonly<Record<string, number>>, bare: string, what: string): number | string {
  const s = text.trim().toLowerCase().replace(/[µμ]/g, 'u');
  const m = NUMBER.exec(s);
  if (!m) return `${what} "${text}" does not start with a number`;
  const unit = s.slice(m[0].length).trim() || bare;
  const scale = units[unit];
  if (scale === undefined) return `unknown ${what} unit "${unit}" in "${text}" (${Object.keys(units).join(', ')})`;
  return Number(m[0]) * scale;
}

function parseValue(name: FaultName, spec: FaultSpec, text: string): number | string {
  const s = text.trim().toLowerCase();
  let v: number | string;
  switch (spec.value) {
    case 'factor': {
      const m = /^(\d+(?:\.\d*)?|\.\d+)x?$/.exec(s);
      if (!m) return `factor "${text}" is not a number (e.g. ${spec.example})`;
      v = Number(m[1]);
      if (!(v >= 1)) return `factor ${text} must be 1 or more (the resistance is multiplied by it)`;
      return v;
    }
    case 'fraction': {
      const m = /^(\d+(?:\.\d*)?|\.\d+)(%?)$/.exec(s);
      if (!m) return `fraction "${text}" is not a number or a percentage (e.g. 0.3 or 30%)`;
      v = Number(m[1]) / (m[2] ? 100 : 1);
      if (!(v > 0 && v <= 1)) return `fraction ${text} must be above 0 and at most 1 (100%)`;
      return v;
    }
    case 'rate':
      v = withUnit(text, RATE_UNITS, 'nl/min', 'rate');
      break;
    case 'volume':
      v = withUnit(text, VOLUME_UNITS, 'nl', 'volume');
      if (typeof v === 'number' && !(v > 0)) return `volume ${text} must be above 0`;
      break;
    case 'millivolts':
      v = withUnit(text, VOLTAGE_UNITS, 'mv', 'voltage');
      break;
    case 'none':
      return `${name} takes no value (write ${spec.example})`;
  }
  if (typeof v === 'number' && v < 0 && !spec.signed) return `${name} value ${text} must not be negative`;
  return v;
}

function describe(name: FaultName, clear: boolean, value: number | undefined): string {
  const spec = specOf(name);
  if (clear) return `clear ${spec.label}`;
  if (value === undefined) return spec.label;
  const shown =
    spec.value === 'factor'
      ? `x${value}`
      : spec.value === 'fraction'
        ? `${Math.round(value * 1_000) / 10}%`
        : spec.value === 'rate'
          ? `${Math.round(value * 1_000) / 1_000} nl/min`
          : spec.value === 'volume'
            ? `${Math.round(value * 1_000) / 1_000} nl`
            : `${value} mV`;
  return `${spec.label} ${shown}`;
}

/** One fault from `[clear-]name[:value]@time`. Never throws. */
export function parseFault(input: string): FaultParse {
  const text = String(input).trim();
  const bad = (why: string): FaultParse => ({ ok: false, error: `fault "${text}": ${why}` });
  if (text === '') return bad('empty');
  const at = text.lastIndexOf('@');
  if (at < 0) return bad(`no "@time" (write e.g. ${text.split(':')[0]}@2h)`);
  const head = text.slice(0, at).trim().toLowerCase();
  const time = parseDuration(text.slice(at + 1));
  if (!time.ok) return bad(time.error);
  const colon = head.indexOf(':');
  let name = colon < 0 ? head : head.slice(0, colon).trim();
  const valueText = colon < 0 ? undefined : head.slice(colon + 1).trim();
  const clear = name.startsWith('clear-');
  if (clear) name = name.slice('clear-'.length);
  if (name === '') return bad('no fault name before "@"');
  if (!isFaultName(name)) return bad(`unknown fault "${name}" (known: ${Object.keys(FAULTS).join(', ')}; clear-<name> removes one)`);
  const spec = specOf(name);
  if (clear) {
    if (!spec.clear) return bad(`${name} is an action and cannot be cleared`);
    if (valueText !== undefined) return bad(`clear-${name} takes no value`);
    return { ok: true, fault: { text, name, clear, value: undefined, atMs: time.ms, part: spec.part, description: describe(name, true, undefined) } };
  }
  let value: number | undefined;
  if (valueText === undefined || valueText === '') {
    if (spec.value !== 'none' && spec.defaultValue === undefined) return bad(`${name} needs a value (e.g. ${spec.example})`);
    value = spec.defaultValue;
  } else {
    const v = parseValue(name, spec, valueText);
    if (typeof v === 'string') return bad(v);
    value = v;
  }
  return { ok: true, fault: { text, name, clear, value, atMs: time.ms, part: spec.part, description: describe(name, false, value) } };
}

/**
 * A list of faults separated by commas or spaces (or an array of such strings), sorted by time
 * (faults at the same time keep their order). Reports every bad one, not just the first.
 */
export function parseFaults(input: string | readonly string[]): FaultListParse {
  const items = (typeof input === 'string' ? [input] : input).flatMap((s) => String(s).split(/[\s,;]+/)).filter((s) => s !== '');
  const faults: Fault[] = [];
  const errors: string[] = [];
  for (const item of items) {
    const r = parseFault(item);
    if (r.ok) faults.push(r.fault);
    else errors.push(r.error);
  }
  if (errors.length > 0) return { ok: false, errors, message: errors.join('\n') };
  const order = faults.map((f, i) => ({ f, i }));
  order.sort((a, b) => a.f.atMs - b.f.atMs || a.i - b.i);
  return { ok: true, faults: order.map((o) => o.f) };
}

/** Applies a parsed fault (or its clear-) to the target, at `atMs`: what the schedule calls. */
export function applyFault(fault: Fault, target: Required<FaultTarget>, atMs: number): void {
  const spec = specOf(fault.name);
  if (fault.clear) spec.clear!(target, atMs);
  else spec.apply(target, fault.value ?? 0, atMs);
}

/** The help text: one line per fault. */
export function faultHelp(): string {
  return Object.entries(FAULTS)
    .map(([name, spec]: [string, FaultSpec]) => {
      const clear = spec.clear ? `; clear-${name}@t ${spec.clearMeaning ?? 'removes it'}` : '';
      return `${spec.example.padEnd(28)} ${spec.meaning}${clear}`;
    })
    .join('\n');
}
