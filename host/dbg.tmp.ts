import { createVirtualPump } from './sim/virtual-pump';
import lib from '../firmware/app/examples/library.example.json';
const MIN=60000, HOUR=3600000;
const vp = createVirtualPump({ mechanics: { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 }, library: lib, reservoirNl: 30_000_000, prescription: {
      name: 'trial', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'trial',
      trial: { doses: [{ atMs: HOUR, volumeNl: 50_000, durationMs: MIN }, { atMs: 5 * HOUR, volumeNl: 70_000, durationMs: MIN }], continuous: { rateNlPerDay: 2_400_000, durationMs: 2 * HOUR } } } });
vp.runFor(24*HOUR);
for (const e of vp.events) if (!['hour-total'].includes(e.type)) console.log(e.at, e.type, e.reason.code, e.reason.text.slice(0,150));
