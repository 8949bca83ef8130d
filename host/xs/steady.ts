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

import type { Controller } from '../../firmware/app/controller';
import { nobleDigest } from '../protocol/digest-noble';
import { ProtocolLink } from '../../firmware/protocol/link';
import { exampleAuth, opened, PoolClock, QuietPin, QuietPwm, quietController } from './stub-io';

const g = globalThis as unknown as { gc(): void; handleCommand: (m: ArrayBuffer) => ArrayBuffer };

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
  link = new ProtocolLink({ controller, auth: exampleAuth(nobleDigest, 0), firmwareVersion: 'steady', write: (line) => void written.push(line) });
}

function start(rateNlPerDay: number, microsteps: number): void {
  if (controller) throw new Error('steady: already started');
  controller = quietController(clock, rateNlPerDay, microsteps, 'steady');
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
  const state = {
    nowMs: clock.nowMs,
    deliveredNl: s.deliveredNl,
    state: s.state,
    alarms: controller.pump.alarms.list().length,
    timerSets: clock.sets,
    timerFires: clock.fired,
    digitalOpens: opened.digital,
    pwmOpens: opened.pwm,
  };
  return new TextEncoder().encode(JSON.stringify(state)).buffer as ArrayBuffer;
};
