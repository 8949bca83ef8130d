// The days the power-cut sweep (power-cut.ts) cuts at every storage step: what a pump does in
// a day that writes to NVS or flash. Each step gets the virtual pump and the programming
// link's Auth, wired as on the device (firmware/app/security.ts: its lockout kept in NVS).

import type { Auth, Role } from '../../firmware/protocol/auth';
import { authProofHex } from '../protocol/digest-noble';
import type { VirtualPump, VirtualPumpOptions } from '../sim/virtual-pump';
import { exampleKey } from '../protocol/virtual-link';

export interface DayContext {
  readonly auth: Auth;
}

export type DayStep = (vp: VirtualPump, ctx: DayContext) => unknown;

const MIN = 60_000;
const HOUR = 60 * MIN;
const HOST_NONCE = '00'.repeat(16);

/** An AUTH with a wrong proof (a guess on the line): a failure, stored ahead of the check. */
export function failAuth(vp: VirtualPump, auth: Auth, role: Role = 'clinician'): void {
  const now = vp.controller.now();
  auth.hello(now);
  auth.authenticate(now, role, HOST_NONCE, 'ab'.repeat(16));
}

/** An AUTH with the right proof: a session, and the failures in a row reset (and stored). */
export function passAuth(vp: VirtualPump, auth: Auth, role: Role = 'clinician'): boolean {
  const now = vp.controller.now();
  const { nonceHex } = auth.hello(now);
  return auth.authenticate(now, role, HOST_NONCE, authProofHex(exampleKey(role), nonceHex, HOST_NONCE, role)).ok;
}

/** The day: program, boluses, a refill naming its drug, an alarm, settings, hourly totals over 24 h. */
export const REALISTIC_DAY: readonly DayStep[] = [
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.controller.patientBolus(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) =>
    vp.controller.program({
      name: 'day-2',
      drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
      mode: 'flexible',
      schedule: [
        { startMs: 0, rateNlPerDay: 2_000_000 },
        { startMs: 8 * HOUR, rateNlPerDay: 4_000_000 },
      ],
      patientBolus: { volumeNl: 50_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 300_000 },
    }),
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.controller.patientBolus(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) => vp.controller.setLowReservoirThreshold(1_500_000),
  (vp) => {
    vp.drive.setStall(true);
    vp.runFor(MIN);
    vp.drive.setStall(false);
    vp.controller.acknowledge();
  },
  (vp) => vp.runFor(3 * HOUR),
  (vp) => {
    // The syringe is refilled first; then the clinician records it, naming what went in.
    vp.rig.refill(9_000_000);
    vp.controller.refill(9_000_000, { removedNl: 0, concentrationUgPerMl: 1_000_000, drug: 'water-bench' });
  },
  (vp) => vp.controller.patientBolus(),
  (vp) => vp.runFor(11 * HOUR),
];

export const DAY_OPTIONS: VirtualPumpOptions = {
  mechanics: { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 },
  library: undefined,
  reservoirNl: 9_000_000,
  prescription: {
    name: 'day-1',
    drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 },
    mode: 'continuous',
    rateNlPerDay: 3_000_000,
    patientBolus: { volumeNl: 50_000, durationMs: 10 * MIN, lockoutMs: 2 * HOUR, maxPer24h: 6, maxVolumeNlPer24h: 300_000 },
  },
};

/** A hospital-rate day: 1 mL/h, clinician boluses, a pause, a refill. */
export const BOLUS_DAY: readonly DayStep[] = [
  (vp) => vp.runFor(HOUR),
  (vp) => vp.controller.clinicianBolus({ volumeNl: 200_000, durationMs: 10 * MIN }),
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.controller.pause(),
  (vp) => vp.runFor(30 * MIN),
  (vp) => vp.controller.resume(),
  (vp) => vp.runFor(3 * HOUR),
  (vp) => vp.controller.clinicianBolus({ volumeNl: 300_000, durationMs: 15 * MIN, delayMs: 5 * MIN }),
  (vp) => vp.runFor(2 * HOUR),
  (vp) => {
    vp.rig.refill(9_500_000);
    vp.controller.refill(9_500_000);
  },
  (vp) => vp.runFor(16 * HOUR),
];

/**
 * An alarm-heavy day: an occlusion with back-off, a sensor fault, low reservoir,
 * acknowledgements; and guesses on the line that lock AUTH, more after the lock, and at last
 * the clinician's own login, which resets the count.
 */
export const ALARM_DAY: readonly DayStep[] = [
  (vp) => vp.runFor(2 * HOUR),
  (vp) => vp.line.occlude(vp.nowMs),
  (vp) => vp.runFor(20 * MIN),
  (vp) => vp.line.release(vp.nowMs),
  (vp) => vp.controller.acknowledge(),
  (vp, { auth }) => {
    for (let i = 0; i < 4; i++) failAuth(vp, auth);
  },
  (vp) => vp.runFor(3 * HOUR),
  (vp, { auth }) => failAuth(vp, auth),
  (vp) => vp.flowModel.setUnplugged(true),
  (vp) => vp.runFor(10 * MIN),
  (vp) => vp.flowModel.setUnplugged(false),
  (vp) => vp.runFor(MIN),
  (vp) => vp.controller.acknowledge(),
  (vp) => vp.controller.setLowReservoirThreshold(8_800_000),
  (vp) => vp.runFor(HOUR),
  (vp, { auth }) => passAuth(vp, auth),
  (vp) => vp.runFor(17 * HOUR),
];

export const HOSPITAL_OPTIONS: VirtualPumpOptions = {
  ...DAY_OPTIONS,
  reservoirNl: 10_000_000,
  prescription: { name: 'hospital', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 6_000_000 },
};
