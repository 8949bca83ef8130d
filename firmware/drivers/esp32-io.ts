// The ESP32's ECMA-419 IO and Moddable time modules, typed as the ports' shapes. The only file
// that imports `embedded:*`, `timer` and `time`: everything else receives these through
// options, so the virtual rig can pass its mocks in the same places.

import SdkDigital from 'embedded:io/digital';
import SdkPWM from 'embedded:io/pwm';
import Time from 'time';
import Timer from 'timer';

import { type DigitalConstructor, type PwmConstructor, type PwmOptions, type PwmOutput } from '../ports/io';
import { type TickSource, type TimerService } from '../ports/timebase';

export const Digital: DigitalConstructor = SdkDigital;

// @moddable/typings 5.6.0 declares neither PWM's close() nor its `resolution` option, though
// the ESP32 implementation has both (modules/io/pwm/esp32 in the SDK). Everything else is
// checked against the typings here; only close() is taken on trust.
const pwmChecked: new (options: PwmOptions) => Omit<PwmOutput, 'close'> = SdkPWM;
export const PWM = pwmChecked as PwmConstructor;

// Timer.clear's parameter is the SDK's branded Timer, which the port's opaque handle cannot
// name; the handles it receives are the ones Timer.set returned. Only that parameter is
// taken on trust.
const timerChecked: Omit<TimerService, 'clear'> & { clear(handle: Timer | undefined): void } = Timer;
/** Moddable's Timer: whole milliseconds on the 1 kHz FreeRTOS tick. */
export const timer = timerChecked as TimerService;

/** `Time.ticks`: milliseconds since boot, 32-bit on the device (wraps after about 49.7 days). */
export const ticks: TickSource = Time;

/**
 * `Time.microseconds`, which exists only when the manifest includes the SDK's
 * modules/base/microseconds; undefined otherwise, and the stepper then times PWM runs in ms.
 */
export const microseconds: (() => number) | undefined =
  typeof Time.microseconds === 'number' ? () => Time.microseconds as number : undefined;
