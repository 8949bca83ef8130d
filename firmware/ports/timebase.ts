// Time as the firmware sees it: Moddable's `Time.ticks` and `Timer`, declared as ports so the
// host's virtual clock can stand in for them. Shapes match the Moddable modules, so the real
// ones are passed in unchanged on the device.

/** A wrapping millisecond counter (32-bit on the device: it wraps after about 49.7 days). */
export interface TickSource {
  readonly ticks: number;
}

/** An opaque timer handle. */
export type TimerHandle = object;

/** The subset of Moddable's `timer` module the firmware uses. Intervals are whole ms. */
export interface TimerService {
  set(callback: (timer: TimerHandle) => void, interval?: number, repeat?: number): TimerHandle;
  repeat(callback: (timer: TimerHandle) => void, interval: number): TimerHandle;
  clear(timer: TimerHandle | undefined): void;
}
