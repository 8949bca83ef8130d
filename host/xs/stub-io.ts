// Stub IO for the firmware alone, shared by the XS heap probe (host/xs/steady.ts) and the
// x-cli-lin instruction counts (host/lin/bench-device.ts): pins that ignore writes, a flow
// sensor answering with one of two prepared frames, a virtual clock with Moddable's Timer
// semantics whose records are pooled, and the controller and link wired on them as
// firmware/app/main.ts wires the device's. They keep nothing, so what a run costs is the
// firmware's work; the clock's own bookkeeping (a scan of a handful of records per fire) is
// counted too, where the device runs the SDK's timer service in C.

import type { Controller } from '../../firmware/app/controller';
import { createController } from '../../firmware/app/controller';
import library from '../../firmware/app/examples/library.example.json';
import { TICK_MODULUS } from '../../firmware/core/ticks';
import { PulseStepper } from '../../firmware/drivers/pulse-stepper';
import type { Digest } from '../../firmware/ports/digest';
import { Auth, MemoryKeyStore, ROLES } from '../../firmware/protocol/auth';
import { sensirionCrc8, Sf06Flow } from '../../firmware/drivers/sf06-lf';
import type { TickSource, TimerHandle, TimerService } from '../../firmware/ports/timebase';

export const STALL_PIN = 5;

/** IO objects opened so far (each open is a host object on the device). */
export const opened = { digital: 0, pwm: 0 };

/** A pin that remembers nothing: enough for the driver's outputs and its fault inputs. */
export class QuietPin {
  static readonly Output = 'output';
  static readonly Input = 'input';
  static readonly InputPullUp = 'input-pull-up';
  static readonly InputPullDown = 'input-pull-down';
  static readonly Rising = 1;
  static readonly Falling = 2;
  readonly hz = 0;
  readonly resolution = 10;
  readonly #level: 0 | 1;
  constructor(options: { pin: number }) {
    // Each input idles inactive: the active-high stall line low, everything else high.
    this.#level = options.pin === STALL_PIN ? 0 : 1;
    opened.digital++;
  }
  read(): 0 | 1 {
    return this.#level;
  }
  write(_value: number): void {}
  close(): void {}
}

/** LEDC for the driver's fast segments: counts its opens apart from the Digital ones. */
export class QuietPwm extends QuietPin {
  constructor(options: { pin: number }) {
    super(options);
    opened.digital--;
    opened.pwm++;
  }
}

class ProbeTimer {
  callback: (timer: TimerHandle) => void = () => {};
  dueMs = 0;
  /** 0 for a one-shot. */
  repeatMs = 0;
  seq = 0;
  live = false;
}

/**
 * Moddable's Timer semantics (as host/sim/virtual-clock.ts: due time, then creation order;
 * repeats do not drift) with the records pooled: a one-shot that fired or a cleared timer is
 * reused by the next `set`. On the device each Timer.set makes a host object; `sets` counts them.
 */
export class PoolClock implements TickSource, TimerService {
  #nowMs = 0;
  #seq = 0;
  #firing: ProbeTimer | undefined;
  readonly #timers: ProbeTimer[] = [];
  sets = 0;
  fired = 0;

  get ticks(): number {
    return this.#nowMs % TICK_MODULUS;
  }

  get nowMs(): number {
    return this.#nowMs;
  }

  readonly microseconds = (): number => this.#nowMs * 1_000;

