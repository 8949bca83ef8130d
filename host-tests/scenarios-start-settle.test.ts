// A fast rate's start on a rig whose flow sensor has not yet learned its zero (issue 15). Rig 11's
// sensor reads 4.1 uL/min low with a span 3 % low, within its datasheet, and its bore is 1.6 %
// narrow: at 3-5 mL/h it reads 87-90 % of what is pushed until the zero is learned. Ten minutes
// into the rate the flow check forgives the line's fill if the flow arrives as pushed; judged
// without the zero's doubt it did not, and the fill (83-139 uL held before the sensor on this
// line) stayed in the deficit with the threshold at its floor: UNDER_DELIVERY at 662 s, the line
// open. Virtual time only.

import { describe, expect, it } from 'vitest';
import library from '../firmware/app/examples/library.example.json';
import { RIG } from '../host/bench/occlusion-run';
import { rigFor } from '../host/sim/population';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { continuous } from './fixtures';

const MIN = 60_000;
const ML_PER_H = 24_000_000;

function alarmsAt(mlPerHour: number, ms: number, faults: string[] = []): string[] {
  const vp = createVirtualPump({ ...rigFor(11), mechanics: RIG, library, reservoirNl: 10_000_000, lowReservoirNl: 0, keepEvents: false, prescription: continuous(mlPerHour * ML_PER_H), faults });
  const alarms: string[] = [];
  vp.controller.subscribe((e) => {
    if (e.type === 'alarm') alarms.push(`${String(e.data['alarm'])}@${Math.round(e.at / 1_000)}`);
  });
  vp.runFor(ms);
  return alarms;
}

describe('a fast rate starting before the sensor zero is learned (population rig 11)', () => {
  it.each([3, 5])('%i mL/h: nothing in 40 min (before: UNDER_DELIVERY at 662-663 s)', (mlPerHour) => {
    expect(alarmsAt(mlPerHour, 40 * MIN)).toEqual([]);
  });

  it('a block 5 min into 5 mL/h is still OCCLUSION: the fill is forgiven only if the flow arrives', () => {
    const alarms = alarmsAt(5, 20 * MIN, ['occlusion@5m']);
    expect(alarms[0]).toMatch(/^OCCLUSION@/);
  });
});
