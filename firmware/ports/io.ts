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