  set(callback: (timer: TimerHandle) => void, interval?: number, repeat?: number): TimerHandle {
    let t: ProbeTimer | undefined;
    for (let i = 0; i < this.#timers.length && t === undefined; i++) if (!this.#timers[i]!.live && this.#timers[i] !== this.#firing) t = this.#timers[i];
    if (t === undefined) {
      t = new ProbeTimer();
      this.#timers.push(t);
    }
    t.callback = callback;
    t.dueMs = this.#nowMs + Math.max(0, Math.trunc(interval ?? 0));
    t.repeatMs = repeat === undefined || repeat === 0 ? 0 : Math.max(1, Math.trunc(repeat));
    t.seq = this.#seq++;
    t.live = true;
    this.sets++;
    return t;
  }

  repeat(callback: (timer: TimerHandle) => void, interval: number): TimerHandle {
    return this.set(callback, interval, interval);
  }

  clear(timer: TimerHandle | undefined): void {
    if (timer === undefined) return;
    const t = timer as ProbeTimer;
    if (t === this.#firing && t.repeatMs === 0) return; // a one-shot clearing itself
    if (!t.live) throw new Error('clear: invalid timer (already fired or cleared)');
    t.live = false;
  }

  /** Fires the earliest timer due (one turn); false when none is set. Time moves to it. */
  turn(): boolean {
    let next: ProbeTimer | undefined;
    for (let i = 0; i < this.#timers.length; i++) {
      const t = this.#timers[i]!;
      if (t.live && (next === undefined || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq))) next = t;
    }
    if (next === undefined) return false;
    this.#nowMs = Math.max(this.#nowMs, next.dueMs);
    this.fired++;
    if (next.repeatMs > 0) next.dueMs += next.repeatMs;
    else next.live = false;
    this.#firing = next;
    next.callback(next);
    this.#firing = undefined;
    return true;
  }

  runFor(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      let next: ProbeTimer | undefined;
      for (let i = 0; i < this.#timers.length; i++) {
        const t = this.#timers[i]!;
        if (!t.live || t.dueMs > target) continue;
        if (next === undefined || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      this.#nowMs = next.dueMs;
      this.fired++;
      if (next.repeatMs > 0) next.dueMs += next.repeatMs;
      else next.live = false;
      this.#firing = next;
      next.callback(next);
      this.#firing = undefined;
    }
    this.#nowMs = target;
  }
}

/**
 * The real SF06-LF driver (SLF3S-0600F: 100 nl/min a count) on an I2C stub that hands it one of
 * two prepared frames agreeing with the pump, alternating one count either side so the flow
 * never looks stuck. The stub reads into the driver's buffer and keeps nothing, so what the
 * heap counts is the driver's and the core's own allocation per sample.
 */
export function quietFlow(rateNlPerDay: number): Sf06Flow {
  const raw = Math.round(rateNlPerDay / 1_440 / 100);
  const frames = [raw - 1, raw + 1].map((flow) => {
    const f = Uint8Array.of((flow >> 8) & 0xff, flow & 0xff, 0, 4_600 >> 8, 4_600 & 0xff, 0, 0, 0, 0); // 23 deg C, no flags
    for (const at of [0, 3, 6]) f[at + 2] = sensirionCrc8(f, at, at + 2);
    return f;
  });
  let i = 0;
  class QuietI2c {
    read(into: number | Uint8Array): ArrayBuffer | undefined {
      if (typeof into === 'number') throw new Error('steady: the SF06 driver should read into its own buffer');
      i ^= 1;
      into.set(frames[i]!);
      return undefined;
    }
    write(): void {}
    close(): void {}
  }
  return new Sf06Flow({ I2C: QuietI2c as never, data: 21, clock: 22, model: 'SLF3S-0600F' });
}

/**
 * The controller as the device builds it, on these stubs: PulseStepper on quiet pins, the SF06-LF
 * on quietFlow, a full battery, a bd-30ml running `rateNlPerDay` of water. Not started.
 */
export function quietController(clock: PoolClock, rateNlPerDay: number, microsteps: number, name: string): Controller {
  const stepper = new PulseStepper({
    Digital: QuietPin as never,
    PWM: QuietPwm as never,
    timer: clock,
    ticks: clock,
    microseconds: clock.microseconds,
    pins: { step: 1, dir: 2, enable: 3 },
    faultPin: { gpio: 4, activeLow: true },
    stallPin: { gpio: STALL_PIN, activeLow: false },
  });
  const created = createController(
    { stepper, ticks: clock, timer: clock, flow: quietFlow(rateNlPerDay), battery: { readMillivolts: () => 3_600 } },
    {
      mechanics: { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps },
      library,
      reservoirNl: 30_000_000,
      prescription: { name, drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay },
    },
  );
  if (!created.ok) throw new Error(`${name}: the controller refused its configuration: E${created.error.code} ${created.error.message}`);
  return created.value;
}

/**
 * The link's Auth with the example keys of host/protocol/virtual-link.ts (the role's byte
 * repeated: never a device's) and a generator seeded with `seed`, so every run is the same to
 * the instruction (the device's source is firmware/drivers/entropy-device.ts).
 */
export function exampleAuth(digest: Digest, seed: number): Auth {
  const keys = new MemoryKeyStore();
  for (const [i, role] of ROLES.entries()) keys.set(role, new Uint8Array(32).fill(0x11 * (i + 1)));
  let state = seed;
  const entropy = {
    bytes: (n: number): Uint8Array =>
      Uint8Array.from({ length: n }, () => {
        state = (state * 1_103_515_245 + 12_345) >>> 0;
        return state >>> 24;
      }),
  };
  return new Auth({ entropy, digest, keys });
}
