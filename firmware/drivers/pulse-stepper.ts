// STEP/DIR/EN stepper driver (A4988, DRV8825, TMC2209 in step mode): slow segments pulse from
// one-shot timers anchored to the segment start; fast ones run LEDC PWM on the STEP pin for a
// measured time and book every pulse that time can hold, however late the stop came. The IO classes come in through options
// (the Moddable habit), so the same code drives the board and the virtual rig. Optional fault
// and stall inputs report through onFault; stopping the motor is the controller's job.

import { inputMode } from './input-pins';
import { MonotonicClock } from '../core/ticks';
import type { DigitalConstructor, DigitalInput, DigitalInputConstructor, DigitalOutput, DigitalOutputOptions, InputPin, PwmConstructor, PwmOptions, PwmOutput } from '../ports/io';
import type { Direction, StepperFault, StepperFaultKind, StepperPort, StepSegment } from '../ports/stepper';
import type { TickSource, TimerHandle, TimerService } from '../ports/timebase';

export interface PulseStepperBaseOptions {
  Digital: DigitalConstructor;
  /** LEDC for fast segments; without it, timer stepping only. */
  PWM?: PwmConstructor | undefined;
  timer: TimerService;
  /** Time.ticks (ms). */
  ticks: TickSource;
  /** Finer clock for timing a PWM run (on the device: `() => Time.microseconds`). */
  microseconds?: (() => number) | undefined;
  pins: { step: number; dir: number; enable: number };
  /** A4988/DRV8825/TMC2209 EN is active low; default true. */
  enableActiveLow?: boolean;
}

/** The fault inputs need a Digital class that also opens inputs with edge callbacks. */
export interface PulseStepperInputOptions {
  Digital: DigitalConstructor & DigitalInputConstructor;
  /** The driver's fault output, e.g. DRV8825 nFAULT (open drain, active low: the default). */
  faultPin?: InputPin;
  /** Stall detection, e.g. TMC2209 DIAG (push-pull, active high: pass activeLow false). */
  stallPin?: InputPin;
}

export type PulseStepperOptions = (PulseStepperBaseOptions & { faultPin?: undefined; stallPin?: undefined }) | (PulseStepperBaseOptions & PulseStepperInputOptions);

interface FaultLine {
  readonly input: DigitalInput;
  readonly activeLevel: 0 | 1;
}

/**
 * Segments with at least this interval (at most 100 steps/s) are stepped from timers: with the
 * 1 ms FreeRTOS tick their jitter stays at 10% of an interval or less. Faster ones use PWM.
 */
export const SLOW_STEP_INTERVAL_US = 10_000;
/** Timer stepping never spaces pulses closer than one timer tick. */
export const MIN_TIMER_STEP_US = 1_000;
/** LEDC resolution for the step train: at 10 bits it spans about 16 Hz to 78 kHz. */
export const PWM_RESOLUTION_BITS = 10;
/** Longest single timer armed; longer waits re-arm, so the tick clock is read often enough. */
const MAX_TIMER_DELAY_MS = 0x4000_0000;
/**
 * A PWM run's stop timer is planned this much before the segment's pulses are all out. On the
 * ESP32 a callback runs on the first FreeRTOS tick (1 kHz) at or after its trigger, so with
 * nothing else running a stop is up to 1 ms late; planned 1 ms early, that ordinary lateness
 * stays inside the segment, and what the run falls short by follows from timers.
 */
export const PWM_STOP_EARLY_MS = 1;

