// The firmware's heap high-water mark on XS, turn by turn (`xs.heapHighWater`,
// `xs.heapHighWaterChunkBytes` in `npm run bench`; host-tests/xs-heap.test.ts).
//
// The probe is host/xs/steady.ts: the real controller, stepper driver, SF06 driver and
// protocol link on stub IO, nothing of the virtual rig. It runs 10 800 turns (about three
// simulated hours) one at a time, as the ESP32's event loop does (a timer callback, or one
// line from the UART):
// 1 mL/day, a login and signed queries, a clinician bolus fast enough for LEDC segments, a
// pause and resume, a prescription staged and committed, the hourly totals.
//
// Method. xsnap's `currentHeapCount` (slots in use) rises by exactly what a command allocates
// and falls only when XS collects, which it does only when its 256 k-slot heap is full (never
// in this run: checked). So after a turn that followed a collection, the count is the live heap
// before the turn plus everything the turn allocated: no moment inside the turn can have had
// more live slots. The maximum of that over every turn, less the command's own message buffer,
// is an upper bound of the peak, exact when nothing a turn allocates dies inside it. After any
// turn that allocated, a snapshot (`w`) collects and gives the live slots and live chunk
// bytes, so the next turn starts from the live heap again.
//
// What it proves: slots. The firmware never needs more slots at once than `slots` on this
// engine, in this run; the ESP32's XS has the same slot layout (16 bytes each there, 32 on
// this 64-bit host), so the count carries over, and `creation.heap` (manifest.json) must hold
// it with room for garbage between collections. What it does not: the device's allocator and
// collector are not exercised (a fixed heap collects early, and fragmentation of chunks is the
// device's own); the NVS records and the flash log are not in the probe (their stores would be
// the harness's), nor the rig. Chunks are measured only live, after a turn and a collection:
// garbage strings and buffers inside a turn are not seen (xsnap reports no chunk count per
// command), so `chunkBytes` is a lower bound of the chunk peak, in 64-bit sizes, without the
// code (bytecode, in flash on the device) and module constants, which the baseline taken
// after the bundle is evaluated removes.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../firmware/protocol/auth';
import { withCrc } from '../../firmware/protocol/frame';
import type { HostSession } from '../protocol/auth-client';
import { AuthClient, macFor } from '../protocol/auth-client';
import { stagingFrames } from '../protocol/client';
import { exampleKey } from '../protocol/virtual-link';
import { bundleForXs } from './bundle';
import { XsWorker } from './runner';

export interface HeapWater {
  /** Peak slots (upper bound), less the engine's own built-ins. */
  readonly slots: number;
  /** Largest live heap after a turn (a lower bound of the peak), less the built-ins. */
  readonly liveSlots: number;
  /** Largest live chunk bytes after a turn, less the code and constants of the bundle. */
  readonly chunkBytes: number;
  /** What the engine holds with nothing loaded: subtracted from `slots` and `liveSlots`. */
  readonly engine: { readonly slots: number; readonly chunkBytes: number };
  /** The bundle evaluated, before the firmware starts: its chunks are subtracted. */
  readonly bundle: { readonly slots: number; readonly chunkBytes: number };
  /** Turns run, and those that allocated. */
  readonly turns: number;
  readonly allocatingTurns: number;
  /** The turn that set `slots`. */
  readonly worst: string;
  /** The probe's state at the end (it must still be delivering). */
  readonly end: { readonly state: string; readonly deliveredNl: number; readonly alarms: number; readonly nowMs: number };
}

const RATE_NL_PER_DAY = 1_000_000;

/** Lines sent at about these turns (seconds): [role to log in as, or undefined], then commands. */
const SCRIPT: readonly (readonly [number, Role | undefined, readonly (readonly [string, ...(string | number)[]])[]])[] = [
  [300, 'clinician', [['STATUS'], ['RX'], ['ALARMS'], ['INFO'], ['EVENTS', 1]]],
  [600, undefined, [['CBOLUS', 1_000_000, 40_000]]],
  [1_200, undefined, [['PAUSE'], ['RESUME']]],
  [1_800, undefined, [['PROGRAM', 1_200_000]]],
  [2_400, undefined, [['LOG', 1, 10], ['EVENTS', 1], ['HELP']]],
  [3_700, 'patient', [['STATUS'], ['BOLUS'], ['BYE']]],
  [7_300, 'clinician', [['LOWRES', 500_000], ['CLOCK', 43_200_000], ['STATUS']]],
];

