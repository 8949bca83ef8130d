// Issue 16, part 1: any serial terminal works. What picocom, screen, minicom and miniterm send
// on Enter (CR, LF or CRLF), typing mistakes taken back with backspace, lower case and a stray
// trailing space all give the answer a person expects, each reply on a line of its own (CRLF,
// no staircase), and an empty line gets no answer at all. The framed protocol is unchanged.
import { describe, expect, it } from 'vitest';
import { withCrc } from '../firmware/protocol/frame';
import { createUartLinkedPump } from '../host/protocol/uart-link';
import { continuous, LIBRARY_JSON } from './fixtures';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

function terminal() {
  const rig = createUartLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000) });
  rig.vp.runFor(1_000);
  const type = (keys: string): string => {
    rig.wire.host.clearReceived();
    rig.wire.host.send(keys);
    rig.vp.runFor(2_000);
    return rig.wire.host.received;
  };
  return { rig, type };
}

describe('a person at a serial terminal', () => {
  it.each([
    ['picocom and minicom (CR on Enter)', 'STATUS\r'],
    ['screen with a CRLF map', 'STATUS\r\n'],
    ['miniterm --eol LF', 'STATUS\n'],
    ['lower case', 'status\r'],
    ['a trailing space', 'Status \r'],
    ['a typo taken back with backspace', 'STAT\x08\x08ATUS\r'],
    ['a typo taken back with DEL', 'STATX\x7fUS\r'],
  ])('%s gets one STATUS reply on its own CRLF line', (_what, keys) => {
    const { type } = terminal();
    const out = type(keys);
    expect(out).toMatch(/^OK state=running .* \*[0-9A-F]{4}\r\n$/);
  });

  it('an empty line, or Enter pressed twice, is answered quietly', () => {
    const { type } = terminal();
    expect(type('\r')).toBe('');
    expect(type('\r\n\r\n\n\r')).toBe('');
  });

  it('framed lines are not changed: their CRC covers them exactly, in any case', () => {
    const { rig, type } = terminal();
    expect(type(`${withCrc('7 STOP')}\r`)).toMatch(/^7 OK state=paused \*[0-9A-F]{4}\r\n$/);
    expect(rig.vp.controller.status().state).toBe('paused');
    // A framed line is taken exactly as sent: a lower-case command word is not a command.
    expect(type(`${withCrc('8 stop')}\r`)).toMatch(/ERR 502 "stop" is not a command/);
  });
});
