// A bolus is a volume delivered evenly over a duration, on top of the basal rate. Its target
// at any moment is exact (volume x elapsed / duration, rounded down), so the whole volume is
// commanded exactly at its end. An interrupted bolus is a first-class record with the part
// that was delivered, and is never resumed by itself.

export type BolusKind = 'patient' | 'clinician' | 'periodic' | 'trial' | 'prime';

export type BolusStatus = 'pending' | 'running' | 'done' | 'interrupted';

export interface Bolus {
  readonly id: number;
  readonly kind: BolusKind;
  readonly volumeNl: number;
  readonly durationMs: number;
  /** Monotonic ms the bolus starts (later than the request for a delayed clinician bolus). */
  readonly startMs: number;
  /** Volume commanded so far (handed to the stepper as microsteps). */
  commandedNl: number;
  status: BolusStatus;
  /** When it ended (completed or interrupted). */
  endedMs: number | undefined;
}

export function bolusEndMs(b: Bolus): number {
  return b.startMs + b.durationMs;
}

/** Volume the bolus should have delivered by `t`: exact, rounded down, capped at its volume. */
export function bolusTargetNl(b: Bolus, t: number): number {
  if (t <= b.startMs) return 0;
  const elapsed = t - b.startMs;
  if (elapsed >= b.durationMs) return b.volumeNl;
  // volume <= 1e8 nl and elapsed < duration <= 1 day keep the product below 2^53.
  return Math.floor((b.volumeNl * elapsed) / b.durationMs);
}

/** The earliest time the bolus target reaches `targetNl` (Infinity when it never does). */
export function bolusReachesMs(b: Bolus, targetNl: number): number {
  if (targetNl <= 0) return b.startMs;
  if (targetNl > b.volumeNl) return Infinity;
  return b.startMs + Math.ceil((targetNl * b.durationMs) / b.volumeNl);
}
