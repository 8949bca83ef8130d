// Fuzzing the parser and dispatcher with random and mutated frames (a smaller run than the
// benchmark's million): nothing escapes, nothing with a bad CRC or MAC is acted on, and the
// pump's state changes only when a valid, authorised frame (or a framed STOP) says so.
import { describe, expect, it } from 'vitest';
import { fuzzProtocol, snapshot } from '../host/protocol/fuzz';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { continuous, LIBRARY_JSON } from './fixtures';

describe('protocol fuzz', () => {
  it('20 000 random and mutated frames: no exception, no unauthorised change', () => {
    const r = fuzzProtocol(LIBRARY_JSON, 20_000, 1234);
    expect(r.firstViolations).toEqual([]);
    expect(r.exceptions).toBe(0);
    expect(r.frames).toBe(20_000);
  });

  it('its oracle sees the changes a valid frame makes (so it could catch a wrong one)', () => {
    const lp = createLinkedPump({ mechanics: { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 }, library: LIBRARY_JSON, prescription: continuous(1_000_000) });
    const c = lp.client();
    c.login('clinician', exampleKey('clinician'));
    for (const [cmd, ...args] of [['PAUSE'], ['LOWRES', 123]] as const) {
      const before = snapshot(lp);
      expect(c.send(cmd, ...args).ok).toBe(true);
      expect(snapshot(lp)).not.toBe(before);
    }
  });
});
