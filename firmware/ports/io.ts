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
  /**
   * Reads `into.length` bytes into `into` (ECMA-419: a buffer instead of a count; on ESP32 the
   * SDK fills it and returns the length): no allocation, for reads made every second.
   */
  read(into: Uint8Array): void;
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

/**
 * `embedded:io/serial` opened with format "buffer", as the ESP32 implements it
 * (modules/io/serial/esp32 in the SDK): there is no software buffer, `read` and `write` go
 * straight to the UART's 128-byte hardware FIFOs.
 */
export interface SerialDevice {
  /**
   * Moves min(buffer.byteLength, bytes in the RX FIFO) bytes into the buffer from its start and
   * returns how many; undefined when the FIFO is empty.
   */
  read(buffer: Uint8Array): number | undefined;
  /** Writes every byte into the TX FIFO; throws ("output full") when they do not all fit. */
  write(buffer: Uint8Array): void;
  close(): void;
}

export interface SerialOptions {
  /** GPIOs. */
  receive: number;
  transmit: number;
  baud: number;
  /** UART number: 0 is the debug console on ESP32, so the drivers use 1 or 2. */
  port: number;
  format: 'buffer';
  /**
   * Runs on the JS loop after the RX FIFO reached its threshold or the line went idle for a few
   * characters; `count` is the bytes in the FIFO then. Not called again until this returns.
   */
  onReadable?: (count: number) => void;
  /**
   * Runs once the TX FIFO has drained below its threshold after a write (and once at open);
   * `count` is the free space then, which only grows until the next write.
   */
  onWritable?: (count: number) => void;
}

export interface SerialConstructor {
  new (options: SerialOptions): SerialDevice;
}
