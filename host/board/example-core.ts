// The virtual board's core as the example files describe it (firmware/app/examples): no faults,
// no load cell, seed 1, fixed entropy, the provisioning window open for 2 min, at midnight. The
// tests, fixtures and benchmarks that start a core in process start it from here, so a new
// board option is added once.

import library from '../../firmware/app/examples/library.example.json';
import mechanics from '../../firmware/app/examples/mechanics.example.json';
import prescription from '../../firmware/app/examples/prescription.example.json';
import type { BoardCoreOptions } from './core';
import { BoardCore } from './core';

export const EXAMPLE_CORE: BoardCoreOptions = {
  defaults: { mechanics, library, prescription },
  timeOfDayMs: 0,
  faults: [],
  loadCell: false,
  seed: 1,
  entropyHex: '00'.repeat(32),
  provisioningWindowMs: 120_000,
};

/** Starts the example core with `extra` over it; a refused configuration throws, saying which. */
export function startExampleCore(extra: Partial<BoardCoreOptions> = {}): BoardCore {
  const s = BoardCore.start({ ...EXAMPLE_CORE, ...extra });
  if (!s.ok) throw new Error(`the board refused its ${s.what}: ${s.error.message}`);
  return s.core;
}
