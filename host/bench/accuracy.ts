// accuracy.secondHourErrorPct.1mlh and accuracy.trumpetMaxPct.2min.1mlh: an IEC 60601-2-24
// style gravimetric run on the virtual rig (example mechanics: BD 10 mL on a 2 mm lead
// screw, 16 microsteps), 1 mL/h for 2 h, a virtual 0.1 mg balance over MT-SICS weighed every
// 30 s of virtual time. Both figures are magnitudes (|A|, and the worst of |Ep(max)| and
// |Ep(min)| for the 2-minute window) so that a "<=" target reads "within"; the signed A is
// given beside them for context.
import { runAccuracy } from '../accuracy/run';
import { createVirtualAccuracyRig } from '../accuracy/virtual-rig';

export async function benchAccuracy(): Promise<Record<string, number>> {
  const rig = createVirtualAccuracyRig({ protocol: 'mt-sics', balance: { resolutionMg: 0.1, noiseMg: 0.05, evaporationMgPerMin: 0, seed: 1 } });
  const record = await runAccuracy(rig, { rateNlPerH: 1_000_000, durationMs: 2 * 3_600_000, intervalMs: 30_000, temperatureC: 20 });
  const a = record.analysis;
  if (!a || record.status !== 'complete') throw new Error(`accuracy bench run ${record.status}: ${record.reason ?? record.analysisError ?? ''}`);
  const p2 = a.trumpet.find((p) => p.windowMin === 2)!;
  const round3 = (x: number | null): number => (x === null ? NaN : Math.round(x * 1000) / 1000);
  return {
    'accuracy.secondHourErrorPct.1mlh': round3(Math.abs(a.secondHour.errorPct ?? NaN)),
    'accuracy.secondHourErrorPctSigned.1mlh': round3(a.secondHour.errorPct),
    'accuracy.trumpetMaxPct.2min.1mlh': round3(Math.max(Math.abs(p2.maxPct ?? NaN), Math.abs(p2.minPct ?? NaN))),
    'accuracy.totalVolumeErrorPct.1mlh': round3(a.totalVolume.errorPct),
    'accuracy.markedSamples.1mlh': a.markedSamples.length,
  };
}