/*
 * Why a PWM run is booked from measured time, not counted or capped. LEDC keeps pulsing in
 * hardware until the JS stop callback runs, and that callback can be late by far more than a
 * tick: a GC pause, a flash sector erase, a signed command being verified (tens to a hundred
 * ms or more). The pulses must then be booked, not dropped: the history may err high, never
 * low. Counting them in hardware would be exact, but PCNT is not usable from the current SDK
 * (a quadrature decoder that wants a control pin) and a native module is a bigger step. So the
 * run is booked as every rising edge its time can hold: LEDC starts each period high, so a run
 * on for t makes ceil(t * hz) edges. The clock is read just before the train starts and just
 * after it has stopped (after `close`, which is `ledc_stop`), so the time measured is never
 * shorter than the time the pin pulsed, whatever ran between. On the board that bracket is a
 * few IO calls wider than the train: a run books one edge too many only when an edge falls in
 * those few microseconds. Without a microsecond clock, Time.ticks truncates both readings to
 * the ms, so a ms is added: an over-booking of up to hz / 1000 per run (pass `microseconds`).
 * The old rule (whole periods, capped at the segment's count) booked a late stop's overrun as
 * nothing (issue 13: 21 000 steps booked as 20 000), and missed a cut period's edge on time.
 */

// One object per kind of phase, owned by the driver and refilled for each segment: a segment
// every wake must not allocate (GC pauses on the ESP32). `#generation` tells a phase that was
// stopped or replaced from inside a pulse from the one still running.
interface IdlePhase {
  readonly kind: 'idle';
}
interface TimerPhase {
  readonly kind: 'timer';
  /** Pulse k of the phase is due at startMs + offsetMs(k, spacingUs) (segment-clock ms). */
  startMs: number;
  spacingUs: number;
  k: number;
  /** An exact segment's train slips when a timer is late, and never bursts (StepSegment.exact). */
  slip: boolean;
}
interface PwmPhase {
  readonly kind: 'pwm';
  pwm: PwmOutput | undefined;
  hz: number;
  startMs: number;
  startUs: number;
}
type Phase = IdlePhase | TimerPhase | PwmPhase;

const IDLE: Phase = Object.freeze({ kind: 'idle' });

/** What the one armed timer does when the segment clock reaches its due time. */
const THEN_STEP = 0;
const THEN_END_PWM = 1;

/** floor(k * spacingUs / 1000) without forming a product that could lose precision. */
function offsetMs(k: number, spacingUs: number): number {
  const wholeMs = Math.floor(spacingUs / 1_000);
  const restUs = spacingUs - wholeMs * 1_000;
  return k * wholeMs + Math.floor((k * restUs) / 1_000);
}

export class PulseStepper implements StepperPort {
  onFault: ((fault: StepperFault) => void) | undefined = undefined;

  readonly #Digital: DigitalConstructor;
  readonly #PWM: PwmConstructor | undefined;
  readonly #timer: TimerService;
  readonly #ticks: TickSource;
  readonly #microseconds: (() => number) | undefined;
  readonly #pins: { readonly step: number; readonly dir: number; readonly enable: number };
  readonly #enLevelOn: 0 | 1;
  readonly #dirPin: DigitalOutput;
  readonly #enPin: DigitalOutput;
  #stepPin: DigitalOutput | undefined;
  readonly #faultLine: FaultLine | undefined;
  readonly #stallLine: FaultLine | undefined;
  // The STEP pin is reopened around every fast segment: its options are made once (the IO
  // constructors read them at once), so only the IO objects themselves are new per segment.
  readonly #stepOptions: DigitalOutputOptions;
  readonly #pwmOptions: PwmOptions;

