// The virtual bench rig: a STEP/DIR/EN driver stage and a syringe, wired to the PinBus. It counts
// what reaches the motor (STEP rising edges, from Digital writes or from PWM, while EN is active,
// signed by DIR), moves the plunger, and keeps a time-stamped record of the pulses. The mechanics
// are ideal (a fixed true volume per microstep) unless `mechanics` gives them real errors
// (rig-mechanics.ts): then the plunger goes where that chain puts it. Line physics and sensors
// hook onto `onPulses`. No Node.

import type { Direction } from '../../firmware/ports/stepper';
import type { MsSource, PinBus, PinKind } from './io-mocks';
import type { RigMechanicsOptions } from './rig-mechanics';
import { MechanicsTrain } from './rig-mechanics';

export interface RigPins {
  readonly step: number;
  readonly dir: number;
  readonly enable: number;
}

export interface VirtualRigOptions {
  readonly bus: PinBus;
  readonly clock: MsSource;
  readonly pins: RigPins;
  /** EN active low (A4988, DRV8825, TMC2209); default true. */
  readonly enableActiveLow?: boolean;
  /**
   * The true volume of one microstep in femtolitres (may be fractional): the real mechanics. With
   * `mechanics`, the nominal volume the errors act on (the geometry's, not a calibration).
   */
  readonly flPerMicrostep: number;
  /** Real mechanics errors (default none: every microstep moves exactly `flPerMicrostep`). */
  readonly mechanics?: RigMechanicsOptions;
  /** Drug in the syringe at the start. */
  readonly reservoirNl: number;
  /** Pulse records kept (the oldest are dropped beyond it); default 100,000. */
  readonly pulseLogLimit?: number;
}

/** Pulses the motor took in one go: one STEP edge, or the rising edges of a stretch of PWM. */
export interface PulseBatch {
  readonly source: 'step' | 'pwm';
  /** When they were counted (for PWM, the end of the stretch). */
  readonly atMs: number;
  readonly count: number;
  readonly direction: Direction;
}

/** The pulse log: STEP edges of one ms merged, PWM stretches kept whole with their timing. */
export interface PulseRecord extends PulseBatch {
  /** 0 for STEP edges. */
  readonly hz: number;
  /** PWM: when the run started (its duty went above 0), and its pulses before this record. */
  readonly runStartMs: number;
  readonly firstIndex: number;
}

interface PwmRun {
  readonly hz: number;
  readonly startMs: number;
  /** Rising edges of the run already counted (or ignored while disabled). */
  counted: number;
}

const FL_PER_NL = 1_000_000;

export class VirtualRig {
  readonly pins: RigPins;
  readonly flPerMicrostep: number;
  readonly #clock: MsSource;
  readonly #enActiveLevel: 0 | 1;
  /** Drug put in at the last fill, the plunger position then, and what was pushed before. */
  #fillFl: number;
  #fillPosition = 0;
  #pushedBeforeFillFl = 0;
  /** The first plunger position at which the syringe is empty (ideal mechanics). */
  #emptyAt: number;
  /** The drive with real errors, where given; and the stopper's volume at the last fill. */
  readonly #mech: MechanicsTrain | undefined;
  #fillStopperFl = 0;
  /** When the motor last took a pulse (the pusher's speed for stick-slip). */
  #lastPulseMs = -Infinity;
  readonly #logLimit: number;
  readonly #log: PulseRecord[] = [];
  readonly #listeners: ((batch: PulseBatch) => void)[] = [];
  readonly #unsubscribe: () => void;

  // What the wires say now. Until something drives EN the stage counts as disabled.
  #stepLevel: 0 | 1 = 0;
  #dirLevel: 0 | 1 = 0;
  #enLevel: 0 | 1;
  #pwm: PwmRun | undefined;

  #position = 0;
  #pulsesCounted = 0;
  #stepsPastEmpty = 0;
  #pulsesWhileDisabled = 0;
  #linePulses = 0;
  /** Armed by a read of stepLinePulses: the next pulse calls onLinePulse (a PCNT watch point). */
  #lineArmed = false;
  /** Called once on the first STEP pulse after each read of `stepLinePulses`. */
  onLinePulse: (() => void) | undefined = undefined;
  #dropped = 0;

  constructor(options: VirtualRigOptions) {
    if (!(options.flPerMicrostep > 0)) throw new RangeError(`flPerMicrostep ${options.flPerMicrostep}`);
    if (!(options.reservoirNl >= 0)) throw new RangeError(`reservoirNl ${options.reservoirNl}`);
    this.pins = { ...options.pins };
    this.flPerMicrostep = options.flPerMicrostep;
    this.#clock = options.clock;
    this.#enActiveLevel = options.enableActiveLow === false ? 1 : 0;
    this.#enLevel = this.#enActiveLevel === 0 ? 1 : 0;
    this.#fillFl = options.reservoirNl * FL_PER_NL;
    this.#emptyAt = Math.ceil(this.#fillFl / this.flPerMicrostep);
    this.#mech = options.mechanics ? new MechanicsTrain(options.mechanics, options.flPerMicrostep) : undefined;
    this.#logLimit = options.pulseLogLimit ?? 100_000;
    this.#unsubscribe = options.bus.subscribe((pin, kind, value, hz, atMs) => this.#onPin(pin, kind, value, hz, atMs));
  }

