// sim.speedup: simulated time over wall time for 30 days of continuous delivery plus patient
// boluses (every lockout, up to the daily maximum) and a periodic bolus every 6 hours, with
// the firmware's controller and pulse driver running on the virtual rig.
import library from '../../firmware/app/examples/library.example.json';
import { createVirtualPump } from '../sim/virtual-pump';

const HOUR = 3_600_000;
const DAYS = 30;

export function benchSimSpeed(): Record<string, number> {
  const vp = createVirtualPump({
    mechanics: { syringe: 'bd-60ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
    library,
    reservoirNl: 60_000_000,
    keepEvents: false,
    prescription: {
      name: 'bench-30d',
      drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
      mode: 'continuous',
      rateNlPerDay: 1_000_000,
      periodicBolus: { volumeNl: 20_000, durationMs: 5 * 60_000, everyMs: 6 * HOUR },
      patientBolus: { volumeNl: 25_000, durationMs: 10 * 60_000, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 150_000 },
    },
  });
  let boluses = 0;
  const started = performance.now();
  for (let h = 0; h < DAYS * 24; h += 2) {
    if (vp.controller.patientBolus().ok) boluses++;
    vp.runFor(2 * HOUR);
  }
  const wallMs = performance.now() - started;
  const simMs = DAYS * 24 * HOUR;
  return {
    'sim.speedup': Math.round(simMs / wallMs),
    'sim.wallMs30d': Math.round(wallMs),
    'sim.microsteps30d': vp.rig.position,
    'sim.patientBoluses30d': boluses,
  };
}