  #enabled = false;
  #direction: Direction = 1;
  #position = 0;
  #phase: Phase = IDLE;
  readonly #timerPhase: TimerPhase = { kind: 'timer', startMs: 0, spacingUs: 0, k: 0, slip: false };
  readonly #pwmPhase: PwmPhase = { kind: 'pwm', pwm: undefined, hz: 0, startMs: 0, startUs: 0 };
  /** Bumped whenever a phase starts or ends. */
  #generation = 0;
  #handle: TimerHandle | undefined;
  /** The armed timer: due at `#dueMs` on the segment clock, then does `#then`. */
  #dueMs = 0;
  #then = THEN_STEP;
  /** The one timer callback, made once (not a closure per pulse). */
  readonly #onTimer = (): void => {
    // A one-shot that has fired is no timer any more: never clear it again.
    this.#handle = undefined;
    if (this.#now() < this.#dueMs) this.#armAt(this.#dueMs, this.#then);
    else if (this.#then === THEN_STEP) this.#stepDue();
    else this.#endPwm();
  };
  /** Pulses of the segment in flight, and how many of them are emitted (credited). */
  #count = 0;
  #emitted = 0;
  /** Milliseconds since the segment started, wrap-safe; restarted (not made afresh) per segment. */
  readonly #clock = new MonotonicClock(0);

  constructor(options: PulseStepperOptions) {
    this.#Digital = options.Digital;
    this.#PWM = options.PWM;
    this.#timer = options.timer;
    this.#ticks = options.ticks;
    this.#microseconds = options.microseconds;
    this.#pins = { ...options.pins };
    this.#stepOptions = { pin: this.#pins.step, mode: this.#Digital.Output };
    this.#pwmOptions = { pin: this.#pins.step, hz: 0, resolution: PWM_RESOLUTION_BITS };
    this.#enLevelOn = options.enableActiveLow === false ? 1 : 0;
    // Power stage off first: an output opens low, which is "enabled" on an active-low EN.
    this.#enPin = new this.#Digital({ pin: this.#pins.enable, mode: this.#Digital.Output });
    this.#enPin.write(this.#enLevelOn === 0 ? 1 : 0);
    this.#dirPin = new this.#Digital({ pin: this.#pins.dir, mode: this.#Digital.Output });
    this.#dirPin.write(1);
    this.#openStep();
    if (options.faultPin !== undefined) this.#faultLine = this.#openFaultLine(options.Digital, options.faultPin, 'driver-fault');
    if (options.stallPin !== undefined) this.#stallLine = this.#openFaultLine(options.Digital, options.stallPin, 'stall');
  }

  /** The fault input is active now (false without one): for the app to poll at boot. */
  get faultActive(): boolean {
    return isActive(this.#faultLine);
  }

  /** The stall input is active now (false without one). */
  get stallActive(): boolean {
    return isActive(this.#stallLine);
  }

  get busy(): boolean {
    return this.#phase.kind !== 'idle';
  }

  /** During a PWM run, includes every edge the run can have made so far (as `stop()` would book). */
  get position(): number {
    const phase = this.#phase;
    if (phase.kind !== 'pwm') return this.#position;
    return this.#position + this.#direction * this.#pwmCredit(phase);
  }

  /**
   * Off also stops the segment in flight: a disabled stage lets the motor turn freely, so a
   * pulse sent then would count in `position` without moving the plunger.
   */
  enable(on: boolean): void {
    if (!on) this.stop();
    this.#enabled = on;
    this.#enPin.write(on ? this.#enLevelOn : this.#enLevelOn === 0 ? 1 : 0);
  }

  /**
   * DIR 1 for +1. A change of direction stops the segment in flight first, so every pulse
   * already credited keeps the sign it was emitted with.
   */
  setDirection(direction: Direction): void {
    if (direction !== this.#direction) this.stop();
    this.#direction = direction;
    this.#dirPin.write(direction === 1 ? 1 : 0);
  }

  /** Replaces any segment in flight. Ignored while disabled (nothing could move). */
  run(segment: StepSegment): void {
    const { count, intervalUs } = segment;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`step count ${count}`);
    if (!Number.isFinite(intervalUs) || intervalUs <= 0) throw new RangeError(`step interval ${intervalUs} us`);
    this.stop();
    if (!this.#enabled || count === 0) return;
    this.#count = count;
    this.#emitted = 0;
    this.#clock.restart(this.#ticks.ticks);
    this.#timerPhase.slip = segment.exact === true;
    if (!segment.exact && intervalUs < SLOW_STEP_INTERVAL_US && this.#PWM !== undefined) {
      const hz = Math.round(1_000_000 / intervalUs);
      // The stop is due T whole ms in with (T + PWM_STOP_EARLY_MS) * hz / 1000 <= count: a run
      // stopped a tick late holds ceil of that many rising edges, at most `count`.
      const durationMs = Math.floor((count * 1_000) / hz) - PWM_STOP_EARLY_MS;
      if (durationMs * hz >= 1_000 && this.#startPwm(hz, durationMs)) return;
    }
    this.#startTimerPhase(0, Math.max(intervalUs, MIN_TIMER_STEP_US));
  }

  /** Stops at once. A PWM run is booked with every rising edge its measured time can hold. */
  stop(): void {
    if (this.#handle !== undefined) {
      this.#timer.clear(this.#handle);
      this.#handle = undefined;
    }
    // A run already being stopped (a pin listener calling back) is booked by that stop.
    if (this.#phase.kind === 'pwm' && this.#pwmPhase.pwm !== undefined) this.#stopPwm(this.#pwmPhase);
    this.#finish();
  }

  /** Stops, disables the stage and releases the pins. */
  close(): void {
    this.enable(false);
    this.#closeStep();
    this.#dirPin.close();
    this.#enPin.close();
    this.#faultLine?.input.close();
    this.#stallLine?.input.close();
  }

  /**
   * Only the active edge calls back. A stall (TMC2209 DIAG) may be a pulse shorter than the JS
   * loop's latency, so it is reported even if the level is inactive again. A driver fault
   * (DRV8825 nFAULT) stays active while the fault lasts, so an edge whose level is already
   * inactive again is ignored: the ESP32 pulls GPIO 36 and 39 low for about 80 ns whenever
   * the ADC powers up (errata 3.11), which would otherwise read as a fault at every battery
   * reading.
   */
  #openFaultLine(Digital: DigitalInputConstructor, pin: InputPin, kind: StepperFaultKind): FaultLine {
    const activeLow = pin.activeLow ?? true;
    const line: FaultLine = {
      activeLevel: activeLow ? 0 : 1,
      input: new Digital({
        pin: pin.gpio,
        // No internal pull on GPIO 34-39: the board's resistor holds the line (input-pins.ts).
        mode: inputMode(Digital, pin.gpio, activeLow ? Digital.InputPullUp : Digital.InputPullDown),
        edge: activeLow ? Digital.Falling : Digital.Rising,
        onReadable: () => {
          if (kind === 'driver-fault' && !isActive(line)) return;
          const still = isActive(line) ? 'still active' : 'inactive again';
          const what = kind === 'stall' ? 'stall' : 'driver fault';
          this.onFault?.({ kind, detail: `${what} input GPIO ${pin.gpio} went ${activeLow ? 'low' : 'high'} (${still})` });
        },
      }),
    };
    return line;
  }

  #now(): number {
    return this.#clock.update(this.#ticks.ticks);
  }

  #finish(): void {
    this.#phase = IDLE;
    this.#generation++;
    this.#count = 0;
    this.#emitted = 0;
  }

  /** Does `then` once the segment clock reaches `dueMs`, in steps of at most 2^30 ms. */
  #armAt(dueMs: number, then: number): void {
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, dueMs - this.#now()));
    this.#dueMs = dueMs;
    this.#then = then;
    this.#handle = this.#timer.set(this.#onTimer, delay);
  }

  // Timer stepping: every pulse's time comes from the phase start, so rounding never adds up.

  #startTimerPhase(firstOffsetMs: number, spacingUs: number): void {
    const phase = this.#timerPhase;
    phase.startMs = this.#now() + firstOffsetMs;
    phase.spacingUs = spacingUs;
    phase.k = 0;
    this.#phase = phase;
    this.#generation++;
    this.#stepDue();
  }

  #stepDue(): void {
    const phase = this.#phase;
    if (phase.kind !== 'timer') return;
    const generation = this.#generation;
    const now = this.#now();
    // A late wake emits every pulse already due rather than letting the train slip, unless the
    // segment is exact: then the train moves on by the lateness, one pulse now, the rest spaced.
    if (phase.slip) {
      const due = phase.startMs + offsetMs(phase.k, phase.spacingUs);
      if (due < now) phase.startMs += now - due;
    }
    while (this.#emitted < this.#count && phase.startMs + offsetMs(phase.k, phase.spacingUs) <= now) {
      this.#pulse();
      // Something the pulse woke (on the rig, a listener) stopped or replaced the segment: the
      // phase object may already hold the new segment, so it is left alone.
      if (this.#generation !== generation) return;
      phase.k++;
    }
    if (this.#emitted >= this.#count) this.#finish();
    else this.#armAt(phase.startMs + offsetMs(phase.k, phase.spacingUs), THEN_STEP);
  }

  #pulse(): void {
    // A4988 needs 1 us high and 1 us low; two JS writes take far longer than that.
    const step = this.#stepPin!;
    step.write(1);
    step.write(0);
    this.#position += this.#direction;
    this.#emitted++;
  }

  // PWM stepping: the STEP pin leaves Digital for LEDC and comes back afterwards.

  #startPwm(hz: number, durationMs: number): boolean {
    const PWM = this.#PWM!;
    this.#closeStep();
    let pwm: PwmOutput;
    try {
      this.#pwmOptions.hz = hz;
      pwm = new PWM(this.#pwmOptions);
    } catch {
      // No LEDC channel free or a frequency it cannot make: step from timers instead.
      this.#openStep();
      return false;
    }
    const phase = this.#pwmPhase;
    phase.pwm = pwm;
    phase.hz = hz;
    // Read before the train starts (the PWM opens at duty 0): the run is never timed short.
    phase.startMs = this.#now();
    phase.startUs = this.#microseconds?.() ?? 0;
    pwm.write(2 ** (pwm.resolution - 1)); // 50% duty
    this.#phase = phase;
    this.#generation++;
    this.#armAt(phase.startMs + durationMs, THEN_END_PWM);
    return true;
  }

  #endPwm(): void {
    const phase = this.#phase;
    if (phase.kind !== 'pwm') return;
    const generation = this.#generation;
    this.#stopPwm(phase);
    if (this.#generation !== generation + 1) return; // stopped or replaced from inside the stop
    // What the run fell short by (planned early, and whole ms rarely hold exactly `count`
    // periods) follows at the timer's pace, from 1 ms after the run. A run that ended late
    // holds more than `count`: all of it is booked, and the engine plans from the position.
    if (this.#emitted < this.#count) this.#startTimerPhase(1, MIN_TIMER_STEP_US);
    else this.#finish();
  }

  /**
   * Rising edges a run started at the phase's readings can have made by now: an upper bound,
   * never capped at the segment's count (the comment above the class says why).
   */
  #pwmCredit(phase: PwmPhase): number {
    const edges = this.#microseconds !== undefined ? Math.ceil(((this.#microseconds() - phase.startUs) * phase.hz) / 1_000_000) : Math.ceil(((this.#now() - phase.startMs + 1) * phase.hz) / 1_000);
    return Math.max(0, edges);
  }

  #stopPwm(phase: PwmPhase): void {
    const pwm = phase.pwm!;
    const direction = this.#direction;
    phase.pwm = undefined; // stopping (and the reused phase object lets go of the output)
    pwm.write(0);
    pwm.close();
    // Only now, with the train stopped, is the clock read for the booking.
    const credit = this.#pwmCredit(phase);
    this.#position += credit * direction;
    this.#emitted += credit;
    this.#phase = IDLE;
    this.#generation++;
    // Drive STEP low again at once: a floating STEP input can pick up noise as steps.
    this.#openStep();
  }

  #openStep(): void {
    if (this.#stepPin !== undefined) return;
    this.#stepPin = new this.#Digital(this.#stepOptions);
    this.#stepPin.write(0);
  }

  #closeStep(): void {
    this.#stepPin?.close();
    this.#stepPin = undefined;
  }
}

function isActive(line: FaultLine | undefined): boolean {
  return line !== undefined && line.input.read() === line.activeLevel;
}
