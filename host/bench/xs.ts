// XS figures from the real engine (xsnap's deterministic meter, the same on every run):
// compute per simulated hour of delivery (24 h at 1 mL/day on the virtual rig, firmware and
// rig together), compute per protocol command (50 signed commands after a login, less the
// login alone), and two heap figures that answer different questions:
//   xs.peakHeap       the largest heap count at the END of a scenario (firmware, virtual rig,
//                     event history and xsnap's built-ins, garbage included): a figure kept
//                     since issue 6 to show growth, not a peak and not the device's need;
//   xs.heapHighWater  the firmware alone (host/xs/steady.ts: no rig), turn by turn over about
//                     three simulated hours with a login, signed commands, an LEDC bolus and a
//                     commit: the most slots live at any moment (an upper bound, see
//                     host/xs/heap-water.ts for the method and what it does not prove), less
//                     xsnap's built-ins; xs.heapHighWaterChunkBytes the most live chunk bytes
//                     after a turn (a lower bound of the chunk peak), less the bundle's code.
import { PROTOCOL_COMMANDS } from '../xs/scenarios';
import { heapHighWater } from '../xs/heap-water';
import { XsScenarioRunner } from '../xs/runner';

export async function benchXs(): Promise<Record<string, number>> {
  const runner = await XsScenarioRunner.start();
  let figures: Record<string, number>;
  try {
    const day = await runner.run('continuous-24h');
    const login = await runner.run('protocol-login');
    const commands = await runner.run('protocol-commands');
    const others = await Promise.all(['flexible-across-midnight', 'occlusion-alarm'].map((n) => runner.run(n)));
    const heaps = [day, login, commands, ...others].map((r) => r.meter.currentHeapCount);
    figures = {
      'xs.computePerSimHour': Math.round(day.meter.compute / 24),
      'xs.computePerCommand': Math.round((commands.meter.compute - login.meter.compute) / PROTOCOL_COMMANDS),
      'xs.peakHeap': Math.max(...heaps),
    };
  } finally {
    await runner.close();
  }
  const water = await heapHighWater();
  console.error(`xs.heapHighWater: ${water.slots} slots (worst: ${water.worst}); live at most ${water.liveSlots}; module objects before start ${water.bundle.slots - water.engine.slots}`);
  return {
    ...figures,
    'xs.heapHighWater': water.slots,
    'xs.heapHighWaterLive': water.liveSlots,
    'xs.heapHighWaterChunkBytes': water.chunkBytes,
    // Of the high-water, what the bundle's module objects hold before the firmware starts.
    'xs.heapModuleSlots': water.bundle.slots - water.engine.slots,
  };
}
