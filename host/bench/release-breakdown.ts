// Where the population's release boluses come from (issue 15's open figure,
// occlusion.releaseBolusUl.population.worst): every rig of the population bench blocked at 1 and
// 0.1 mL/h as population-run.ts's occlusionRun does, the line's content read in the second
// before OCCLUSION. A row per run, then the spread of the two errors a release is made of:
//   estimate error = the flow check's estimate - the content (flow-check.ts #lineNl: what the
//                    back-off asked plus the floor it leaves in the line on purpose, thresholdNl)
//   play taken     = what it asked - what the plunger's true volume gave back (the drive's
//                    reversal: backlash and the stopper's glide deflection, rig-mechanics.ts;
//                    about 0 since the back-off's forward return, backoff.ts)
// so that release = content - returned = play taken - estimate error + floor. The play is compared with
// the rig's own (backlash + twice the glide deflection, times its bore), which the firmware never
// sees. Run: npx tsx host/bench/release-breakdown.ts (about 30 s; not part of `npm run bench`).

import { DEFAULT_FLOW_CHECK } from '../../firmware/core/flow-check';
import { findSyringe } from '../../firmware/core/mechanics';
import { occlusionRun } from './population-run';
import { populationPlans, quantile } from './population';
import { RIG } from './occlusion-run';

const BORE_MM2 = Math.PI * (findSyringe(RIG.syringe)!.innerDiameterUm / 2_000) ** 2;
const r1 = (x: number): number => Math.round(10 * x) / 10;
/** What the back-off leaves in the line on purpose (uL). */
const FLOOR_UL = DEFAULT_FLOW_CHECK.thresholdNl / 1000;

interface Row {
  readonly run: string;
  readonly releaseUl: number;
  readonly estimateErrorUl: number;
  readonly playTakenUl: number;
  /** Play taken less the rig's whole play: about 0 where the back-off asked for more than it. */
  readonly playBeyondRigUl: number;
}

const rows: Row[] = [];
for (const plan of populationPlans()) {
  const e = plan.rig.mechanicsErrors;
  const playUl = ((e.backlashUm + 2 * e.stickGlideUm) * BORE_MM2 * (1 + e.boreAreaError)) / 1000;
  for (const [ml, wait] of [
    [1, plan.waitMs1],
    [0.1, plan.waitMs01],
  ] as const) {
    const o = occlusionRun(plan.rig, ml, wait, 1000);
    const b = o.breakdown;
    if (!b) {
      console.log(`${plan.name} at ${ml} mL/h: no OCCLUSION within ${wait / 1000} s`);
      continue;
    }
    const row = {
      run: `${plan.name} at ${ml} mL/h`,
      releaseUl: o.releaseBolusUl,
      estimateErrorUl: b.askedUl + FLOOR_UL - b.contentUl,
      playTakenUl: b.askedUl - b.returnedUl,
      playBeyondRigUl: b.askedUl - b.returnedUl - playUl,
    };
    rows.push(row);
    console.log(
      `${row.run}: release ${r1(o.releaseBolusUl)} uL; content ${r1(b.contentUl)}, asked ${r1(b.askedUl)}, returned ${r1(b.returnedUl)}; estimate error ${r1(row.estimateErrorUl)}, play taken ${r1(row.playTakenUl)} of the rig's ${r1(playUl)}`,
    );
  }
}
const spread = (name: string, xs: number[]): void =>
  console.log(`${name}: least ${r1(Math.min(...xs))}, p5 ${r1(quantile(xs, 0.05))}, p50 ${r1(quantile(xs, 0.5))}, p95 ${r1(quantile(xs, 0.95))}, most ${r1(Math.max(...xs))} uL`);
console.log(`\n${rows.length} runs`);
const columns: readonly [string, (r: Row) => number][] = [
  ['release', (r) => r.releaseUl],
  ['estimate error (asked + floor - content)', (r) => r.estimateErrorUl],
  ['play taken (asked - returned)', (r) => r.playTakenUl],
  ["play taken - the rig's play", (r) => r.playBeyondRigUl],
];
for (const [name, of] of columns) spread(name, rows.map(of));
