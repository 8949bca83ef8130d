// Mock sensors for the virtual rig: an I2C bus with device models by address (the SF06-LF flow
// sensor), an Analog class reading given millivolts as the ESP32 SDK scales them, and an HX711
// answering the bit-bang on PinBus pins. Each carries the fault switches tests need. No Node
// imports: it is bundled into the XS engine later.

import type { AnalogConstructor, AnalogInput, AnalogOptions, I2cConstructor, I2cDevice, I2cOptions } from '../../firmware/ports/io';
import type { TimerHandle, TimerService } from '../../firmware/ports/timebase';
import type { PinBus } from './io-mocks';

// ---- I2C -------------------------------------------------------------------------------------

/** A device on the mock bus. Throwing from either call is a NACK. */
export interface I2cDeviceModel {
  write(bytes: Uint8Array): void;
  read(count: number): Uint8Array;
}

/** The wires of one I2C bus: device models by 7-bit address, and the I2C class that reaches them. */
export class I2cBus {
  /** Pass as `I2C` in driver options. */
  readonly I2C: I2cConstructor;
  readonly #devices = new Map<number, I2cDeviceModel>();
  readonly #open = new Set<number>();
  #transactions = 0;

  constructor() {
    const bus = this;
    this.I2C = class extends MockI2c {
      constructor(options: I2cOptions) {
        super(options, bus);
      }
    };
  }