/** `turns`: timer turns to run, about one a simulated second (default: about three hours). */
export async function heapHighWater(turnsWanted = 10_800): Promise<HeapWater> {
  const source = await bundleForXs('steady');
  const w = XsWorker.start();
  const snap = join(tmpdir(), `pump-heap-${process.pid}.xss`);
  try {
    const engine = await w.liveHeap(snap);
    await w.evaluate(source);
    const bundle = await w.liveHeap(snap);
    // The command's own cost: its message buffer.
    const buffer = (await w.command('nop')).meter.currentHeapCount - bundle.slots;

    let peak = 0;
    let worst = '';
    let liveMax = 0;
    let chunkMax = 0;
    let sinceCollect = 0;
    let prev = 0;
    let turns = 0;
    let allocating = 0;
    const collect = async (): Promise<void> => {
      const live = await w.liveHeap(snap);
      liveMax = Math.max(liveMax, live.slots);
      chunkMax = Math.max(chunkMax, live.chunkBytes);
      prev = live.slots;
      sinceCollect = 0;
    };
    /** One measured command: the boot, a turn or a line. */
    const measured = async (what: string, command: string | Buffer): Promise<void> => {
      const count = (await w.command(command)).meter.currentHeapCount;
      sinceCollect++;
      if (count > 200_000) throw new Error(`heap count ${count}: XS may have collected inside a turn, the bound would not hold`);
      const bound = count - buffer * sinceCollect;
      if (bound > peak) {
        peak = bound;
        worst = what;
      }
      const allocated = count - prev - buffer > 0;
      prev = count;
      if (allocated) {
        allocating++;
        await collect();
      }
    };

    await collect();
    await measured('boot (the controller built and started)', `start:${RATE_NL_PER_DAY}:16`);
    await measured('the protocol link built', 'link');
    let seq = 0;
    let session: HostSession | undefined;
    const out = async (): Promise<string[]> => {
      const lines = (await w.command('out')).body.toString('latin1').split('\n');
      await collect();
      return lines;
    };
    const line = async (text: string): Promise<string[]> => {
      await measured(`the line "${text.slice(0, 40)}"`, Buffer.from(`<${text}\n`, 'latin1'));
      return out();
    };
    const send = async (command: string, ...args: (string | number)[]): Promise<string[]> => {
      const signed = [++seq, command, ...args].join(' ');
      return line(withCrc(session ? `${signed} #${macFor(session.ks, session.sid, signed)}` : signed));
    };
    const login = async (role: Role): Promise<void> => {
      const nonce = /nonce=([0-9a-f]{32})/.exec((await line('HELLO')).join(' '))?.[1];
      // A fixed host nonce: the run is the same on every machine, to the slot.
      const auth = new AuthClient(role, exampleKey(role), { bytes: (n) => new Uint8Array(n).fill(0xb0 + (seq % 16)) });
      const req = auth.request(nonce ?? '');
      session = undefined;
      const reply = (await send('AUTH', role, req.hostNonceHex, req.proofHex)).join(' ');
      const m = /session=([0-9a-f]{8}) ttl=([0-9]+) proof=([0-9a-f]{32})/.exec(reply);
      session = m ? auth.complete(m[1]!, Number(m[2]), m[3]!) : undefined;
      if (!session) throw new Error(`heap probe: the ${role} login failed: ${reply}`);
    };

    let next = 0;
    for (; turns < turnsWanted; turns++) {
      const step = SCRIPT[next];
      if (step && turns >= step[0]) {
        next++;
        if (step[1]) await login(step[1]);
        for (const [command, ...args] of step[2]) {
          if (command === 'PROGRAM') {
            const rx = { name: 'steady-2', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: args[0] };
            const { crc32, frames } = stagingFrames(rx);
            for (const [c, ...a] of frames) await send(c, ...a);
            await send('SHOW');
            await send('COMMIT', crc32);
          } else {
            await send(command, ...args);
          }
        }
      }
      await measured(`timer turn ${turns}`, 'turn');
    }
    const end = JSON.parse((await w.command('state')).body.toString('utf8')) as HeapWater['end'];
    return {
      slots: peak - engine.slots,
      liveSlots: liveMax - engine.slots,
      chunkBytes: chunkMax - bundle.chunkBytes,
      engine,
      bundle,
      turns,
      allocatingTurns: allocating,
      worst,
      end,
    };
  } finally {
    await w.close();
  }
}
