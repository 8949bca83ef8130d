// The ECMA-419 IO shapes the drivers are written against. Drivers receive these classes in
// their options (the Moddable driver habit: `new options.io({...})`), so a host mock is just
// another class and the same driver code runs on the device and on the virtual rig.

export interface DigitalOutput {
  write(value: 0 | 1): void;
  read(): 0 | 1;
  close(): void;
}

export interface DigitalOutputOptions {
  pin: number;
  mode: unknown;
}

export interface DigitalConstructor {
  new (options: DigitalOutputOptions): DigitalOutput;
  readonly Output: unknown;
  readonly Input: unknown;
  readonly InputPullUp: unknown;
}

/** LEDC PWM on ESP32: integer hz; duty from 0 to 2^resolution - 1. */
export interface PwmOutput {
  write(duty: number): void;
  close(): void;
  readonly hz: number;
  readonly resolution: number;
}

export interface PwmOptions {
  pin: number;
  hz?: number;
  resolution?: number;
}

export interface PwmConstructor {
  new (options: PwmOptions): PwmOutput;
}

/** Edge bits of ECMA-419 Digital (`Digital.Rising | Digital.Falling` for both). */
export type DigitalEdge = number;

export interface DigitalInput {
  read(): 0 | 1;
  close(): void;
}

export interface DigitalInputOptions {
  pin: number;
  mode: unknown;
  /** Which edges call `onReadable`. */
  edge?: DigitalEdge;
  /**
   * Runs on the JS loop some time after an edge. On ESP32 the interrupt only posts a message,
   * and edges that arrive before JS runs collapse into one call: read the level again inside,
   * and never count pulses with it.
   */
  onReadable?: () => void;
}

/** `embedded:io/digital` opened as an input, with optional edge callbacks. */
export interface DigitalInputConstructor {
  new (options: DigitalInputOptions): DigitalInput;
  readonly Input: unknown;
  readonly InputPullUp: unknown;
  readonly InputPullDown: unknown;
  readonly Rising: DigitalEdge;
  readonly Falling: DigitalEdge;
}

/** A GPIO read as a logical signal: active when its level is low if `activeLow`. */
export interface InputPin {
  readonly gpio: number;
  /** Default true: an open-drain or switch-to-ground line, read with the pull-up on. */
  readonly activeLow?: boolean;
}

/** `embedded:io/i2c`: a controller talking to one address; every call is synchronous. */
export interface I2cDevice {
  /** Reads `count` bytes (ends with a stop). Throws when the device does not acknowledge. */
  read(count: number): ArrayBuffer;
  /** Writes the bytes (ends with a stop unless `stop` is false). Throws on a NACK. */
  write(buffer: ArrayBuffer | ArrayBufferView, stop?: boolean): void;
  close(): void;
}

export interface I2cOptions {
  data: number;
  clock: number;
  hz: number;
  /** 7-bit address. */
  address: number;
  port?: number;
}

export interface I2cConstructor {
  new (options: I2cOptions): I2cDevice;
}

/**
 * `embedded:io/analog`. `read()` gives an integer from 0 to 2^resolution - 1. On ESP32 the
 * SDK calibrates the reading to millivolts and then scales it back onto that range against
 * the attenuation's full scale (2450 mV at the default 12 dB), so `read()` is not millivolts.
 * No onReadable on ESP32: poll it.
 */
export interface AnalogInput {
  read(): number;
  readonly resolution: number;
  close(): void;
}

export interface AnalogOptions {
  pin: number;
}

export interface AnalogConstructor {
  new (options: AnalogOptions): AnalogInput;
}