  attach(address: number, device: I2cDeviceModel): void {
    if (this.#devices.has(address)) throw new Error(`I2C: a device already answers at 0x${address.toString(16)}`);
    this.#devices.set(address, device);
  }

  detach(address: number): void {
    this.#devices.delete(address);
  }

  /** Reads and writes attempted so far, answered or not. */
  get transactions(): number {
    return this.#transactions;
  }

  /** @internal for MockI2c */
  open(address: number): void {
    // The ESP32 refuses a second I2C instance on the same address ("duplicate address").
    if (this.#open.has(address)) throw new RangeError(`I2C: duplicate address 0x${address.toString(16)}`);
    this.#open.add(address);
  }

  /** @internal for MockI2c */
  close(address: number): void {
    this.#open.delete(address);
  }

  /** @internal for MockI2c: the device, or a throw as the ESP32 gives on a NACK. */
  transact<T>(address: number, what: 'read' | 'write', op: (device: I2cDeviceModel) => T): T {
    this.#transactions++;
    const device = this.#devices.get(address);
    if (device === undefined) throw new Error(`${what} failed`);
    try {
      return op(device);
    } catch {
      throw new Error(`${what} failed`);
    }
  }
}

/** A mock `embedded:io/i2c`; construct it through `I2cBus.I2C`. */
export class MockI2c implements I2cDevice {
  readonly address: number;
  readonly hz: number;
  readonly #bus: I2cBus;
  #closed = false;

  constructor(options: I2cOptions, bus: I2cBus) {
    if (!Number.isInteger(options.address) || options.address < 0 || options.address > 0x7f) {
      throw new RangeError(`I2C: invalid address ${options.address}`);
    }
    if (!Number.isInteger(options.hz) || options.hz <= 0 || options.hz > 20_000_000) throw new RangeError(`I2C: invalid hz ${options.hz}`);
    bus.open(options.address);
    this.address = options.address;
    this.hz = options.hz;
    this.#bus = bus;
  }

  read(count: number): ArrayBuffer;
  read(into: Uint8Array): void;
  read(countOrInto: number | Uint8Array): ArrayBuffer | undefined {
    this.#check();
    const count = typeof countOrInto === 'number' ? countOrInto : countOrInto.length;
    const bytes = this.#bus.transact(this.address, 'read', (d) => d.read(count));
    if (bytes.length !== count) throw new Error('read failed');
    if (typeof countOrInto === 'number') return bytes.slice().buffer;
    countOrInto.set(bytes);
  }

  write(buffer: ArrayBuffer | ArrayBufferView, _stop?: boolean): void {
    this.#check();
    // A copy: the driver may reuse its buffer, and the device must not see later changes.
    const bytes = (buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)).slice();
    this.#bus.transact(this.address, 'write', (d) => d.write(bytes));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#bus.close(this.address);
  }

  #check(): void {
    if (this.#closed) throw new Error('I2C: closed');
  }
}

// ---- Sensirion SF06-LF -----------------------------------------------------------------------

export type Sf06DeviceModelName = 'SLF3S-0600F' | 'SLF3S-1300F' | 'LD20-0600L';

/** What the liquid is doing at the sensor. */
export interface Sf06Conditions {
  readonly flowNlPerMin: number;
  readonly temperatureC: number;
  readonly airInLine: boolean;
  readonly highFlow: boolean;
}

export interface Sf06DeviceOptions {
  readonly model: Sf06DeviceModelName;
  readonly source: () => Sf06Conditions;
}

/**
 * Raw flow per model, written in each datasheet's own unit (not the driver's table, so a wrong
 * factor in either shows up): SLF3S-0600F 10 per uL/min, SLF3S-1300F 500 per mL/min,
 * LD20-0600L 1200 per mL/h.
 */
const RAW_FROM_NL_PER_MIN: Readonly<Record<Sf06DeviceModelName, (nlPerMin: number) => number>> = {
  'SLF3S-0600F': (nl) => (nl / 1_000) * 10,
  'SLF3S-1300F': (nl) => (nl / 1_000_000) * 500,
  'LD20-0600L': (nl) => ((nl * 60) / 1_000_000) * 1_200,
};

const CMD_START_WATER = 0x3608;
const CMD_START_IPA = 0x3615;
const CMD_STOP = 0x3ff9;

/** Sensirion CRC-8 (poly 0x31, init 0xFF), written out again so the driver's is checked. */
function crc8(a: number, b: number): number {
  // Two bytes unrolled, with no array: the rig reads the sensor every second for simulated months.
  let crc = 0xff ^ a;
  for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  crc ^= b;
  for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  return crc;
}

function int16(value: number): number {
  return Math.max(-0x8000, Math.min(0x7fff, Math.round(value)));
}

/** A 16-bit word and its CRC at `at` of a measurement frame. */
function putWord(frame: Uint8Array, at: number, w: number): void {
  const hi = (w >> 8) & 0xff;
  const lo = w & 0xff;
  frame[at] = hi;
  frame[at + 1] = lo;
  frame[at + 2] = crc8(hi, lo);
}

/**
 * The SF06-LF command set: start (water or IPA), stop, and 9-byte measurement frames. While
 * measuring it refuses every command but stop; idle, it refuses reads (both as NACKs).
 */
export class Sf06Device implements I2cDeviceModel {
  readonly model: Sf06DeviceModelName;
  readonly #source: () => Sf06Conditions;
  /** Flip one CRC bit in every frame (the flow word's). */
  corruptCrc = false;
  /** Keep answering with the last frame sent, whatever the liquid does. */
  stuck = false;
  #unplugged = false;
  #mode: 'idle' | 'water' | 'ipa' = 'idle';
  #last: Uint8Array | undefined;
  #frames = 0;
  readonly #commands: number[] = [];

  constructor(options: Sf06DeviceOptions) {
    this.model = options.model;
    this.#source = options.source;
  }

  /** Unplugged: every read and write is a NACK, and the sensor comes back idle (power lost). */
  get unplugged(): boolean {
    return this.#unplugged;
  }

  set unplugged(value: boolean) {
    this.#unplugged = value;
    if (value) {
      this.#mode = 'idle';
      this.#last = undefined;
    }
  }

  get mode(): 'idle' | 'water' | 'ipa' {
    return this.#mode;
  }

  /** Commands accepted, oldest first. */
  get commands(): readonly number[] {
    return this.#commands;
  }

  /** Frames sent. */
  get frames(): number {
    return this.#frames;
  }

