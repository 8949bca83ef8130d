// The pins of one board from hardware/pinmap.json, the one place pins are written down. The
// virtual rig and the tests read the whole file and take the board named as "default". The
// device build never bundles the whole file: rollup.config.mjs serves this import as the one
// board chosen at build time (`npm run build:esp32 -- --board esp32/esp32s3`), numbers only,
// so the image carries neither the other board nor the reasons written beside each pin.

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
