// How far the plunger backs off after an occlusion alarm: the volume the blocked line holds
// under pressure, which would otherwise come out as a bolus when the blockage clears. Pure
// arithmetic on the flow check's estimate, kept apart from the state machine that runs it.

import { MS_PER_DAY } from './units';

/**
 * What the line held while flow passed is counted as that flow for this long: a little under
 * the rig line's time constant of 35 s, so a back-off errs towards a small bolus, never suction.
 * Only where nothing measured the line's content (the force check): the flow check reports the
 * whole of what a blocked line holds, measured, and arrivedNlPerDay 0 (flow-check.ts #lineNl).
 */
export const BACKOFF_LINE_MS = 30_000;

/**
 * Back-off volume (nl): what the line took up since flow stopped arriving (`storedNl`, from the
 * flow check) plus what it held while the flow passed. The latter is counted at the flow seen
 * arriving in full before (`arrivedNlPerDay`), never above the rate, and not at all when no full
 * flow was seen since delivery restarted: a line blocked from the start, or relieved by an
 * earlier back-off and still blocked, holds only what was pushed into it, and a second back-off
 * must not take the line's working volume again (that would be suction at the catheter).
 * Without a flow estimate (the force check) the rate stands in for the flow.
 */
export function backoffNl(storedNl: number, rateNlPerDay: number, arrivedNlPerDay: number | undefined): number {
  const flowed = arrivedNlPerDay === undefined ? rateNlPerDay : Math.max(0, Math.min(rateNlPerDay, arrivedNlPerDay));
  return Math.max(0, storedNl) + (flowed * BACKOFF_LINE_MS) / MS_PER_DAY;
}

/**
 * The most the drive can lose on a reversal, in plunger travel (um): the nut's axial play and the
 * stopper's glide deflection twice over (it deflects one way while pushed, the other while
 * pulled). The parts list bounds both (hardware/README.md: a plain brass Tr8 nut, up to 0.1 mm;
 * a plastic stopper on a printed chain, up to about 30 um), the same parts as the flow check's
 * `takeUpUm`, which counts the deflection once because a plain restart does not reverse it.
 */
export const REVERSAL_PLAY_UM = 160;

/**
 * Between the ask and the overshoot the pusher holds still this long (ms), so that the line
 * evens out across the flow sensor before the course goes on. Pulled back fast, the syringe's
 * side of the line falls into vacuum while the catheter's side, behind the sensor's resistance,
 * still stands at the block's pressure; the vacuum pulls the stopper, and through the chain the
 * pusher, forward onto the nut's pulling flank, and the return then moved the pusher without
 * taking up the play: the play was lost after all (rig 1496 at 1 mL/h: -40 kPa, the stopper
 * back by 55.3 uL of the 64.5 asked, and 16.4 uL released when the block cleared; drawn beyond
 * the bench's sample, rig-backoff-play.test.ts). The two sides even out with R1 C1 C2 / (C1 +
 * C2), under a quarter of the line's time constant: 37.5 s on the slowest normal line (150 s),
 * and 60 s leaves a fifth of it. Held after the ask and not after the overshoot: while the
 * pusher holds, the line keeps the floor the ask leaves (a small bolus if the block clears
 * then), not the overshoot's vacuum (suction).
 */
export const BACKOFF_SETTLE_MS = 60_000;

/**
 * The back-off is run as single-direction positioning (a machine tool's G60): back by what the
 * line holds plus the play bound, then forward by the play bound. Whatever the real play b (up to
 * the bound), the pusher goes back `ask + bound - b` and forward `bound - b`, so it ends `ask`
 * behind where it stood and on the driving flank: the play the firmware cannot see cancels. A
 * plain reversal by the ask lost the play (5-25 uL on the rigs' parts), and that came out as a
 * release bolus when the line cleared (issue 15). Microsteps of the play bound, rounded up.
 */
export function reversalPlayMicrosteps(m: { readonly leadUm: number; readonly fullStepsPerRev: number; readonly microsteps: number }): number {
  return Math.ceil((REVERSAL_PLAY_UM * m.fullStepsPerRev * m.microsteps) / m.leadUm);
}
