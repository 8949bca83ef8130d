// Buzzer (a passive piezo on LEDC PWM) and one status LED, playing a pattern per alarm
// priority from one-shot timers: each repeat starts from a repeating timer, which does not
// drift, and the pulses inside it follow from its start.

import type { DigitalConstructor, DigitalOutput, PwmConstructor, PwmOutput } from '../ports/io';
import type { AnnunciatorPort, AnnunciatorPriority } from '../ports/annunciator';
import type { TimerHandle, TimerService } from '../ports/timebase';

/** Pulses of `pulseMs` starting at each of `onsetsMs`, the whole burst again every `repeatMs`. */
export interface BlinkPattern {
  readonly pulseMs: number;
  readonly onsetsMs: readonly number[];
  readonly repeatMs: number;
}

// The buzzer patterns follow the shape of IEC 60601-1-8 (table 3 and 4), not its exact
// figures: high priority is a burst of 10 pulses grouped 3 + 2, pause, 3 + 2, with pulses of
// 75-200 ms about 100 ms apart, repeated every 2.5-15 s; medium 3 pulses of 125-250 ms,
// repeated every 2.5-30 s; low 1 or 2 pulses, repeated after 15 s or more.

export const HIGH_BUZZER: BlinkPattern = {
  pulseMs: 150,
  onsetsMs: [0, 250, 500, 850, 1_100, 1_750, 2_000, 2_250, 2_600, 2_850],
  repeatMs: 5_000,
};
export const MEDIUM_BUZZER: BlinkPattern = { pulseMs: 200, onsetsMs: [0, 400, 800], repeatMs: 8_000 };
export const LOW_BUZZER: BlinkPattern = { pulseMs: 200, onsetsMs: [0, 400], repeatMs: 16_000 };

// The LED after the standard's visual indicators: high flashes at 1.4-2.8 Hz, medium at
// 0.4-0.8 Hz, low is steady; with no alarm a brief heartbeat shows the loop is running.

export const HIGH_LED: BlinkPattern = { pulseMs: 250, onsetsMs: [0], repeatMs: 500 };
export const MEDIUM_LED: BlinkPattern = { pulseMs: 800, onsetsMs: [0], repeatMs: 1_600 };
/** Low priority: steady on. */
export const LOW_LED = 'steady';
export const HEARTBEAT_LED: BlinkPattern = { pulseMs: 50, onsetsMs: [0], repeatMs: 4_000 };

export const BUZZER_PATTERNS: Readonly<Record<AnnunciatorPriority, BlinkPattern | undefined>> = {
  high: HIGH_BUZZER,
  medium: MEDIUM_BUZZER,
  low: LOW_BUZZER,
  none: undefined,
};

export const LED_PATTERNS: Readonly<Record<AnnunciatorPriority, BlinkPattern | typeof LOW_LED>> = {
  high: HIGH_LED,
  medium: MEDIUM_LED,
  low: LOW_LED,
  none: HEARTBEAT_LED,
};

/** Near a typical piezo's resonance, where it is loudest. */
export const BUZZER_HZ = 2_700;
const BUZZER_RESOLUTION_BITS = 10;

/** Plays one pattern on one output; only level changes reach the output. */
class Player {
  readonly #timer: TimerService;
  readonly #write: (on: boolean) => void;
  #on = false;
  #pattern: BlinkPattern | undefined;
  #cycle: TimerHandle | undefined;
  #step: TimerHandle | undefined;

  constructor(timer: TimerService, write: (on: boolean) => void) {
    this.#timer = timer;
    this.#write = write;
  }

  /** Starts `pattern` now (undefined: off; 'steady': on). */
  play(pattern: BlinkPattern | 'steady' | undefined): void {
    this.#clear();
    this.#pattern = undefined;
    if (pattern === 'steady' || pattern === undefined) {
      this.#set(pattern === 'steady');
      return;
    }
    this.#pattern = pattern;
    this.#burst();
    this.#cycle = this.#timer.repeat(() => this.#burst(), pattern.repeatMs);
  }

  #burst(): void {
    if (this.#step !== undefined) this.#timer.clear(this.#step);
    this.#step = undefined;
    this.#pulse(0);
  }

  #pulse(i: number): void {
    const p = this.#pattern!;
    this.#set(true);
    this.#step = this.#timer.set(() => {
      this.#step = undefined;
      this.#set(false);
      if (i + 1 < p.onsetsMs.length) {
        this.#step = this.#timer.set(
          () => {
            this.#step = undefined;
            this.#pulse(i + 1);
          },
          p.onsetsMs[i + 1]! - p.onsetsMs[i]! - p.pulseMs,
        );
      }
    }, p.pulseMs);
  }

  #set(on: boolean): void {
    if (on === this.#on) return;
    this.#on = on;
    this.#write(on);
  }

  #clear(): void {
    if (this.#step !== undefined) this.#timer.clear(this.#step);
    if (this.#cycle !== undefined) this.#timer.clear(this.#cycle);
    this.#step = undefined;
    this.#cycle = undefined;
  }

  stop(): void {
    this.play(undefined);
  }
}

export interface BuzzerLedOptions {
  PWM: PwmConstructor;
  Digital: DigitalConstructor;
  timer: TimerService;
  pins: { buzzer: number; led: number };
  /** Default false: the LED lights on a high level. */
  ledActiveLow?: boolean;
  /** Default BUZZER_HZ. */
  buzzerHz?: number;
}

export class BuzzerLed implements AnnunciatorPort {
  readonly #pwm: PwmOutput;
  readonly #led: DigitalOutput;
  readonly #buzzer: Player;
  readonly #light: Player;
  #priority: AnnunciatorPriority | undefined;
  #silenced = false;

  constructor(options: BuzzerLedOptions) {
    const ledOn: 0 | 1 = options.ledActiveLow ? 0 : 1;
    const ledOff: 0 | 1 = ledOn === 1 ? 0 : 1;
    this.#pwm = new options.PWM({ pin: options.pins.buzzer, hz: options.buzzerHz ?? BUZZER_HZ, resolution: BUZZER_RESOLUTION_BITS });
    this.#pwm.write(0);
    const halfDuty = 2 ** (this.#pwm.resolution - 1); // 50%: the loudest square wave
    this.#led = new options.Digital({ pin: options.pins.led, mode: options.Digital.Output });
    this.#led.write(ledOff);
    this.#buzzer = new Player(options.timer, (on) => this.#pwm.write(on ? halfDuty : 0));
    this.#light = new Player(options.timer, (on) => this.#led.write(on ? ledOn : ledOff));
  }

  get priority(): AnnunciatorPriority | undefined {
    return this.#priority;
  }

  get silenced(): boolean {
    return this.#silenced;
  }

  /** Called as often as the app likes: the same priority again leaves the patterns running. */
  show(priority: AnnunciatorPriority): void {
    if (priority === this.#priority) return;
    this.#priority = priority;
    this.#silenced = false;
    this.#buzzer.play(BUZZER_PATTERNS[priority]);
    this.#light.play(LED_PATTERNS[priority]);
  }

  /** Quiet until show() brings a different priority; the LED keeps its pattern. */
  silence(): void {
    this.#silenced = true;
    this.#buzzer.stop();
  }

  close(): void {
    this.#buzzer.stop();
    this.#light.stop();
    this.#pwm.close();
    this.#led.close();
  }
}
