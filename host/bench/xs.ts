// XS figures from the real engine (xsnap's deterministic meter, the same on every run):
// compute per simulated hour of delivery (24 h at 1 mL/day on the virtual rig, firmware and
// rig together), compute per protocol command (50 signed commands after a login, less the
// login alone), and the largest heap count seen after a scenario. The device budget (issue 6)
// sets these against the ESP32; here they are tracked so a change that costs more shows.
import { PROTOCOL_COMMANDS } from '../xs/scenarios';
import { XsScenarioRunner } from '../xs/runner';

export async function benchXs(): Promise<Record<string, number>> {
  const runner = await XsScenarioRunner.start();
  try {
    const day = await runner.run('continuous-24h');
    const login = await runner.run('protocol-login');
    const commands = await runner.run('protocol-commands');
    const others = await Promise.all(['flexible-across-midnight', 'occlusion-alarm'].map((n) => runner.run(n)));
    const heaps = [day, login, commands, ...others].map((r) => r.meter.currentHeapCount);
    return {
      'xs.computePerSimHour': Math.round(day.meter.compute / 24),
      'xs.computePerCommand': Math.round((commands.meter.compute - login.meter.compute) / PROTOCOL_COMMANDS),
      'xs.peakHeap': Math.max(...heaps),
    };
  } finally {
    await runner.close();
  }
}
