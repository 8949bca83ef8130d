// Sensirion SF06-LF liquid flow sensors (SLF3S-0600F, SLF3S-1300F, LD20-0600L) over I2C: start
// continuous measurement once, then each read() fetches the latest flow, temperature and flags,
// checks every word's CRC and the plausible ranges, and returns a sample or a typed fault.

import type { I2cConstructor, I2cDevice } from '../ports/io';
import type { FlowFaultKind, FlowRead, FlowSensorPort } from '../ports/flow-sensor';

export type Sf06Model = 'SLF3S-0600F' | 'SLF3S-1300F' | 'LD20-0600L';

/** The liquid the sensor's calibration is chosen for (each has its own start command). */
export type Sf06Medium = 'water' | 'ipa';

export interface Sf06ModelInfo {
  /** Flow in nl/min = raw * nlPerMinNum / nlPerMinDen (exact integers, rounded once). */
  readonly nlPerMinNum: number;
  readonly nlPerMinDen: number;
  /** Full-scale flow (bidirectional: beyond +/- this is implausible), nl/min. */
  readonly fullScaleNlPerMin: number;
}

/**
 * Scale factors from the datasheets: SLF3S-0600F raw/10 = uL/min (100 nl/min per count, full
 * scale 2 mL/min); SLF3S-1300F raw/500 = mL/min (2000 nl/min per count, full scale 40 mL/min);
 * LD20-0600L raw/1200 = mL/h (1e6 / 72000 = 125/9 nl/min per count, full scale 20 mL/h).
 */
export const SF06_MODELS: Readonly<Record<Sf06Model, Sf06ModelInfo>> = {
  'SLF3S-0600F': { nlPerMinNum: 100, nlPerMinDen: 1, fullScaleNlPerMin: 2_000_000 },
  'SLF3S-1300F': { nlPerMinNum: 2_000, nlPerMinDen: 1, fullScaleNlPerMin: 40_000_000 },
  'LD20-0600L': { nlPerMinNum: 125, nlPerMinDen: 9, fullScaleNlPerMin: 333_333 },
};

export const SF06_ADDRESS = 0x08;
export const SF06_START_WATER = 0x3608;
export const SF06_START_IPA = 0x3615;
export const SF06_STOP = 0x3ff9;
/** Flow, temperature and flags: three 16-bit words, each followed by its CRC. */
export const SF06_FRAME_BYTES = 9;
/** Flags word bits. Bit 5 (exponential smoothing active) is not reported. */
export const SF06_FLAG_AIR_IN_LINE = 1 << 0;
export const SF06_FLAG_HIGH_FLOW = 1 << 1;
/** Liquid temperatures outside this range (deg C) mean a bad reading, not a bad liquid. */
export const SF06_MIN_TEMPERATURE_C = 0;
export const SF06_MAX_TEMPERATURE_C = 80;

/**
 * Sensirion's CRC-8: polynomial 0x31 (x^8 + x^5 + x^4 + 1), initial value 0xFF, no reflection,
 * no final XOR. The datasheet's example: the CRC of 0xBE 0xEF is 0x92.
 */
