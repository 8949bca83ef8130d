// Mock ECMA-419 Digital and PWM classes for the virtual rig: the drivers receive them through
// their options exactly as they receive the real ones on the device. Every level or duty change
// goes out on a PinBus with its virtual time, where the rig (and tests) listen. Inputs read what
// PinBus.setInput last set, and call their onReadable on a matching edge. No Node imports.

import type { DigitalConstructor, DigitalInputConstructor, DigitalInputOptions, DigitalOutput, DigitalOutputOptions, PwmConstructor, PwmOptions, PwmOutput } from '../../firmware/ports/io';

export type PinKind = 'digital' | 'pwm';

/**
 * `value` is the level (0 or 1) of a digital pin, or a PWM duty as a fraction of full scale
 * (0 = low, 1 = constantly high); `hz` is the PWM frequency (0 for digital).
 */
export type PinListener = (pin: number, kind: PinKind, value: number, hz: number, atMs: number) => void;

/** Anything with virtual monotonic milliseconds (the VirtualClock). */
export interface MsSource {
  readonly nowMs: number;
}

/** The wires: who holds each pin, what inputs read, and who hears each change. */
export class PinBus {
  readonly #listeners: PinListener[] = [];
  readonly #owners = new Map<number, string>();
  readonly #inputs = new Map<number, 0 | 1>();
  readonly #inputWatchers = new Map<number, (() => void)[]>();

  /** Returns a function that removes the listener. */
  subscribe(listener: PinListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  emit(pin: number, kind: PinKind, value: number, hz: number, atMs: number): void {
    for (const l of this.#listeners.slice()) l(pin, kind, value, hz, atMs);
  }

  /** Takes a pin for one IO object; a second open of the same pin throws, as on the device. */
  claim(pin: number, owner: string): void {
    const held = this.#owners.get(pin);
    if (held !== undefined) throw new Error(`pin ${pin} is already in use (${held}); close it first`);
    this.#owners.set(pin, owner);
  }

  release(pin: number): void {
    this.#owners.delete(pin);
  }

  /** What holds the pin now ('digital' or 'pwm'), if anything. */
  ownerOf(pin: number): string | undefined {
    return this.#owners.get(pin);
  }

  /** Drives an input pin from outside (a sensor, a fault line); inputs with edges hear it. */
  setInput(pin: number, level: 0 | 1): void {
    this.#inputs.set(pin, level);
    for (const w of this.#inputWatchers.get(pin)?.slice() ?? []) w();
  }

  /** Calls `watcher` after every setInput on `pin`; returns a function that removes it. */
  watchInput(pin: number, watcher: () => void): () => void {
    const list = this.#inputWatchers.get(pin) ?? [];
    list.push(watcher);
    this.#inputWatchers.set(pin, list);
    return () => {
      const i = list.indexOf(watcher);
      if (i >= 0) list.splice(i, 1);
    };
  }

  inputLevel(pin: number): 0 | 1 | undefined {
    return this.#inputs.get(pin);
  }
}

export interface DigitalWrite {
  readonly atMs: number;
  readonly value: 0 | 1;
}

export interface PwmChange {
  readonly atMs: number;
  readonly hz: number;
  readonly duty: number;
  readonly resolution: number;
}

export interface IoMockOptions {
  /** Records kept per IO object (the oldest are dropped beyond it); default 4096. */
  readonly historyLimit?: number;
}

interface IoContext {
  readonly clock: MsSource;
  readonly bus: PinBus;
  readonly historyLimit: number;
  readonly digitals: MockDigital[];
  readonly pwms: MockPwm[];
}

/** Keeps the newest `limit` records; drops the oldest half at a time so pushes stay cheap. */
function record<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > 2 * limit) list.splice(0, list.length - limit);
}

const OUTPUT = 'output';
const INPUT = 'input';
const INPUT_PULL_UP = 'input-pull-up';
const INPUT_PULL_DOWN = 'input-pull-down';
const MODES: readonly unknown[] = [OUTPUT, INPUT, INPUT_PULL_UP, INPUT_PULL_DOWN];
const RISING = 1;
const FALLING = 2;

/** A mock `embedded:io/digital`. Construct it through `createIoMocks`. */
export class MockDigital implements DigitalOutput {
  static readonly Output: unknown = OUTPUT;
  static readonly Input: unknown = INPUT;
  static readonly InputPullUp: unknown = INPUT_PULL_UP;
  static readonly InputPullDown: unknown = INPUT_PULL_DOWN;
  static readonly Rising: number = RISING;
  static readonly Falling: number = FALLING;

  readonly pin: number;
  readonly mode: unknown;
  readonly #ctx: IoContext;
  readonly #writes: DigitalWrite[] = [];
  #level: 0 | 1 = 0;
  #writeCount = 0;
  #closed = false;
  #unwatch: (() => void) | undefined;