  /** Stops listening to the bus. */
  dispose(): void {
    this.#sync();
    this.#unsubscribe();
  }

  /** Listens to every batch of pulses the motor takes (after the plunger has moved). */
  onPulses(listener: (batch: PulseBatch) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  get enabled(): boolean {
    return this.#enLevel === this.#enActiveLevel;
  }

  get direction(): Direction {
    return this.#dirLevel === 1 ? 1 : -1;
  }

  /** Net pulses the motor took while enabled, signed (those past empty included). */
  get pulsesCounted(): number {
    this.#sync();
    return this.#pulsesCounted;
  }

  /** Plunger travel in microsteps from the start (+ pushes); with `mechanics`, the rotor's. */
  get positionMicrosteps(): number {
    this.#sync();
    return this.#position;
  }

  /** Same as positionMicrosteps. */
  get position(): number {
    return this.positionMicrosteps;
  }

  /**
   * Every STEP pulse on the wire, either direction, driver enabled or not: what a hardware
   * counter on the STEP line reads. The dose guard's independent count (it never asks the
   * driver); a PWM train in progress is counted up to now.
   */
  get stepLinePulses(): number {
    this.#sync();
    this.#lineArmed = true;
    return this.#linePulses;
  }

  /** The frequency of the PWM train on STEP now (0: none). */
  get pulsingHz(): number {
    return this.#pwm ? this.#pwm.hz : 0;
  }

  /** A PWM edge after the counter was read: the watch point fires if still armed and pulsing. */
  lineEdge(): void {
    if (this.#pwm) this.#linePulse();
  }

  #linePulse(): void {
    if (!this.#lineArmed) return;
    this.#lineArmed = false;
    this.onLinePulse?.();
  }

  /** The drive with real errors (lost steps, slips, where screw, pusher and stopper stand), if any. */
  get mechanics(): MechanicsTrain | undefined {
    this.#sync();
    return this.#mech;
  }

  /** Forward pulses taken with the syringe already empty: the plunger did not move. */
  get stepsPastEmpty(): number {
    this.#sync();
    return this.#stepsPastEmpty;
  }

  /** Pulses that reached the STEP pin while EN was inactive (the motor was free). */
  get pulsesWhileDisabled(): number {
    this.#sync();
    return this.#pulsesWhileDisabled;
  }

  /**
   * The reservoir is refilled to `reservoirNl` where the plunger now stands (as an implant's
   * reservoir is topped up through its port): delivery can go on from here.
   */
  refill(reservoirNl: number): void {
    if (!(reservoirNl >= 0)) throw new RangeError(`reservoirNl ${reservoirNl}`);
    this.#pushedBeforeFillFl = this.pushedFl;
    this.#fillPosition = this.#position;
    this.#fillFl = reservoirNl * FL_PER_NL;
    this.#emptyAt = this.#fillPosition + Math.ceil(this.#fillFl / this.flPerMicrostep);
    if (this.#mech) this.#fillStopperFl = this.#mech.stopperFl;
  }

  /** Volume pushed since this fill (negative if drawn back past where it stood). */
  #pushedThisFillFl(): number {
    // With real mechanics, whole femtolitres from the stopper's state, so the sum is exact.
    if (this.#mech) return Math.min(this.#mech.stopperFl - this.#fillStopperFl, this.#fillFl);
    return Math.min((this.#position - this.#fillPosition) * this.flPerMicrostep, this.#fillFl);
  }

  /**
   * Volume pushed out of the syringe (negative if drawn back past the start): the truth the line
   * receives and a bench compares with what the firmware counted.
   */
  get pushedFl(): number {
    this.#sync();
    return this.#pushedBeforeFillFl + this.#pushedThisFillFl();
  }

  get pushedNl(): number {
    return this.pushedFl / FL_PER_NL;
  }

  /** Drug left in the syringe; never below 0. */
  get reservoirFl(): number {
    this.#sync();
    return Math.max(0, this.#fillFl - this.#pushedThisFillFl());
  }

  get reservoirNl(): number {
    return this.reservoirFl / FL_PER_NL;
  }

  /** The newest pulse records (at most `pulseLogLimit`). */
  get pulseLog(): readonly PulseRecord[] {
    this.#sync();
    return this.#log.slice(-this.#logLimit);
  }

  /** Records dropped from the front of the log. */
  get droppedRecords(): number {
    return this.#dropped + Math.max(0, this.#log.length - this.#logLimit);
  }

  /**
   * The ms of every pulse in the log, in order. A PWM pulse counts at the ms of its rising
   * edge: pulse j of a run (1-based) at start + floor((j - 1) * 1000 / hz).
   */
  get pulseTimes(): number[] {
    const times: number[] = [];
    for (const r of this.pulseLog) {
      if (r.source === 'step') {
        for (let i = 0; i < r.count; i++) times.push(r.atMs);
      } else {
        for (let j = r.firstIndex + 1; j <= r.firstIndex + r.count; j++) times.push(r.runStartMs + Math.floor(((j - 1) * 1_000) / r.hz));
      }
    }
    return times;
  }

  #onPin(pin: number, kind: PinKind, value: number, hz: number, atMs: number): void {
    const { step, dir, enable } = this.pins;
    if (pin === step) {
      if (kind === 'pwm') this.#onStepPwm(value, hz, atMs);
      else {
        this.#endPwm(atMs);
        const level = value ? 1 : 0;
        if (level === 1 && this.#stepLevel === 0) this.#take('step', 1, atMs, 0, atMs, 0);
        this.#stepLevel = level;
      }
    } else if (kind === 'digital' && (pin === dir || pin === enable)) {
      // Periods of a PWM run before the change belong to the old direction or power state.
      this.#splitPwm(atMs);
      const level = value ? 1 : 0;
      if (pin === dir) this.#dirLevel = level;
      else this.#enLevel = level;
    }
  }

  #onStepPwm(duty: number, hz: number, atMs: number): void {
    // Duty 0 holds the pin low and full scale holds it high: neither makes pulses.
    const pulsing = duty > 0 && duty < 1 && hz > 0;
    if (this.#pwm && (!pulsing || this.#pwm.hz !== hz)) this.#endPwm(atMs);
    if (pulsing && !this.#pwm) {
      this.#pwm = { hz, startMs: atMs, counted: 0 };
      this.#linePulse(); // LEDC's first rising edge is at the start of the run
    }
    // The pin under PWM ends low once the run stops (duty 0 or close).
    this.#stepLevel = duty >= 1 ? 1 : 0;
  }

  /**
   * Counts the rising edges of the PWM run before `atMs` not counted yet. LEDC starts each
   * period high (hpoint 0), so the run's first edge is at its start and edge k at
   * start + k / hz: a run on over [start, atMs) has made ceil((atMs - start) * hz) of them. A
   * STEP input steps on the rising edge (A4988, DRV8825, TMC2209), so a period cut short
   * still moved the motor. (Counting whole periods instead, as this rig once did, agreed with
   * a driver that credited whole periods and hid one step per run from both.) The driver's
   * `write(0)` and `close()` come at the same virtual instant, and the SDK's close is
   * `ledc_stop` (modules/io/pwm/esp32/_pwm.c): the train ends at that instant, so a late stop
   * keeps emitting until the late callback really runs.
   */
  #splitPwm(atMs: number): void {
    const run = this.#pwm;
    if (!run) return;
    const periods = Math.ceil(((atMs - run.startMs) * run.hz) / 1_000);
    const fresh = periods - run.counted;
    if (fresh <= 0) return;
    const firstIndex = run.counted;
    run.counted = periods;
    this.#take('pwm', fresh, atMs, run.hz, run.startMs, firstIndex);
  }

  #endPwm(atMs: number): void {
    this.#splitPwm(atMs);
    this.#pwm = undefined;
  }

  #sync(): void {
    this.#splitPwm(this.#clock.nowMs);
  }

  /** The one place the motor moves. */
  #take(source: 'step' | 'pwm', count: number, atMs: number, hz: number, runStartMs: number, firstIndex: number): void {
    this.#linePulses += count;
    if (count > 0) this.#linePulse();
    if (!this.enabled) {
      this.#pulsesWhileDisabled += count;
      return;
    }
    const direction = this.direction;
    this.#pulsesCounted += direction * count;
    if (this.#mech) this.#moveWithErrors(this.#mech, source, count, atMs, hz, direction);
    else if (direction === 1) {
      const moved = Math.min(count, Math.max(0, this.#emptyAt - this.#position));
      this.#position += moved;
      this.#stepsPastEmpty += count - moved;
    } else {
      this.#position -= count;
    }
    this.#record({ source, atMs, count, direction, hz, runStartMs, firstIndex });
    const batch: PulseBatch = { source, atMs, count, direction };
    for (const l of this.#listeners.slice()) l(batch);
  }

  /**
   * The plunger through the real drive. The pusher's speed: a PWM train's frequency, or one
   * microstep over the time since the last pulse (none within the same ms: fast).
   */
  #moveWithErrors(mech: MechanicsTrain, source: 'step' | 'pwm', count: number, atMs: number, hz: number, direction: Direction): void {
    const perS = source === 'pwm' ? hz : 1_000 / Math.max(1, atMs - this.#lastPulseMs);
    this.#lastPulseMs = atMs;
    const r = mech.pulses(direction, count, perS * mech.travelUm, this.#fillStopperFl + this.#fillFl);
    this.#position += r.moved;
    this.#stepsPastEmpty += r.blocked;
  }

  #record(r: PulseRecord): void {
    const log = this.#log;
    const last = log[log.length - 1];
    if (r.source === 'step' && last && last.source === 'step' && last.atMs === r.atMs && last.direction === r.direction) {
      log[log.length - 1] = { ...last, count: last.count + r.count };
      return;
    }
    log.push(r);
    if (log.length > 2 * this.#logLimit) {
      const drop = log.length - this.#logLimit;
      log.splice(0, drop);
      this.#dropped += drop;
    }
  }
}
