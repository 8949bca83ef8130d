// Occlusion figures, measured on the virtual rig with the line physics: time from a full
// occlusion downstream of the sensor to the alarm, at 1 and 0.1 mL/h, and the volume released
// at the outlet when the occlusion clears; the same for a pressure-threshold baseline (the
// classic pump method: a load cell and a 66 kPa / 500 mmHg threshold, no flow sensor); and
// false alarms over 30 days of normal delivery with realistic sensor noise.
import library from '../../firmware/app/examples/library.example.json';
import { DEFAULT_MONITOR } from '../../firmware/core/monitor';
import { createVirtualPump, type VirtualPumpOptions } from '../sim/virtual-pump';

const MIN = 60_000;
const HOUR = 60 * MIN;
const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const OCCLUDE_AT = 2 * HOUR;
/** Longest wait for an alarm: the baseline at 0.1 mL/h needs about 5 h. */
const WAIT = 12 * HOUR;

interface OcclusionRun {
  readonly timeToAlarmS: number;
  readonly releaseBolusUl: number;
}

/** Occlude at 2 h; release 10 min after the alarm; weigh what leaves in the next hour. */
function occlusionRun(mlPerHour: number, detector: 'flow' | 'baseline'): OcclusionRun {
  const options: VirtualPumpOptions = {
    mechanics: RIG,
    library,
    reservoirNl: 10_000_000,
    keepEvents: true,
    prescription: { name: 'occlusion', drug: WATER, mode: 'continuous', rateNlPerDay: Math.round(mlPerHour * 24_000_000) },
    faults: [`occlusion@${OCCLUDE_AT}ms`],
    ...(detector === 'baseline' && { loadCell: true, monitor: { ...DEFAULT_MONITOR, flow: null } }),
  };
  const vp = createVirtualPump(options);
  vp.runFor(OCCLUDE_AT);
  let alarmAt: number | undefined;
  for (let t = 0; t < WAIT && alarmAt === undefined; t += MIN) {
    vp.runFor(MIN);
    alarmAt = vp.events.find((e) => e.type === 'alarm' && e.data['alarm'] === 'OCCLUSION')?.at;
  }
  if (alarmAt === undefined) return { timeToAlarmS: Infinity, releaseBolusUl: NaN };
  vp.runFor(alarmAt + 10 * MIN - vp.nowMs);
  vp.line.release(vp.nowMs);
  const before = vp.line.outletNl;
  vp.runFor(HOUR);
  return { timeToAlarmS: Math.round((alarmAt - OCCLUDE_AT) / 1000), releaseBolusUl: Math.round(vp.line.outletNl - before) / 1000 };
}

/** 30 days of a flexible schedule with periodic and patient boluses: every alarm counts. */
function falseAlarms30d(seed: number): number {
  const vp = createVirtualPump({
    seed,
    mechanics: { ...RIG, syringe: 'bd-60ml' },
    library,
    reservoirNl: 60_000_000,
    lowReservoirNl: 0,
    keepEvents: false,
    prescription: {
      name: 'normal-30d',
      drug: WATER,
      mode: 'flexible',
      schedule: [
        { startMs: 0, rateNlPerDay: 600_000 },
        { startMs: 7 * HOUR, rateNlPerDay: 1_200_000 },
        { startMs: 22 * HOUR, rateNlPerDay: 900_000 },
      ],
      periodicBolus: { volumeNl: 30_000, durationMs: 5 * MIN, everyMs: 8 * HOUR },
      patientBolus: { volumeNl: 25_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 150_000 },
    },
  });
  let alarms = 0;
  vp.controller.subscribe((e) => {
    if (e.type === 'alarm') alarms++;
  });
  for (let h = 0; h < 30 * 24; h += 3) {
    vp.controller.patientBolus();
    vp.runFor(3 * HOUR);
  }
  return alarms;
}

export function benchOcclusion(): Record<string, number> {
  const flow1 = occlusionRun(1, 'flow');
  const flow01 = occlusionRun(0.1, 'flow');
  const base1 = occlusionRun(1, 'baseline');
  const base01 = occlusionRun(0.1, 'baseline');
  const implant = occlusionRun(1 / 24, 'flow'); // 1 mL/day, an implant's rate
  return {
    'occlusion.timeToAlarmS.1mlh': flow1.timeToAlarmS,
    'occlusion.timeToAlarmS.0_1mlh': flow01.timeToAlarmS,
    'occlusion.timeToAlarmS.1mlday': implant.timeToAlarmS,
    'occlusion.releaseBolusUl': Math.max(flow1.releaseBolusUl, flow01.releaseBolusUl),
    // The worst of three 30-day runs with different sensor noise and drift.
    'occlusion.falseAlarmsPer30d': Math.max(falseAlarms30d(1), falseAlarms30d(2), falseAlarms30d(3)),
    'occlusion.baselineTimeToAlarmS.1mlh': base1.timeToAlarmS,
    'occlusion.baselineTimeToAlarmS.0_1mlh': base01.timeToAlarmS,
    'occlusion.baselineReleaseBolusUl': Math.max(base1.releaseBolusUl, base01.releaseBolusUl),
    'occlusion.baselineRatio': Math.round(10 * Math.min(base1.timeToAlarmS / flow1.timeToAlarmS, base01.timeToAlarmS / flow01.timeToAlarmS)) / 10,
  };
}
