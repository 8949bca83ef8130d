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