  /**
   * An input with `edge` and `onReadable` calls it at once (synchronously inside setInput) on
   * each matching edge; the device would call it later, and collapse edges that come close.
   */
  constructor(options: DigitalOutputOptions | DigitalInputOptions, ctx: IoContext) {
    if (!MODES.includes(options.mode)) throw new RangeError(`Digital: unknown mode ${String(options.mode)} on pin ${options.pin}`);
    ctx.bus.claim(options.pin, 'digital');
    this.pin = options.pin;
    this.mode = options.mode;
    this.#ctx = ctx;
    ctx.digitals.push(this);
    // An ESP32 GPIO configured as an output starts low.
    if (this.mode === OUTPUT) ctx.bus.emit(this.pin, 'digital', 0, 0, ctx.clock.nowMs);
    const { edge, onReadable } = options as DigitalInputOptions;
    if (this.mode !== OUTPUT && edge !== undefined && onReadable !== undefined) {
      let last = this.read();
      this.#unwatch = ctx.bus.watchInput(this.pin, () => {
        const level = this.read();
        if (level === last) return;
        last = level;
        if (edge & (level === 1 ? RISING : FALLING)) onReadable.call(this);
      });
    }
  }

  write(value: 0 | 1): void {
    if (this.#closed) throw new Error(`Digital pin ${this.pin}: write after close`);
    if (this.mode !== OUTPUT) throw new Error(`Digital pin ${this.pin}: write to an input`);
    if (value !== 0 && value !== 1) throw new RangeError(`Digital pin ${this.pin}: write(${String(value)})`);
    const atMs = this.#ctx.clock.nowMs;
    this.#level = value;
    this.#writeCount++;
    record(this.#writes, { atMs, value }, this.#ctx.historyLimit);
    this.#ctx.bus.emit(this.pin, 'digital', value, 0, atMs);
  }

  read(): 0 | 1 {
    if (this.#closed) throw new Error(`Digital pin ${this.pin}: read after close`);
    if (this.mode === OUTPUT) return this.#level;
    return this.#ctx.bus.inputLevel(this.pin) ?? (this.mode === INPUT_PULL_UP ? 1 : 0);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch?.();
    this.#ctx.bus.release(this.pin);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes since opening (all of them, even those dropped from `writes`). */
  get writeCount(): number {
    return this.#writeCount;
  }

  /** The most recent writes with their virtual times. */
  get writes(): readonly DigitalWrite[] {
    return this.#writes.slice(-this.#ctx.historyLimit);
  }
}

/** ESP32 LEDC counts its timer from an 80 MHz clock: hz * 2^resolution cannot exceed it. */
const LEDC_SOURCE_HZ = 80_000_000;
const DEFAULT_PWM_HZ = 1_024;
const DEFAULT_PWM_RESOLUTION = 10;

/** A mock `embedded:io/pwm` (LEDC). Construct it through `createIoMocks`. */
export class MockPwm implements PwmOutput {
  readonly pin: number;
  readonly hz: number;
  readonly resolution: number;
  readonly #ctx: IoContext;
  readonly #changes: PwmChange[] = [];
  #duty = 0;
  #closed = false;

  constructor(options: PwmOptions, ctx: IoContext) {
    const hz = options.hz ?? DEFAULT_PWM_HZ;
    const resolution = options.resolution ?? DEFAULT_PWM_RESOLUTION;
    if (!Number.isInteger(resolution) || resolution < 1 || resolution > 20) {
      throw new RangeError(`PWM pin ${options.pin}: resolution ${resolution} bits (1 to 20)`);
    }
    if (!Number.isInteger(hz) || hz < 1 || hz * 2 ** resolution > LEDC_SOURCE_HZ) {
      throw new RangeError(`PWM pin ${options.pin}: ${hz} Hz is not an integer frequency LEDC can make at ${resolution} bits`);
    }
    ctx.bus.claim(options.pin, 'pwm');
    this.pin = options.pin;
    this.hz = hz;
    this.resolution = resolution;
    this.#ctx = ctx;
    ctx.pwms.push(this);
    this.#change(0);
  }

  /** Duty from 0 (low) to 2^resolution - 1 (high). */
  write(duty: number): void {
    if (this.#closed) throw new Error(`PWM pin ${this.pin}: write after close`);
    const max = 2 ** this.resolution - 1;
    if (!Number.isInteger(duty) || duty < 0 || duty > max) throw new RangeError(`PWM pin ${this.pin}: duty ${duty} (0 to ${max})`);
    this.#change(duty);
  }

  close(): void {
    if (this.#closed) return;
    if (this.#duty !== 0) this.#change(0);
    this.#closed = true;
    this.#ctx.bus.release(this.pin);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get duty(): number {
    return this.#duty;
  }

  /** Every duty change (the first is the open, at duty 0) with its virtual time. */
  get changes(): readonly PwmChange[] {
    return this.#changes.slice(-this.#ctx.historyLimit);
  }

  #change(duty: number): void {
    const atMs = this.#ctx.clock.nowMs;
    this.#duty = duty;
    record(this.#changes, { atMs, hz: this.hz, duty, resolution: this.resolution }, this.#ctx.historyLimit);
    this.#ctx.bus.emit(this.pin, 'pwm', duty / (2 ** this.resolution - 1), this.hz, atMs);
  }
}

export interface MockDigitalConstructor extends DigitalConstructor, DigitalInputConstructor {
  new (options: DigitalOutputOptions | DigitalInputOptions): MockDigital;
}

export interface MockPwmConstructor extends PwmConstructor {
  new (options: PwmOptions): MockPwm;
}

export interface IoMocks {
  /** Pass as `Digital` in driver options. */
  readonly Digital: MockDigitalConstructor;
  /** Pass as `PWM` in driver options. */
  readonly PWM: MockPwmConstructor;
  /** Every Digital opened so far, in order (closed ones included). */
  readonly digitals: readonly MockDigital[];
  /** Every PWM opened so far, in order (closed ones included). */
  readonly pwms: readonly MockPwm[];
}

/** IO classes bound to one clock and one bus. */
export function createIoMocks(clock: MsSource, bus: PinBus, options: IoMockOptions = {}): IoMocks {
  const ctx: IoContext = { clock, bus, historyLimit: options.historyLimit ?? 4_096, digitals: [], pwms: [] };
  class Digital extends MockDigital {
    constructor(o: DigitalOutputOptions | DigitalInputOptions) {
      super(o, ctx);
    }
  }
  class PWM extends MockPwm {
    constructor(o: PwmOptions) {
      super(o, ctx);
    }
  }
  return { Digital, PWM, digitals: ctx.digitals, pwms: ctx.pwms };
}
