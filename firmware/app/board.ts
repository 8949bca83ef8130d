// The pins of the board named as default in hardware/pinmap.json, the one place pins are
// written down. The device build and the virtual rig both read them from here.

import pinmap from '../../hardware/pinmap.json';

export interface BoardPin {
  readonly gpio: number;
  readonly activeLow?: boolean;
  /** False for a part the rig may lack (the load cell) until it is built in. */
  readonly fitted?: boolean;
  readonly divider?: readonly number[];
}

interface PinMap {
  readonly default: string;
  readonly boards: Readonly<Record<string, { readonly pins: Readonly<Record<string, BoardPin>> }>>;
}

const map: PinMap = pinmap;

export function boardPin(name: string): BoardPin {
  const pin = map.boards[map.default]?.pins[name];
  if (pin === undefined) throw new Error(`hardware/pinmap.json: board ${map.default} has no pin "${name}"`);
  return pin;
}

export const BOARD_NAME = map.default;
