// The firmware headless on Linux under the Moddable SDK (`-p x-cli-lin`, or the `lin`
// simulator): the firmware's one composition root (firmware/app/assemble.ts, reached through
// createVirtualPump, which passes it the virtual rig's mock IO and clock), as `npm start` and
// the XS parity suite run it, with the example mechanics, library and prescription. Virtual
// time: a simulated day runs in seconds, and every event goes to the console in the line the
// ESP32 prints on its debug UART (eventLine). host/lin/build.ts bundles this
// file (with esbuild, as host/xs/bundle.ts does) into build/lin/main.js, the module manifest.json
// names for the Linux targets in place of the device bundle.

import { eventLine } from '../../firmware/app/assemble';
import library from '../../firmware/app/examples/library.example.json';
import mechanics from '../../firmware/app/examples/mechanics.example.json';
import prescription from '../../firmware/app/examples/prescription.example.json';
import { createVirtualPump } from '../sim/virtual-pump';

const HOUR_MS = 3_600_000;
/** How long to run: a day, so the flexible schedule's three rate steps all take effect. */
const RUN_MS = 24 * HOUR_MS;

// XS's console (`trace`) on the Moddable hosts; `print` where only that exists (xsnap).
const g = globalThis as { trace?: (s: string) => void; print?: (s: string) => void };
const say = (line: string): void => (g.trace ? g.trace(`${line}\n`) : g.print?.(line));

const vp = createVirtualPump({ mechanics, library, prescription });
say(`virtual rig: ${prescription.name}, ${RUN_MS / HOUR_MS} h of virtual time`);
// Events collect in vp.events from boot on; each hour's are printed and dropped.
for (let h = 0; h <= RUN_MS / HOUR_MS; h++) {
  for (const e of vp.events.splice(0)) say(eventLine(e));
  if (h < RUN_MS / HOUR_MS) vp.runFor(HOUR_MS);
}
const s = vp.controller.status();
say(`done at ${vp.nowMs} ms: delivered ${s.deliveredNl} nl, plunger at ${vp.rig.position} microsteps, state ${s.state}`);