export function sensirionCrc8(bytes: ArrayLike<number>, start = 0, end = bytes.length): number {
  let crc = 0xff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

export interface Sf06FlowOptions {
  I2C: I2cConstructor;
  /** GPIOs of SDA and SCL. */
  data: number;
  clock: number;
  /** Bus speed; default 100 kHz (the sensor takes up to 1 MHz). */
  hz?: number;
  port?: number;
  /** Default 0x08, the only address the SF06-LF family answers on. */
  address?: number;
  model: Sf06Model;
  /** Default 'water'. */
  medium?: Sf06Medium | undefined;
}

export class Sf06Flow implements FlowSensorPort {
  readonly model: Sf06Model;
  readonly fullScaleNlPerMin: number;
  readonly medium: Sf06Medium;

  readonly #i2c: I2cDevice;
  readonly #info: Sf06ModelInfo;
  // Commands, the frame buffer and the good-read result are built once: a good read allocates
  // nothing (the SDK reads into the buffer), so sampling every second makes no garbage.
  readonly #startCommand: Uint8Array;
  readonly #stopCommand: Uint8Array;
  readonly #frame = new Uint8Array(SF06_FRAME_BYTES);
  readonly #sample: { flowNlPerMin: number; temperatureCentiC: number | undefined; airInLine: boolean; highFlow: boolean } = {
    flowNlPerMin: 0,
    temperatureCentiC: undefined,
    airInLine: false,
    highFlow: false,
  };
  readonly #good: FlowRead = { ok: true, sample: this.#sample };
  #started = false;

  constructor(options: Sf06FlowOptions) {
    const info = SF06_MODELS[options.model];
    if (info === undefined) throw new RangeError(`SF06: unknown model ${String(options.model)}`);
    this.model = options.model;
    this.#info = info;
    this.fullScaleNlPerMin = info.fullScaleNlPerMin;
    this.medium = options.medium ?? 'water';
    const start = this.medium === 'ipa' ? SF06_START_IPA : SF06_START_WATER;
    this.#startCommand = Uint8Array.of(start >> 8, start & 0xff);
    this.#stopCommand = Uint8Array.of(SF06_STOP >> 8, SF06_STOP & 0xff);
    const bus = { data: options.data, clock: options.clock, hz: options.hz ?? 100_000, address: options.address ?? SF06_ADDRESS };
    this.#i2c = new options.I2C(options.port === undefined ? bus : { ...bus, port: options.port });
  }

  get started(): boolean {
    return this.#started;
  }

  /**
   * Sends the start command. A sensor that does not answer now is not an error here: every
   * failed read sends the command again, so the sensor starts once it answers. The first
   * result comes 12 ms after the start, full accuracy after about 60 ms (the app waits).
   */
  start(): void {
    this.#started = true;
    this.#sendStart();
  }

  stop(): void {
    this.#started = false;
    try {
      this.#i2c.write(this.#stopCommand);
    } catch {
      // A sensor that cannot hear the stop is either unpowered or will be restarted anyway.
    }
  }

  read(): FlowRead {
    if (!this.#started) return fault('not-started', `${this.model}: read before start()`);
    const bytes = this.#frame;
    try {
      this.#i2c.read(bytes);
    } catch (e) {
      return this.#recover('no-answer', `${this.model}: I2C read failed (${message(e)})`);
    }
    for (let word = 0; word < 3; word++) {
      const at = word * 3;
      const expected = sensirionCrc8(bytes, at, at + 2);
      if (bytes[at + 2] !== expected) {
        return this.#recover('crc', `${this.model}: word ${word} CRC 0x${hex(bytes[at + 2]!)}, expected 0x${hex(expected)}`);
      }
    }
    const rawFlow = (((bytes[0]! << 8) | bytes[1]!) << 16) >> 16;
    const rawTemperature = (((bytes[3]! << 8) | bytes[4]!) << 16) >> 16;
    const flags = (bytes[6]! << 8) | bytes[7]!;
    // The 16-bit raw times the factor is far below 2^53: one exact product, one rounding.
    const flowNlPerMin = Math.round((rawFlow * this.#info.nlPerMinNum) / this.#info.nlPerMinDen) + 0; // + 0: no -0
    // raw / 200 deg C = raw / 2 hundredths.
    const temperatureCentiC = Math.round(rawTemperature / 2) + 0;
    const airInLine = (flags & SF06_FLAG_AIR_IN_LINE) !== 0;
    const highFlow = (flags & SF06_FLAG_HIGH_FLOW) !== 0;
    if (Math.abs(flowNlPerMin) > this.fullScaleNlPerMin) {
      return fault('implausible', `${this.model}: flow ${flowNlPerMin} nl/min beyond full scale ${this.fullScaleNlPerMin}${highFlow ? ' (high-flow flag set)' : ''}`);
    }
    if (temperatureCentiC < SF06_MIN_TEMPERATURE_C * 100 || temperatureCentiC > SF06_MAX_TEMPERATURE_C * 100) {
      return fault('implausible', `${this.model}: temperature ${temperatureCentiC / 100} C outside ${SF06_MIN_TEMPERATURE_C}-${SF06_MAX_TEMPERATURE_C} C`);
    }
    // A good read allocates nothing: the frame and the result are this driver's, refilled each
    // time (the monitor copies the fields it keeps). Faults, which are rare, build their own.
    const sample = this.#sample;
    sample.flowNlPerMin = flowNlPerMin;
    sample.temperatureCentiC = temperatureCentiC;
    sample.airInLine = airInLine;
    sample.highFlow = highFlow;
    return this.#good;
  }

  /** Stops measuring and releases the bus. */
  close(): void {
    this.stop();
    this.#i2c.close();
  }

  /**
   * A failed read may mean the sensor lost power and came back idle: send the start command
   * again. A sensor still measuring accepts no command but stop, so it refuses this one and
   * carries on; either way the next read tells.
   */
  #recover(kind: FlowFaultKind, detail: string): FlowRead {
    this.#sendStart();
    return fault(kind, detail);
  }

  #sendStart(): void {
    try {
      this.#i2c.write(this.#startCommand);
    } catch {
      // Not answering: reported by the read that follows, which sends it again.
    }
  }
}

function fault(kind: FlowFaultKind, detail: string): FlowRead {
  return { ok: false, fault: kind, detail };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
