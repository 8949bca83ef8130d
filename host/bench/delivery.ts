// delivery.maxErrorMicrosteps: the worst difference, in microsteps, between the volume
// prescribed for 24 hours and what the virtual rig counted, over 0.048, 1 and 24 mL/day.
import library from '../../firmware/app/examples/library.example.json';
import { readMechanics } from '../../firmware/core/mechanics';
import { createVirtualPump } from '../sim/virtual-pump';

const DAY = 86_400_000;
const RIG = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

export function benchDeliveryAccuracy(): Record<string, number> {
  const mechanics = readMechanics(RIG);
  if (!mechanics.ok) throw new Error(mechanics.error.message);
  const fl = mechanics.value.flPerMicrostep;
  const figures: Record<string, number> = {};
  let worst = 0;
  for (const mlPerDay of [0.048, 1, 24]) {
    const rate = Math.round(mlPerDay * 1_000_000);
    const vp = createVirtualPump({
      mechanics: RIG,
      library,
      reservoirNl: 30_000_000,
      keepEvents: false,
      prescription: { name: 'bench', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: rate },
    });
    vp.runFor(DAY);
    const error = Math.abs(vp.rig.position - (rate * 1e6) / fl);
    figures[`delivery.errorMicrosteps.${String(mlPerDay).replace('.', '_')}mlday`] = round3(error);
    worst = Math.max(worst, error);
  }
  figures['delivery.maxErrorMicrosteps'] = round3(worst);
  return figures;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
