// The flow check's settings and what it reports: the configuration with the physical reason for
// each figure, the defaults tuned on the rig's parts and line ranges (docs/virtual-rig.md), and the
// finding a sample returns. The check itself is flow-check.ts; its helpers are flow-zero.ts (the
// sensor's zero) and flow-stopped.ts (stopped flow behind a compliance past the sensor).

export interface FlowCheckConfig {
  /** Flow error always tolerated: sensor offset and drift (nl/min). */
  readonly allowanceNlPerMin: number;
  /** Flow error tolerated in proportion to the rate, in percent of it. */
  readonly allowancePercent: number;
  /**
   * How far an uncalibrated drive may push from what it counts, in percent of the volume: the
   * share of the rate a zero learned in delivery may carry, doubted while the plunger stands
   * (flow-zero.ts restDoubtNlPerMin). ISO 7886-1 allows a syringe +-4 % on a graduated volume of
   * half its capacity or more; the lead screw adds under 0.1 % (rig-mechanics-draw.ts).
   */
  readonly driveErrorPercent: number;
  /**
   * The flow sensor's span error, in percent of the reading: Sensirion's liquid flow sensors state
   * their accuracy as 5 % of the measured value or a share of full scale, whichever is larger
   * (LD20 and SLI datasheets; host/sim/sensor-flow-errors.ts). A zero learned in delivery takes it
   * up with the drive's error, and it too is gone at rest (flow-zero.ts restDoubtNlPerMin).
   */
  readonly sensorSpanPercent: number;
  /** Smallest volume either sum must reach to alarm (nl). */
  readonly thresholdNl: number;
  /** The line time constants the threshold tolerates: threshold += peak rate x lagMs. */
  readonly lagMs: number;
  /** Below this share of the pushed volume arriving, a deficit is an occlusion (percent). */
  readonly occlusionFlowPercent: number;
  /**
   * The window "is flow still arriving" is judged over (ms): pushed and measured volume are
   * filtered sums with the weight recentMs / (recentMs + dt) per sample. Short against the
   * time a full occlusion needs to pass the threshold (88 s at 1 mL/h), so that by then the
   * flow before the occlusion has faded below occlusionFlowPercent; long against the sensor's
   * noise and the gaps between microsteps at low rates.
   */
  readonly recentMs: number;
  /**
   * The drive's slack, in plunger travel (um): after every (re)start the nut's play, the stopper's
   * glide deflection and a stick-slip jump are taken up before the stopper moves, so that much
   * pushed volume (this x the plunger area) need not arrive. It is forgiven until flow is seen
   * arriving or the slack is used up, whichever comes first. The rig's parts (hardware/README.md:
   * a plain brass Tr8 nut, up to 0.1 mm play; a plastic stopper's glide deflection on a printed
   * chain, up to about 30 um) bound it.
   */
  readonly takeUpUm: number;
  /**
   * One stick-slip jump of the stopper at low rates (um): flow arrives in steps this large. While
   * the stopper sticks the deficit grows by up to a whole jump, and the jump then arrives at once,
   * so the excess may gain a whole jump: its threshold carries it (the rig's parts: up to 8 um,
   * docs/virtual-rig.md; on a 60 mL syringe 4.4 uL, most of the 5 uL floor). The deficit's
   * carries it only where it is more than the line's lag term: on top of that it would delay every
   * occlusion, and an occlusion's back-off, by that volume (on the ideal rig at 0.1 mL/h the
   * back-off then tripped the dose guard, which counts back-off pulses as delivery).
   */
  readonly slipUm: number;
  /**
   * The drive's position error that averages out (um): microstep, detent and step-angle errors
   * come back to nothing every few full steps (together about 1 um each way on the parts list's
   * drivers and motor), so over a few minutes the stopper is ahead or behind by up to twice that.
   */
  readonly positionErrorUm: number;
  /**
   * The longest time constant of a line the check must take as normal (ms; docs/virtual-rig.md:
   * 10-150 s). A line holds up to rate x this in its compliance: a deficit beyond it (plus the
   * threshold) is more than a slow line filling, so under-delivery; and what the line gives
   * back after a stop or a rate drop is excused from the excess up to what it took up, capped at
   * this much of the peak rate.
   */
  readonly lineHoldMs: number;
  /**
   * The least share of a line's working pressure that stands past the sensor's compliance (its
   * share of the line's resistance: 0.2-0.8 on the rig's lines, docs/virtual-rig.md). When the tip
   * blocks, the compliance past the sensor holds that share of its working volume: the back-off
   * counts it at this least share, so that it errs towards a small bolus, never suction.
   */
  readonly pastSensorPressureShare: number;
  /**
   * The flow sensor's zero error bound (nl/min): offset plus drift as its datasheet bounds them.
   * The check learns the sensor's zero while delivery runs and, until it has, tolerates this much
   * more flow error, shrinking as it learns.
   */
  readonly zeroBoundNlPerMin: number;
  /**
   * How fast the zero wanders away from what was learned (nl/min per square root of an hour): its
   * doubt grows by this times the root of the time since it was last learned. The datasheet
   * bounds the long-term wander at 0.025 % FS (500 nl/min on the SLF3S-0600F) without a time;
   * taken as a random walk that crosses that band in a day, 500 / sqrt(24) = 102. Without it the
   * doubt shrank to nothing once learned, and at the 25 uL/h night step on a 60 mL syringe,
   * hours after the zero was last confirmed, its wander raised 3 false OCCLUSIONs in 3000
   * rig-days of the population (host-tests/zero-wander.test.ts).
   */
  readonly zeroWanderNlPerMinPerSqrtHour: number;
  /** Time constant of the zero estimate (ms of delivery): long against an occlusion's detection. */
  readonly zeroLearnMs: number;
  /**
   * Delivery teaches the zero in spans this long (ms), each learned only once zeroConfirmMs of
   * normal delivery followed it (flow-zero.ts): an occlusion's onset, before its deficit shows,
   * must not be learned as drift. Its deficit reaches half the threshold within 7 min at 0.1 mL/h
   * with half the compliance past the sensor, which throws the spans waiting away. Short spans:
   * on a 60 mL syringe at 1.2 mL/day a 4.4 uL jump comes every 5 min, and 5 min spans with or
   * without one taught the zero +-900 nl/min swings.
   */
  readonly zeroSpanMs: number;
  readonly zeroConfirmMs: number;
  /**
   * Delivery teaches the zero only once the rate has held this long (ms): six of the slowest
   * line's time constants (150 s), when what it still takes up of a rate change is 0.25 % of the
   * rate. (After four, settleMs, it was 1.8 %: on a tau 150 s line the first span learned 130 nl/min
   * of the line's fill as zero at 1 mL/h, and the line's content came out 3 uL short.)
   */
  readonly zeroSettleMs: number;
  /**
   * A line settles in this long (ms: four times the slowest line's time constant, 150 s). The zero
   * is learned in delivery only once the rate has held this long since the last change or
   * restart (the line's fill and drain would teach it the transient); and with the plunger still
   * this long the line has drained, and the sensor reads its zero alone: learned then with
   * restLearnMs.
   */
  readonly settleMs: number;
  readonly restLearnMs: number;
  /**
   * A deficit that keeps growing without the flow recovering is an occlusion even though some flow
   * still reaches the sensor (the compliance past it fills): below this share of the pushed volume
   * arriving since the deficit passed the threshold (percent)...
   */
  readonly stoppedFlowPercent: number;
  /** ...not risen by more than this many points since the crossing (a partial occlusion recovers)... */
  readonly recoveryPoints: number;
  /** ...for at least this long after the crossing (ms) and half the threshold pushed since. */
  readonly escalateMs: number;
}

