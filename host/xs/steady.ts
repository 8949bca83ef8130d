// The steady-state heap probe, evaluated inside XS (bundled by bundle.ts): the firmware
// alone - the real controller and the real PulseStepper driver - delivering at a set rate with a
// flow sensor read every second and a battery every minute, on a virtual clock. The IO is
// stubbed with objects that keep nothing (a Digital or PWM that ignores writes, a flow sensor
// that returns one of two prepared samples, a battery at a fixed voltage), and the clock keeps
// its timer records in a pool, so whatever the heap does is the firmware's own: the virtual rig
// keeps a record of every pulse for its tests, and host/sim's VirtualClock makes a record per
// timer, either of which would hide it. host-tests/xs-heap.test.ts drives the probe:
//   "start:<rateNlPerDay>:<microsteps>"  builds and starts the controller (once per worker);
//   "gc"        collects garbage (xsnap's global gc()); the reply's currentHeapCount is then
//               the live heap;
//   "run:<ms>"  runs that much virtual time; the reply's currentHeapCount less the one before
//               is what the command allocated (XS collects only when its heap is full), and
//               "run:1" measures the command's own constant cost (the message buffer);
//   "state"     the pump's state and the probe's counters, as JSON (allocates: read it outside
//               a measured window).
// For the heap high-water (host/xs/heap-water.ts), turn by turn as the device's event loop
// runs them:
//   "turn"      fires the next timer due, and only it (one callback: one turn on the ESP32);
//   "nop"       nothing: the reply's count less the one before is the command's own cost;
//   "link"      puts the protocol link on the controller (ProtocolLink, Auth with the example
//               keys, as firmware/app/main.ts wires them, without storage);
//   "<text"     the bytes of one line from the UART (one onReadable turn); the replies are
//               kept for "out" (reading them allocates, so outside a measured turn).
// Events go to no subscriber unless the link is on (it keeps the last 32 event lines, as on
// the device): the loop alone is measured, not a history.

import { createController, type Controller } from '../../firmware/app/controller';
import library from '../../firmware/app/examples/library.example.json';
import { TICK_MODULUS } from '../../firmware/core/ticks';
import { PulseStepper } from '../../firmware/drivers/pulse-stepper';
import { sensirionCrc8, Sf06Flow } from '../../firmware/drivers/sf06-lf';
import { type TickSource, type TimerHandle, type TimerService } from '../../firmware/ports/timebase';
import { Auth, MemoryKeyStore, ROLES } from '../../firmware/protocol/auth';
import { nobleDigest } from '../protocol/digest-noble';
import { ProtocolLink } from '../../firmware/protocol/link';

const g = globalThis as unknown as { gc(): void; handleCommand: (m: ArrayBuffer) => ArrayBuffer };

const STALL_PIN = 5;

/** IO objects opened so far (each open is a host object on the device). */
const opened = { digital: 0, pwm: 0 };

