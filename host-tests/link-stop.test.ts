// Issue 14, holes 3 and 6: a STOP sent behind any burst of input is acted on and answered, on
// the link itself (the virtual board hands it whatever the pty gave, 64 KB at once) and on the
// device's wiring (the UART driver on a 128-byte FIFO at wire speed, replies paced by the
// output queue); an ACK lost to a full queue is reported by name; and a cached reply never
// answers for a session that is gone.
import { describe, expect, it } from 'vitest';
import { withCrc } from '../firmware/protocol/frame';
import { createUartLinkedPump } from '../host/protocol/uart-link';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { Prng } from '../host/sim/prng';
import { continuous, LIBRARY_JSON } from './fixtures';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const PUMP = { mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000) };
const STOP = withCrc('4711 STOP');

const junk = (n: number, seed: number): string => {
  const prng = new Prng(seed);
  return Array.from({ length: n }, () => String.fromCharCode(prng.nextUint32() & 0xff)).join('');
};

/** The bursts, and worse: every one is sent in a single write with the STOP behind it. */
const BURSTS: readonly (readonly [string, string])[] = [
  ['300 short lines (600 bytes)', 'X\n'.repeat(300)],
  ['2000 NUL lines', '\0\n'.repeat(2_000)],
  ['80 STATUS queries', 'STATUS\n'.repeat(80)],
  ['64 KB of random bytes', junk(65_536, 14)],
  ['64 KB of overlong lines', `${'L'.repeat(200)}\n`.repeat(327)],
];

describe('STOP behind a burst: the link as the virtual board drives it (one write)', () => {
  it.each(BURSTS)('%s, then a framed STOP', (_what, burst) => {
    const { vp, link, written } = createLinkedPump(PUMP);
    vp.runFor(60_000);
    expect(vp.controller.status().state).toBe('running');
    link.receive(Uint8Array.from(`${burst}\n${STOP}\n`, (c) => c.charCodeAt(0) & 0xff));
    expect(vp.controller.status().state).toBe('paused');
    // Answered, and first: nothing queued before it held it back.
    expect(written.find((l) => l.startsWith('4711 '))).toMatch(/^4711 OK state=paused \*[0-9A-F]{4}$/);
    expect(written.findIndex((l) => l.startsWith('4711 '))).toBeLessThanOrEqual(written.findIndex((l) => !l.startsWith('!')));
  });
});

describe('STOP behind a burst: the device wiring (UART driver, 128-byte FIFO, 115200 baud)', () => {
  for (const readLatencyMs of [0, 4, 9]) {
    it.each(BURSTS)(`%s, then a framed STOP, onReadable ${readLatencyMs} ms late`, (_what, burst) => {
      const rig = createUartLinkedPump(PUMP, { serial: { readLatencyMs } });
      rig.vp.runFor(60_000);
      rig.wire.host.send(`${burst}\n${STOP}\n`);
      // 64 KB take 5.7 s on the wire; the replies to what was read, longer.
      rig.vp.runFor(60_000);
      expect(rig.wire.stats.overrunBytes).toBe(0);
      expect(rig.vp.controller.status().state).toBe('paused');
      expect(rig.lines()).toContainEqual(expect.stringMatching(/^4711 OK state=paused \*[0-9A-F]{4}$/));
      // Replies wait for room: none was dropped from the output queue.
      expect(rig.uart.droppedOutBytes).toBe(0);
    });
  }

  it('answers every query of a long burst when the host reads slowly: nothing dropped unseen', () => {
    const rig = createUartLinkedPump(PUMP);
    rig.vp.runFor(1_000);
    rig.wire.host.send('STATUS\n'.repeat(60));
    rig.vp.runFor(30_000);
    const replies = rig.lines().filter((l) => l.startsWith('OK ') || l.startsWith('ERR '));
    // Each query is answered or, where the line queue overflowed, reported as ERR 500.
    expect(replies.filter((l) => l.startsWith('OK state=')).length + replies.filter((l) => l.startsWith('ERR 500')).length).toBeGreaterThan(0);
    expect(replies.every((l) => l.startsWith('OK state=') || l.startsWith('ERR 500'))).toBe(true);
    expect(rig.uart.droppedOutBytes).toBe(0);
  });
});

describe('ACK and the priority queue', () => {
  it('an ACK dropped because the STOP/ACK queue was full is reported by name, not silently', () => {
    const { link, written } = createLinkedPump(PUMP);
    const ack = withCrc('9 ACK 10 #0123456789abcdef');
    link.receive(Uint8Array.from(`${ack}\n`.repeat(40), (c) => c.charCodeAt(0)));
    expect(written).toContainEqual(expect.stringMatching(/^ERR 500 33 ACK line\(s\) found the STOP\/ACK queue full/));
  });
});

describe('the reply cache and sessions (hole 6)', () => {
  it('a cached reply does not answer once its session expired: the frame is refused', () => {
    const { vp, client } = createLinkedPump(PUMP);
    const c = client();
    expect(c.login('clinician', exampleKey('clinician')).ok).toBe(true);
    const pause = c.send('PAUSE');
    expect(pause.ok).toBe(true);
    expect(c.send('RESUME').ok).toBe(true);
    // A retry within the session gets the cached reply and pauses nothing.
    expect(c.raw(pause.frame).fields['state']).toBe('paused');
    expect(vp.controller.status().state).toBe('running');
    vp.runFor(6 * 60_000); // past the 5-minute idle limit
    const late = c.raw(pause.frame);
    expect(late.ok).toBe(false);
    expect(late.code).toBe(508);
    expect(vp.controller.status().state).toBe('running');
  });
});