export const DEFAULT_FLOW_CHECK: FlowCheckConfig = {
  allowanceNlPerMin: 150,
  allowancePercent: 10,
  driveErrorPercent: 4,
  sensorSpanPercent: 5,
  thresholdNl: 5_000,
  lagMs: 60_000,
  occlusionFlowPercent: 20,
  recentMs: 30_000,
  takeUpUm: 140,
  slipUm: 8,
  positionErrorUm: 2,
  lineHoldMs: 150_000,
  pastSensorPressureShare: 0.2,
  zeroBoundNlPerMin: 6_500,
  zeroWanderNlPerMinPerSqrtHour: 100,
  zeroLearnMs: 10 * 60_000,
  zeroSpanMs: 150_000,
  zeroConfirmMs: 10 * 60_000,
  zeroSettleMs: 15 * 60_000,
  settleMs: 10 * 60_000,
  restLearnMs: 60_000,
  stoppedFlowPercent: 60,
  recoveryPoints: 3,
  escalateMs: 30_000,
};

export type FlowVerdict = 'ok' | 'occlusion' | 'under-delivery' | 'over-delivery';

export interface FlowFinding {
  readonly verdict: FlowVerdict;
  /**
   * What the line holds (nl). For an occlusion, all of it: what it held when flow last arrived
   * in full (or the line restarted) before the sensor, all that was pushed since (a blocked tip
   * lets nothing out, so what passed the sensor since is in the compliance past it), and the
   * working volume past the sensor at its least (pastSensorPressureShare); less thresholdNl, the
   * error such a sum may carry, so that the back-off errs towards a bolus. Otherwise what was
   * pushed and not seen at the sensor since flow last arrived in full.
   */
  readonly storedEstimateNl: number;
  /**
   * The flow that last arrived in full (the recent pushed flow, nl/day, as the sensor saw it
   * within the allowance). 0 for an occlusion: storedEstimateNl is already the whole of what the
   * line holds, measured, so nothing is to be added for the flow (firmware/core/backoff.ts).
   */
  readonly arrivedNlPerDay: number;
  readonly detail: string;
}
