// The hardware description as the host tools see it: hardware/pinmap.json (the pins the firmware
// reads), hardware/chips.json (what each chip allows) and hardware/wiring.json (what each
// signal connects to, the boards' headers, the power wiring), typed and joined.

import chipsJson from '../../hardware/chips.json';
import pinmapJson from '../../hardware/pinmap.json';
import wiringJson from '../../hardware/wiring.json';

export interface Pin {
  readonly gpio: number;
  readonly activeLow?: boolean;
  readonly fitted?: boolean;
  readonly divider?: readonly number[];
  readonly why: string;
}

export interface Reserved {
  readonly gpio: readonly number[];
  readonly why: string;
}

export interface Board {
  readonly title: string;
  readonly chip: string;
  readonly module: string;
  /** True when some module variant of the board spends the chip's PSRAM pins. */
  readonly psram: boolean;
  /** The `mcconfig -p` platform identifier. */
  readonly mcconfig: string;
  readonly reserved: readonly Reserved[];
  readonly pins: Readonly<Record<string, Pin>>;
}

export interface PinMap {
  readonly note: string;
  readonly default: string;
  readonly boards: Readonly<Record<string, Board>>;
}

export interface PinList {
  readonly gpio: readonly number[];
  readonly source: string;
}

export const CHIP_LISTS = ['strapping', 'flash', 'psram', 'inputOnly', 'noInternalPull', 'console', 'usb', 'adc1', 'adc2', 'adcGlitch'] as const;
export type ChipList = (typeof CHIP_LISTS)[number];

export type Chip = { readonly name: string; readonly gpio: readonly number[] } & Readonly<Record<ChipList, PinList>>;

export interface Chips {
  readonly note: string;
  readonly chips: Readonly<Record<string, Chip>>;
}

/** out: the ESP32 drives it; in: it reads a level; analog: ADC; i2c: open-drain both ways. */
export const DIRECTIONS = ['out', 'in', 'analog', 'i2c'] as const;

export interface Signal {
  readonly group: string;
  /** The peripheral's pin this signal lands on. */
  readonly terminal: string;
  readonly direction: string;
  /** The firmware acts on its edges (interrupt), not only on levels it reads when it wants. */
  readonly edge?: boolean;
  /** The level the line must rest at when nothing drives it (needs a pull resistor). */
  readonly idle?: string;
  /** Parts to fit on the line, whatever the board. */
  readonly fit?: string;
}

export interface Group {
  readonly id: string;
  readonly title: string;
  readonly part: string;
}

export interface BoardWiring {
  readonly source: string;
  /** Header name to its pins in order from pin 1: a GPIO number or the name of a power pin. */
  readonly headers: Readonly<Record<string, readonly (string | number)[]>>;
  readonly power: string;
  /** Parts a signal needs on this board only, added to the signal's own `fit`. */
  readonly fit: Readonly<Record<string, string>>;
}

export interface Wiring {
  readonly note: string;
  readonly groups: readonly Group[];
  readonly signals: Readonly<Record<string, Signal>>;
  readonly boards: Readonly<Record<string, BoardWiring>>;
  readonly power: readonly { readonly from: string; readonly to: string }[];
}

export interface Hardware {
  readonly pinmap: PinMap;
  readonly chips: Chips;
  readonly wiring: Wiring;
}

/** The committed hardware description. */
export const HARDWARE: Hardware = { pinmap: pinmapJson, chips: chipsJson, wiring: wiringJson };

/**
 * Board names in file order. Generated files follow this order, not `default`, so switching the
 * default board (to build for it) changes no generated file.
 */
export function boardNames(hw: Hardware): string[] {
  return Object.keys(hw.pinmap.boards);
}

/** Signals in wiring order (grouped as wiring.json lists them). */
export function signalNames(hw: Hardware): string[] {
  const order = hw.wiring.groups.map((g) => g.id);
  return Object.entries(hw.wiring.signals)
    .map(([name, s], i) => ({ name, rank: order.indexOf(s.group), i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.name);
}

/** What to fit on a signal's line on a board: the signal's own parts and the board's extras. */
export function fitFor(hw: Hardware, board: string, signal: string): string[] {
  const own = hw.wiring.signals[signal]?.fit;
  const extra = hw.wiring.boards[board]?.fit[signal];
  return [...(own ? [own] : []), ...(extra ? [extra] : [])];
}

/** Where a GPIO sits on the board's headers, as "J2-10", or undefined. */
export function headerPosition(hw: Hardware, board: string, gpio: number): string | undefined {
  const headers = hw.wiring.boards[board]?.headers ?? {};
  for (const [header, pins] of Object.entries(headers)) {
    const at = pins.indexOf(gpio);
    if (at >= 0) return `${header}-${at + 1}`;
  }
  return undefined;
}