/** A pin that remembers nothing: enough for the driver's outputs and its fault inputs. */
class QuietPin {
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
class QuietPwm extends QuietPin {
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
class PoolClock implements TickSource, TimerService {
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
    if (t === undefined) this.#timers.push((t = new ProbeTimer()));
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
function quietFlow(rateNlPerDay: number): Sf06Flow {
  const raw = Math.round(rateNlPerDay / 1_440 / 100);
  const frames = [raw - 1, raw + 1].map((flow) => {
    const f = Uint8Array.of(flow >> 8 & 0xff, flow & 0xff, 0, 4_600 >> 8, 4_600 & 0xff, 0, 0, 0, 0); // 23 deg C, no flags
    for (const at of [0, 3, 6]) f[at + 2] = sensirionCrc8(f, at, at + 2);
    return f;
  });
  let i = 0;
  class QuietI2c {
    read(into: number | Uint8Array): ArrayBuffer | void {
      if (typeof into === 'number') throw new Error('steady: the SF06 driver should read into its own buffer');
      into.set(frames[(i ^= 1)]!);
    }
    write(): void {}
    close(): void {}
  }
  return new Sf06Flow({ I2C: QuietI2c as never, data: 21, clock: 22, model: 'SLF3S-0600F' });
}

const STEP_OPTIONS = { pin: 1, mode: QuietPin.Output };
const PWM_OPTIONS = { pin: 1, hz: 1_000, resolution: 10 };

const clock = new PoolClock();
let controller: Controller | undefined;
let link: ProtocolLink | undefined;
/** What the link wrote since the last "out". */
const written: string[] = [];
const EMPTY = new ArrayBuffer(0);

/** The link as firmware/app/main.ts wires it, with the example keys (never a device's). */
function startLink(): void {
  if (!controller || link) throw new Error('steady: link needs a started controller, once');
  const keys = new MemoryKeyStore();
  // host/protocol/virtual-link.ts exampleKey: the role's byte repeated.
  ROLES.forEach((role, i) => keys.set(role, new Uint8Array(32).fill(0x11 * (i + 1))));
  let counter = 0;
  const entropy = { bytes: (n: number): Uint8Array => Uint8Array.from({ length: n }, () => (counter = (counter * 1_103_515_245 + 12_345) >>> 0) >>> 24) };
  link = new ProtocolLink({ controller, auth: new Auth({ entropy, digest: nobleDigest, keys }), firmwareVersion: 'steady', write: (line) => void written.push(line) });
}

function start(rateNlPerDay: number, microsteps: number): void {
  if (controller) throw new Error('steady: already started');
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
      prescription: { name: 'steady', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay },
    },
  );
  if (!created.ok) throw new Error(`steady: the controller refused its configuration: E${created.error.code} ${created.error.message}`);
  controller = created.value;
  controller.start();
}

/** Parses the decimal number after `prefix` from the message bytes (no string is built). */
function numberAt(bytes: Uint8Array, from: number): number {
  let n = 0;
  for (let i = from; i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39; i++) n = n * 10 + bytes[i]! - 0x30;
  return n;
}

g.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(message);
  // "run:" is read from the bytes so that its cost is the same for every run length.
  if (bytes[0] === 0x72 /* r */ && bytes[1] === 0x75 /* u */) {
    clock.runFor(numberAt(bytes, 4));
    return EMPTY;
  }
  // "turn" and "nop" are told apart by their first byte, as "run:", so both cost the same.
  if (bytes[0] === 0x74 /* t */ && bytes[1] === 0x75 /* u */) {
    clock.turn();
    return EMPTY;
  }
  if (bytes[0] === 0x6e /* n */ && bytes[1] === 0x6f /* o */) return EMPTY;
  if (bytes[0] === 0x3c /* < */) {
    // "<" then the line's bytes: the UART hands the driver bytes, so does this.
    if (!link) throw new Error('steady: no link');
    link.receive(bytes.subarray(1));
    return EMPTY;
  }
  const command = new TextDecoder().decode(bytes);
  if (command === 'gc') {
    g.gc();
    return EMPTY;
  }
  if (command.startsWith('start:')) {
    const [rate, microsteps] = command.slice(6).split(':').map(Number);
    start(rate!, microsteps!);
    return EMPTY;
  }
  if (command === 'link') {
    startLink();
    return EMPTY;
  }
  if (command === 'out') {
    const text = written.join('\n');
    written.length = 0;
    return new TextEncoder().encode(text).buffer as ArrayBuffer;
  }
  if (command.startsWith('open:')) {
    // What the stub IO itself costs: one Digital and one PWM opened (and dropped) per count,
    // with options made beforehand, as the driver does around each fast segment.
    for (let i = Number(command.slice(5)); i > 0; i--) {
      new QuietPin(STEP_OPTIONS);
      new QuietPwm(PWM_OPTIONS);
    }
    return EMPTY;
  }
  if (command !== 'state') throw new Error(`steady: unknown command ${command}`);
  if (!controller) throw new Error('steady: not started');
  const s = controller.status();
  const state = { nowMs: clock.nowMs, deliveredNl: s.deliveredNl, state: s.state, alarms: controller.pump.alarms.list().length, timerSets: clock.sets, timerFires: clock.fired, digitalOpens: opened.digital, pwmOpens: opened.pwm };
  return new TextEncoder().encode(JSON.stringify(state)).buffer as ArrayBuffer;
};
