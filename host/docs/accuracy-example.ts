// The example trumpet and start-up curves the README and docs/accuracy.md show: the same
// virtual-rig run as the accuracy benchmark (1 mL/h, 2 h, a virtual 0.1 mg MT-SICS balance
// every 30 s of virtual time), drawn by host/chart as SVG. Deterministic: seeded noise, virtual
// time. The SVGs are the checked copies (docs.test.ts compares them byte for byte); the PNGs
// beside them are rendered from them by resvg, whose pixels may differ between its versions.

import { runAccuracy } from '../accuracy/run';
import { startupChart, trumpetChart } from '../accuracy/charts';
import { createVirtualAccuracyRig } from '../accuracy/virtual-rig';
import { renderSvg } from '../chart';

/** The two charts as SVG text. */
export async function renderAccuracyExample(): Promise<{ trumpet: string; startup: string }> {
  const rig = createVirtualAccuracyRig({ protocol: 'mt-sics', balance: { resolutionMg: 0.1, noiseMg: 0.05, evaporationMgPerMin: 0, seed: 1 } });
  const record = await runAccuracy(rig, { rateNlPerH: 1_000_000, durationMs: 2 * 3_600_000, intervalMs: 30_000, temperatureC: 20 });
  if (!record.analysis) throw new Error(`the example accuracy run ended ${record.status}`);
  return { trumpet: renderSvg(trumpetChart(record.analysis)), startup: renderSvg(startupChart(record.analysis)) };
}
