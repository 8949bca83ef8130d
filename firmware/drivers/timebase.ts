// The millisecond tick source the firmware runs on: Moddable's `Time.ticks`, read as an
// unsigned 32-bit count. On the ESP32 modTime.c returns it with xsmcSetInteger, a signed
// 32-bit integer: it turns negative 2^31 ms (24.8 days) after boot and runs back up to 0 at
// 2^32. The port (firmware/ports/timebase.ts) promises [0, 2^32), so it is normalised here,
// once, where it is read. The wrap-safe helpers in firmware/core/ticks.ts work modulo 2^32 and
// would take the signed value too; normalising keeps any plain comparison, stored tick or
// printed tick right as well, for one `>>> 0` per read.

import type { TickSource } from '../ports/timebase';

export class UnsignedTicks implements TickSource {
  readonly #source: TickSource;

  constructor(source: TickSource) {
    this.#source = source;
  }

  /** The source's ticks in [0, 2^32): a signed -1 reads 2^32 - 1. */
  get ticks(): number {
    return this.#source.ticks >>> 0;
  }
}