  write(bytes: Uint8Array): void {
    if (this.#unplugged) throw new Error('NACK: unplugged');
    if (bytes.length !== 2) throw new Error(`NACK: ${bytes.length}-byte command`);
    const command = (bytes[0]! << 8) | bytes[1]!;
    if (command === CMD_STOP) this.#mode = 'idle';
    else if (this.#mode !== 'idle') throw new Error(`NACK: 0x${command.toString(16)} while measuring`);
    else if (command === CMD_START_WATER) this.#mode = 'water';
    else if (command === CMD_START_IPA) this.#mode = 'ipa';
    else throw new Error(`NACK: unknown command 0x${command.toString(16)}`);
    this.#commands.push(command);
  }

  read(count: number): Uint8Array {
    if (this.#unplugged) throw new Error('NACK: unplugged');
    if (this.#mode === 'idle') throw new Error('NACK: not measuring');
    if (!this.stuck || this.#last === undefined) this.#last = this.#frame();
    this.#frames++;
    // The frame itself when read whole: MockI2c copies it into the driver's buffer. (What this
    // read and #frame allocated, arrays, a closure and a copy, was a quarter of the population
    // bench's CPU.)
    if (count === this.#last.length) return this.#last;
    // Reading fewer bytes than a frame is allowed (the sensor stops on the NACK); more repeat 0xFF.
    const out = new Uint8Array(count).fill(0xff);
    out.set(this.#last.subarray(0, Math.min(count, this.#last.length)));
    return out;
  }

  #frame(): Uint8Array {
    const c = this.#source();
    const frame = new Uint8Array(9);
    putWord(frame, 0, int16(RAW_FROM_NL_PER_MIN[this.model](c.flowNlPerMin)));
    putWord(frame, 3, int16(c.temperatureC * 200));
    putWord(frame, 6, (c.airInLine ? 1 : 0) | (c.highFlow ? 2 : 0));
    if (this.corruptCrc) frame[2]! ^= 0x01;
    return frame;
  }
}

// ---- Analog ----------------------------------------------------------------------------------

export interface AnalogMockOptions {
  /** Bits (default 12, as the ESP32). */
  readonly resolution?: number;
  /** Pin millivolts of a full-scale reading (default 2450: the SDK's 12 dB attenuation). */
  readonly fullScaleMillivolts?: number;
}

export interface AnalogMocks {
  /** Pass as `Analog` in driver options. */
  readonly Analog: AnalogConstructor;
}

/**
 * Analog inputs on the pins of `sources`, each reading the millivolts its function gives. As
 * the ESP32 SDK does, `read()` scales them onto 0..2^resolution - 1 against the full scale
 * (truncating, and clamping above it).
 */
export function createAnalogMocks(sources: Readonly<Record<number, () => number>>, options: AnalogMockOptions = {}): AnalogMocks {
  const resolution = options.resolution ?? 12;
  const fullScale = options.fullScaleMillivolts ?? 2_450;
  const max = 2 ** resolution - 1;
  const open = new Set<number>();
  class Analog implements AnalogInput {
    readonly resolution = resolution;
    readonly #pin: number;
    readonly #source: () => number;
    #closed = false;

    constructor(o: AnalogOptions) {
      const source = sources[o.pin];
      if (source === undefined) throw new RangeError('not analog pin');
      if (open.has(o.pin)) throw new RangeError('in use');
      open.add(o.pin);
      this.#pin = o.pin;
      this.#source = source;
    }

    read(): number {
      if (this.#closed) throw new Error('Analog: closed');
      const mv = Math.max(0, this.#source());
      return Math.min(max, Math.floor((mv * max) / fullScale));
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      open.delete(this.#pin);
    }
  }
  return { Analog };
}

// ---- HX711 -----------------------------------------------------------------------------------

export interface Hx711DeviceOptions {
  readonly bus: PinBus;
  /** Conversions come from a repeating timer (the VirtualClock). */
  readonly timer: TimerService;
  readonly pins: { readonly sck: number; readonly dout: number };
  /** Force on the load cell, mN. */
  readonly source: () => number;
  /** Counts per mN at gain 128 (gain 64 gives half; channel B, gain 32, reads nothing wired). */
  readonly countsPerMilliNewton: number;
  /** Counts of the unloaded cell (bridge offset). */
  readonly offsetCounts?: number;
  /** Time between conversions; default 100 ms (RATE pin low, 10 samples/s). */
  readonly conversionMs?: number;
}

export type Hx711Gain = 128 | 64 | 32;

/**
 * An HX711 on two PinBus pins. A conversion pulls DOUT low; each rising PD_SCK edge then puts
 * the next bit (MSB first) on DOUT, the 25th pulls it high again, and the number of pulses
 * after the 24th (1, 2 or 3) picks gain 128, 32 or 64 for the following conversion.
 */
export class Hx711Device {
  readonly #bus: PinBus;
  readonly #pins: { readonly sck: number; readonly dout: number };
  readonly #source: () => number;
  readonly #countsPerMn: number;
  readonly #offset: number;
  readonly #timer: TimerService;
  readonly #conversion: TimerHandle;
  readonly #unsubscribe: () => void;
  #sck: 0 | 1 = 0;
  #ready = false;
  #word = 0;
  /** Rising edges since the conversion was latched. */
  #pulses = 0;
  #gain: Hx711Gain = 128;
  #lastPulses = 0;
  #conversions = 0;
  #unplugged = false;

  constructor(options: Hx711DeviceOptions) {
    this.#bus = options.bus;
    this.#pins = { ...options.pins };
    this.#source = options.source;
    this.#countsPerMn = options.countsPerMilliNewton;
    this.#offset = options.offsetCounts ?? 0;
    this.#timer = options.timer;
    this.#bus.setInput(this.#pins.dout, 1); // busy until the first conversion
    this.#conversion = this.#timer.repeat(() => this.#convert(), options.conversionMs ?? 100);
    this.#unsubscribe = this.#bus.subscribe((pin, kind, value) => {
      if (pin !== this.#pins.sck || kind !== 'digital') return;
      const level: 0 | 1 = value ? 1 : 0;
      const rising = level === 1 && this.#sck === 0;
      this.#sck = level;
      if (rising) this.#clock();
    });
  }

  /** Unplugged: DOUT stays high (never ready) and the clock is ignored. */
  get unplugged(): boolean {
    return this.#unplugged;
  }

  set unplugged(value: boolean) {
    this.#unplugged = value;
    if (value) {
      this.#ready = false;
      this.#pulses = 0;
      this.#bus.setInput(this.#pins.dout, 1);
    }
  }

  /** The gain the next conversion uses. */
  get gain(): Hx711Gain {
    return this.#gain;
  }

  /** PD_SCK pulses in the last completed readout (25 for channel A, gain 128). */
  get lastReadoutPulses(): number {
    return this.#lastPulses;
  }

  get conversions(): number {
    return this.#conversions;
  }

  /** Stops converting and lets go of the pins. */
  remove(): void {
    this.#timer.clear(this.#conversion);
    this.#unsubscribe();
  }

  /** The 24-bit code a force gives at the current gain, clamped as the chip does. */
  countsFor(forceMilliNewton: number): number {
    if (this.#gain === 32) return 0;
    const counts = Math.round(forceMilliNewton * this.#countsPerMn * (this.#gain / 128)) + this.#offset;
    return Math.max(-0x80_0000, Math.min(0x7f_ffff, counts));
  }

  #convert(): void {
    // Unplugged, or a readout under way (it keeps its word until the 24th bit is out).
    if (this.#unplugged || (this.#pulses > 0 && this.#pulses < 24)) return;
    this.#pulses = 0;
    this.#word = this.countsFor(this.#source()) & 0xff_ffff;
    this.#ready = true;
    this.#conversions++;
    this.#bus.setInput(this.#pins.dout, 0);
  }

  #clock(): void {
    if (this.#unplugged || (!this.#ready && this.#pulses === 0)) return;
    this.#pulses++;
    if (this.#pulses <= 24) {
      this.#bus.setInput(this.#pins.dout, ((this.#word >> (24 - this.#pulses)) & 1) as 0 | 1);
      return;
    }
    // Pulses 25 to 27 pick the gain of the next conversion; the 25th also ends the readout.
    this.#ready = false;
    this.#bus.setInput(this.#pins.dout, 1);
    const extra = Math.min(3, this.#pulses - 24);
    this.#gain = extra === 1 ? 128 : extra === 2 ? 32 : 64;
    this.#lastPulses = this.#pulses;
  }
}
