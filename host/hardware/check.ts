// The consistency checks behind host-tests/hardware.test.ts, as pure functions that return one
// readable line per problem (an empty list means all is well): the pin map against the chips'
// constraints and the wiring description, the firmware's boardPin() requests against the map,
// and pin numbers written in docs and manifest.json against the map.

import type { Board, CHIP_LISTS, Chip, Hardware, Pin, Signal } from './model';
import { boardNames, DIRECTIONS, headerPosition } from './model';

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/**
 * Pin names the sources ask for: `boardPin('x')`, and calls of local wrappers around it such as
 * `const gpio = (name: string) => boardPin(name).gpio` (then `gpio('x')`). A boardPin call whose
 * argument is neither a string literal nor a wrapper's parameter is reported as unresolved, so a
 * new kind of indirection fails the check instead of slipping past it.
 */
export function boardPinRequests(files: readonly SourceFile[]): { names: Map<string, string[]>; unresolved: string[] } {
  const names = new Map<string, string[]>();
  const unresolved: string[] = [];
  const note = (name: string, where: string): void => {
    names.set(name, [...(names.get(name) ?? []), where]);
  };
  for (const { path, text } of files) {
    const wrappers = new Set<string>(['boardPin']);
    for (const m of text.matchAll(/\bboardPin\(\s*([^)]*?)\s*\)/g)) {
      const arg = m[1]!;
      const before = text.slice(0, m.index);
      if (/function\s+$/.test(before)) continue; // the definition itself
      if (/^'[^']*'$/.test(arg)) continue; // a literal: collected below
      // The nearest enclosing `const NAME = (param ...` or `function NAME(param ...` above the call.
      const heads = [...before.matchAll(/(?:const\s+(\w+)\s*=\s*\(\s*(\w+)|function\s+(\w+)\s*\(\s*(\w+))/g)];
      const head = heads.at(-1);
      const wrapper = head?.[1] ?? head?.[3];
      const param = head?.[2] ?? head?.[4];
      if (wrapper !== undefined && param === arg) wrappers.add(wrapper);
      else unresolved.push(`${path}:${lineOf(text, m.index)}: boardPin(${arg}) takes a name this check cannot follow`);
    }
    for (const w of wrappers) {
      for (const m of text.matchAll(new RegExp(`\\b${w}\\(\\s*'([^']+)'`, 'g'))) note(m[1]!, `${path}:${lineOf(text, m.index)}`);
    }
  }
  return { names, unresolved };
}

function pinProblems(hw: Hardware, boardName: string, board: Board, chip: Chip): string[] {
  const problems: string[] = [];
  const at = (signal: string, pin: Pin): string => `${boardName}: ${signal} on GPIO ${pin.gpio}`;
  const reserved = new Map<number, string>();
  for (const r of board.reserved) for (const g of r.gpio) reserved.set(g, r.why);
  const users = new Map<number, string[]>();
  for (const [signal, pin] of Object.entries(board.pins)) {
    users.set(pin.gpio, [...(users.get(pin.gpio) ?? []), signal]);
    const s: Signal | undefined = hw.wiring.signals[signal];
    const has = (list: (typeof CHIP_LISTS)[number]): boolean => chip[list].gpio.includes(pin.gpio);
    if (!Number.isInteger(pin.gpio) || !chip.gpio.includes(pin.gpio)) problems.push(`${at(signal, pin)}: the ${board.chip} has no such GPIO`);
    else if (headerPosition(hw, boardName, pin.gpio) === undefined) problems.push(`${at(signal, pin)}: not on the board's headers (wiring.json)`);
    if (pin.why.trim().length < 20) problems.push(`${at(signal, pin)}: no reason given ("why")`);
    if (has('flash')) problems.push(`${at(signal, pin)}: wired to the SPI flash (${chip.flash.source})`);
    if (board.psram && has('psram')) problems.push(`${at(signal, pin)}: spent on PSRAM or octal flash by some ${board.title} variant (${chip.psram.source})`);
    if (has('console')) problems.push(`${at(signal, pin)}: UART0, the console (${chip.console.source})`);
    if (has('usb')) problems.push(`${at(signal, pin)}: a USB pin (${chip.usb.source})`);
    if (reserved.has(pin.gpio)) problems.push(`${at(signal, pin)}: reserved on this board: ${reserved.get(pin.gpio)}`);
    if (has('strapping') && !/strapping/i.test(pin.why)) {
      problems.push(`${at(signal, pin)}: a strapping pin, and the reason does not say why that is safe (${chip.strapping.source})`);
    }
    if (s === undefined) continue; // reported with the signal lists
    if (has('inputOnly') && (s.direction === 'out' || s.direction === 'i2c')) {
      problems.push(`${at(signal, pin)}: an input-only pin for a signal the ESP32 must drive (${s.direction})`);
    }
    if (s.direction === 'analog' && !has('adc1')) problems.push(`${at(signal, pin)}: analog input off ADC1 (ADC2 is shared with Wi-Fi; ${chip.adc2.source})`);
    if (has('noInternalPull') && s.idle !== undefined && !/pull-(up|down)|\bto (3V3|GND)\b/i.test(pin.why)) {
      problems.push(`${at(signal, pin)}: must idle ${s.idle} but the pin has no internal pull, and the reason names no external one`);
    }
    if (has('adcGlitch') && s.edge === true && !/errata/i.test(pin.why)) {
      problems.push(`${at(signal, pin)}: edge-triggered input on a pin that glitches when the ADC powers up, and the reason does not say how that is handled (${chip.adcGlitch.source})`);
    }
  }
  for (const [gpio, signals] of users) if (signals.length > 1) problems.push(`${boardName}: GPIO ${gpio} is used twice (${signals.join(', ')})`);
  return problems;
}

/** The pin map against itself, the chips and the wiring description. */
export function hardwareProblems(hw: Hardware): string[] {
  const problems: string[] = [];
  const { pinmap, chips, wiring } = hw;
  if (pinmap.boards[pinmap.default] === undefined) problems.push(`pinmap.json: default "${pinmap.default}" is not a board`);
  const signals = Object.keys(wiring.signals);
  const groups = new Set(wiring.groups.map((g) => g.id));
  for (const [name, s] of Object.entries(wiring.signals)) {
    if (!groups.has(s.group)) problems.push(`wiring.json: signal ${name} is in unknown group "${s.group}"`);
    if (!(DIRECTIONS as readonly string[]).includes(s.direction)) problems.push(`wiring.json: signal ${name} has direction "${s.direction}" (one of ${DIRECTIONS.join(', ')})`);
    if (s.idle !== undefined && s.idle !== 'high' && s.idle !== 'low') problems.push(`wiring.json: signal ${name} idles "${s.idle}" (high or low)`);
  }
  for (const name of boardNames(hw).filter((n) => pinmap.boards[n] !== undefined)) {
    const board = pinmap.boards[name]!;
    const chip = chips.chips[board.chip];
    if (chip === undefined) {
      problems.push(`${name}: chip "${board.chip}" is not in chips.json`);
      continue;
    }
    if (wiring.boards[name] === undefined) problems.push(`${name}: no headers in wiring.json`);
    const pins = Object.keys(board.pins);
    for (const s of signals) if (!pins.includes(s)) problems.push(`${name}: no pin for signal ${s} (wiring.json lists it)`);
    for (const p of pins) if (!signals.includes(p)) problems.push(`${name}: pin ${p} is not a signal in wiring.json`);
    problems.push(...pinProblems(hw, name, board, chip));
  }
  for (const [name, b] of Object.entries(wiring.boards)) {
    if (pinmap.boards[name] === undefined) problems.push(`wiring.json: headers for unknown board ${name}`);
    for (const s of Object.keys(b.fit)) if (!signals.includes(s)) problems.push(`wiring.json: ${name} fits parts on unknown signal ${s}`);
  }
  // Active level, fitting and divider describe the peripheral, so every board must agree.
  const firstName = boardNames(hw)[0]!;
  const first = pinmap.boards[firstName];
  for (const [name, board] of Object.entries(pinmap.boards)) {
    for (const [signal, pin] of Object.entries(board.pins)) {
      const ref = first?.pins[signal];
      if (ref === undefined) continue;
      for (const key of ['activeLow', 'fitted', 'divider'] as const) {
        if (JSON.stringify(pin[key]) !== JSON.stringify(ref[key])) {
          problems.push(`${name}: ${signal}.${key} is ${JSON.stringify(pin[key])} but ${JSON.stringify(ref[key])} on ${firstName}`);
        }
      }
    }
  }
  return problems;
}

/** Every name the firmware and the virtual rig ask for exists on every board, and nothing else. */
export function requestProblems(hw: Hardware, requested: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [boardName, board] of Object.entries(hw.pinmap.boards)) {
    for (const [name, where] of requested) if (board.pins[name] === undefined) problems.push(`${boardName}: no pin "${name}", asked for at ${where.join(', ')}`);
    for (const name of Object.keys(board.pins)) if (!requested.has(name)) problems.push(`${boardName}: pin "${name}" is not asked for by the firmware or the virtual rig`);
  }
  return problems;
}

