// connectLine: feeds the virtual rig's plunger movement into the fluid line (line.ts), pulse
// batch by pulse batch, dropping it while the motor is stalled. No Node APIs (bundled into the
// XS engine with host/sim).

import type { FluidLine } from './line';

/** What the line needs of the virtual rig (rig.ts's VirtualRig fits). */
export interface PushSource {
  /** Volume pushed out of the syringe so far (fl; refills and steps past empty accounted). */
  readonly pushedFl: number;
  onPulses(listener: (batch: { readonly atMs: number }) => void): () => void;
}

export interface LineConnection {
  /** Volume the rig moved while `stalled` said so: the plunger did not move it into the line. */
  readonly droppedFl: number;
  dispose(): void;
}

/**
 * Feeds the rig's plunger movement into the line: each pulse batch pushes the change of the
 * rig's `pushedFl` (so pulses past empty push nothing and refills are transparent). While
 * `stalled()` is true, the movement is dropped. Before the line advances it reads the rig, which
 * makes the rig count PWM periods up to now, so a long PWM run arrives in pieces no longer than
 * the interval between reads (the line sees them at the time they are counted).
 */
export function connectLine(line: FluidLine, rig: PushSource, options: { readonly stalled?: () => boolean } = {}): LineConnection {
  let last = rig.pushedFl;
  let dropped = 0;
  const unsubscribe = rig.onPulses((batch) => {
    // The rig has moved its plunger before telling listeners; reading pushedFl now only syncs
    // PWM periods up to the same ms, which are already counted, so nothing re-enters.
    const now = rig.pushedFl;
    const delta = now - last;
    last = now;
    if (delta === 0) return;
    if (options.stalled?.()) {
      dropped += delta;
      return;
    }
    line.pushFl(batch.atMs, delta);
  });
  line.setFeeder(() => {
    void rig.pushedFl;
  });
  return {
    get droppedFl() {
      return dropped;
    },
    dispose() {
      unsubscribe();
      line.setFeeder(undefined);
    },
  };
}
