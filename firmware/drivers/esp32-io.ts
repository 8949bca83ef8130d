// The ESP32's ECMA-419 IO and Moddable time modules, typed as the ports' shapes. The only file
// that imports `embedded:*`, `timer` and `time`: everything else receives these through
// options, so the virtual rig can pass its mocks in the same places.

import SdkAnalog from 'embedded:io/analog';
import SdkDigital from 'embedded:io/digital';
import SdkI2C from 'embedded:io/i2c';
import SdkPulseCount from 'embedded:io/pulsecount';
import SdkPWM from 'embedded:io/pwm';
import SdkSerial from 'embedded:io/serial';
import Time from 'time';
import Timer from 'timer';

import type {
  AnalogConstructor,
  AnalogInput,
  AnalogOptions,
  DigitalConstructor,
  DigitalInputConstructor,
  I2cConstructor,
  I2cDevice,
  I2cOptions,
  PwmConstructor,
  PwmOptions,
  PwmOutput,
  SerialConstructor,
  SerialDevice,
  SerialOptions,
} from '../ports/io';
import type { TickSource, TimerService } from '../ports/timebase';
import type { PulseCountConstructor } from './step-counter';
import { UnsignedTicks } from './timebase';

// One class, two port shapes: outputs for the stepper and LED, inputs with edge callbacks for
// switches, fault lines and pulse sensors.
export const Digital: DigitalConstructor & DigitalInputConstructor = SdkDigital;

// @moddable/typings 5.6.0 declares neither PWM's close() nor its `resolution` option, though
// the ESP32 implementation has both (modules/io/pwm/esp32 in the SDK). Everything else is
// checked against the typings here; only close() is taken on trust.
const pwmChecked: new (options: PwmOptions) => Omit<PwmOutput, 'close'> = SdkPWM;
export const PWM = pwmChecked as PwmConstructor;

// Neither I2C's nor Analog's close() is in @moddable/typings 5.6.0, though the ESP32
// implementations have both (modules/io/i2c/esp32, modules/io/analog/esp32 in the SDK); as for
// PWM, only close() is taken on trust. On ESP32, I2C read and write throw ("read failed",
// "write failed") when the device does not acknowledge.
const i2cChecked: new (options: I2cOptions) => Omit<I2cDevice, 'close'> = SdkI2C;
export const I2C = i2cChecked as I2cConstructor;

const analogChecked: new (options: AnalogOptions) => Omit<AnalogInput, 'close'> = SdkAnalog;
/** 12-bit on ESP32, scaled against the attenuation's full scale (see AnalogInput). */
export const Analog = analogChecked as AnalogConstructor;

// Serial is checked against the typings in full. On ESP32, read(buffer) fills at most the
// buffer's length from the RX FIFO and returns the count (undefined when empty), and write
// throws "output full" rather than wait (modules/io/serial/esp32 in the SDK).
const serialChecked: new (options: SerialOptions) => SerialDevice = SdkSerial;
/** UART 1 or 2 for the programming link (UART 0 is the debug console). */
export const Serial: SerialConstructor = serialChecked;

// PulseCount (the PCNT peripheral, for the dose guard's step counter: ./step-counter.ts) is
// checked against the typings in full: signal, control and onReadable as the driver passes
// them, and read(). The ESP32 implementation also has close() (modules/io/pulsecount/esp32 in
// the SDK), which the typings lack; the driver's shape marks it optional and never calls it,
// so nothing is taken on trust. Its constructor throws "in use" (RangeError) for a pin already
// open, "no pcnt" when every unit is taken, and "no hardware" on a chip without PCNT.
/** The PCNT as a x4 quadrature decoder on `signal` and `control` (see ./step-counter.ts). */
export const PulseCount: PulseCountConstructor = SdkPulseCount;

// Timer.clear's parameter is the SDK's branded Timer, which the port's opaque handle cannot
// name; the handles it receives are the ones Timer.set returned. Only that parameter is
// taken on trust.
const timerChecked: Omit<TimerService, 'clear'> & { clear(handle: Timer | undefined): void } = Timer;
/** Moddable's Timer: whole milliseconds on the 1 kHz FreeRTOS tick. */
export const timer = timerChecked as TimerService;

/**
 * `Time.ticks`: milliseconds since boot. The SDK gives a signed 32-bit value (negative after
 * 24.8 days); the firmware sees it unsigned, wrapping after about 49.7 days (./timebase.ts).
 */
export const ticks: TickSource = new UnsignedTicks(Time);

/**
 * `Time.microseconds`, which exists only when the manifest includes the SDK's
 * modules/base/microseconds; undefined otherwise, and the stepper then times PWM runs in ms.
 */
export const microseconds: (() => number) | undefined = typeof Time.microseconds === 'number' ? () => Time.microseconds as number : undefined;