/** Numbers in "GPIO 16/17", "GPIO 32-39", "GPIO 43 and 44", "GPIO36, GPIO39". */
function gpioMentions(line: string): number[] {
  const found: number[] = [];
  const joint = String.raw`\s*(?:\/|,|-|–|\bto\b|\band\b|\bor\b)\s*(?:GPIO\s?)?`;
  for (const m of line.matchAll(new RegExp(String.raw`\bGPIO\s?(\d{1,2})((?:${joint}\d{1,2}\b)*)`, 'g'))) {
    const first = Number(m[1]);
    found.push(first);
    let prev = first;
    for (const part of m[2]!.matchAll(new RegExp(String.raw`(${joint})(\d{1,2})\b`, 'g'))) {
      const n = Number(part[2]);
      if (/-|–|\bto\b/.test(part[1]!) && n > prev) for (let g = prev + 1; g < n; g++) found.push(g);
      found.push(n);
      prev = n;
    }
  }
  return found;
}

/**
 * Pin numbers in documents, outside generated blocks (`<!-- ...:begin` to `<!-- ...:end -->`):
 * every GPIO mentioned must exist on a chip the boards use, and on a line that also names
 * signals in backticks (`step`), each GPIO must be one of those signals' pins on some board.
 */
export function docPinProblems(hw: Hardware, docs: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  const signals = Object.keys(hw.wiring.signals);
  const chipPins = new Set(Object.values(hw.pinmap.boards).flatMap((b) => hw.chips.chips[b.chip]?.gpio ?? []));
  const pinsOf = (signal: string): number[] => Object.values(hw.pinmap.boards).flatMap((b) => (b.pins[signal] ? [b.pins[signal].gpio] : []));
  for (const { path, text } of docs) {
    let generated = false;
    text.split('\n').forEach((line, i) => {
      if (/<!--\s*[\w-]+:begin\b/.test(line)) generated = true;
      if (generated) {
        if (/<!--\s*[\w-]+:end\b/.test(line)) generated = false;
        return;
      }
      const gpios = gpioMentions(line);
      if (gpios.length === 0) return;
      const named = signals.filter((s) => line.includes(`\`${s}\``));
      for (const g of gpios) {
        if (!chipPins.has(g)) problems.push(`${path}:${i + 1}: GPIO ${g} exists on none of the boards' chips`);
        else if (named.length > 0 && !named.some((s) => pinsOf(s).includes(g))) {
          problems.push(`${path}:${i + 1}: GPIO ${g} is not the pin of ${named.map((s) => `\`${s}\``).join(' or ')} on any board (${named.map((s) => `${s}: ${pinsOf(s).join('/')}`).join('; ')})`);
        }
      }
    });
  }
  return problems;
}

/** Keys a Moddable manifest uses for pins, to the signal they must match on the default board. */
const MANIFEST_KEYS: Readonly<Record<string, string>> = { sda: 'i2cSda', scl: 'i2cScl', tx: 'uartTx', transmit: 'uartTx', rx: 'uartRx', receive: 'uartRx' };

/**
 * manifest.json: pin-like settings (pin, gpio, sda, scl, tx, rx, ...) must be pins of the default
 * board, sda/scl/tx/rx the matching signal's; GPIO numbers in its comments are checked as in docs.
 */
export function manifestPinProblems(hw: Hardware, manifest: unknown, text: string): string[] {
  const problems: string[] = [];
  const board = hw.pinmap.boards[hw.pinmap.default];
  const used = new Map(Object.entries(board?.pins ?? {}).map(([s, p]) => [p.gpio, s]));
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const key = k.toLowerCase();
        if (typeof v === 'number' && (key in MANIFEST_KEYS || /pin$|^gpio/.test(key))) {
          const want = MANIFEST_KEYS[key];
          const pin = want === undefined ? undefined : board?.pins[want];
          if (pin !== undefined && pin.gpio !== v) problems.push(`manifest.json ${path}.${k} = ${v}, but ${want} is GPIO ${pin.gpio} on ${hw.pinmap.default}`);
          else if (pin === undefined && !used.has(v)) problems.push(`manifest.json ${path}.${k} = ${v}: no signal uses GPIO ${v} on ${hw.pinmap.default}`);
        }
        walk(v, `${path}.${k}`);
      }
    }
  };
  walk(manifest, '');
  problems.push(...docPinProblems(hw, [{ path: 'manifest.json', text }]));
  return problems;
}
