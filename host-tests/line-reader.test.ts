// The line reader against docs/protocol.md "Lines": LF endings with an optional CR, 120 bytes
// with the LF at most, printable ASCII only, resynchronisation at the next LF whatever came
// before, and a ring that reports (never hides) a producer outrunning the consumer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineEvent } from '../firmware/protocol/line-reader';
import { LineReader, MAX_LINE_CHARS, PRIORITY_RING_BYTES } from '../firmware/protocol/line-reader';

const bytesOf = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function drain(reader: LineReader): LineEvent[] {
  const events: LineEvent[] = [];
  for (let e = reader.next(); e !== undefined; e = reader.next()) events.push(e);
  return events;
}

function feed(text: string, reader = new LineReader()): LineEvent[] {
  reader.push(bytesOf(text));
  return drain(reader);
}

const line = (text: string): LineEvent => ({ kind: 'line', text });
const isPriorityText = (text: string): boolean => /^([0-9]+ )?(STOP|ACK)( |$)/.test(text);
const isPriorityEvent = (e: LineEvent): boolean => e.kind === 'line' && isPriorityText(e.text);
const sortTexts = (events: LineEvent[]): string[] => events.map((e) => (e.kind === 'line' ? e.text : e.kind)).sort();
const TOO_LONG: LineEvent = { kind: 'too-long' };
const OVERFLOW: LineEvent = { kind: 'overflow' };

describe('LineReader: lines', () => {
  it('assembles lines split across pushes at every point', () => {
    const stream = 'STATUS\n1 BOLUS *ABCD\nHELLO\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new LineReader();
      reader.push(bytesOf(stream.slice(0, cut)));
      const first = drain(reader);
      reader.push(bytesOf(stream.slice(cut)));
      expect([...first, ...drain(reader)]).toEqual([line('STATUS'), line('1 BOLUS *ABCD'), line('HELLO')]);
    }
  });

  it('takes a line byte by byte and holds it until its LF', () => {
    const reader = new LineReader();
    for (const c of 'VERSION') {
      reader.push(bytesOf(c));
      expect(reader.pending()).toBe(0);
      expect(reader.next()).toBeUndefined();
    }
    reader.push(bytesOf('\n'));
    expect(reader.pending()).toBe(1);
    expect(drain(reader)).toEqual([line('VERSION')]);
    expect(reader.pending()).toBe(0);
  });

  it('ends a line at CR, LF or CRLF, whatever the terminal sends, even split across pushes', () => {
    expect(feed('STATUS\r\nRX\r\n')).toEqual([line('STATUS'), line('RX')]);
    expect(feed('STATUS\rRX\rALARMS\n')).toEqual([line('STATUS'), line('RX'), line('ALARMS')]);
    const reader = new LineReader();
    reader.push(bytesOf('ALARMS\r'));
    expect(drain(reader)).toEqual([line('ALARMS')]);
    reader.push(bytesOf('\n'));
    expect(drain(reader)).toEqual([]);
  });

  it('honours backspace and DEL, and drops trailing spaces (issue 16)', () => {
    expect(feed('STAY\x08TUS\r')).toEqual([line('STATUS')]);
    expect(feed('RXX\x7f  \r\n')).toEqual([line('RX')]);
    expect(feed('\x08\x08HELLO\x7f\x7f\x7f\x7f\x7f\x7f\r')).toEqual([]);
    expect(feed('STATUS   \n')).toEqual([line('STATUS')]);
  });

  it('skips empty lines, with or without CR', () => {
    expect(feed('\n\r\n\nSTATUS\n\n')).toEqual([line('STATUS')]);
  });

  it('keeps spaces and every printable character', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(feed(` ${printable.slice(0, 60)}\n${printable.slice(60)}\n`)).toEqual([line(` ${printable.slice(0, 60)}`), line(printable.slice(60))]);
  });

  it('counts waiting events with pending(), so a dispatcher can take them all first', () => {
    const reader = new LineReader();
    reader.push(bytesOf('2 BOLUS #m *C\n3 STOP *C\n\x01\nSTAT'));
    expect(reader.pending()).toBe(3);
    const events = drain(reader);
    expect(events.map((e) => e.kind)).toEqual(['line', 'line', 'invalid']);
    expect(reader.pending()).toBe(0);
  });
});

describe('LineReader: the 120-byte limit', () => {
  const longest = 'A'.repeat(MAX_LINE_CHARS);

  it('accepts 119 characters and the LF (120 bytes)', () => {
    expect(MAX_LINE_CHARS).toBe(119);
    expect(feed(`${longest}\n`)).toEqual([line(longest)]);
  });

  it('accepts 119 characters with CRLF: the CR is not counted', () => {
    expect(feed(`${longest}\r\n`)).toEqual([line(longest)]);
  });

  it('rejects 120 characters and the LF, and reads the next line', () => {
    expect(feed(`${longest}B\nSTATUS\n`)).toEqual([TOO_LONG, line('STATUS')]);
  });

  it('reports an overlong line once, however long, as soon as it passes the limit', () => {
    const reader = new LineReader();
    reader.push(bytesOf(`${longest}B`));
    expect(drain(reader)).toEqual([TOO_LONG]);
    for (let i = 0; i < 40; i++) reader.push(bytesOf('x'.repeat(100)));
    expect(drain(reader)).toEqual([]);
    reader.push(bytesOf('tail\nHELLO\n'));
    expect(drain(reader)).toEqual([line('HELLO')]);
  });
});

describe('LineReader: invalid bytes', () => {
  it('rejects a line with a control or high byte, says which, and reads the next line', () => {
    const reader = new LineReader();
    reader.push(Uint8Array.of(0x53, 0x54, 0x07, 0x41, 0x0a, ...bytesOf('RX\n')));
    expect(drain(reader)).toEqual([{ kind: 'invalid', reason: 'byte 0x07 at column 3' }, line('RX')]);
    expect(feed('caf\xe9\nRX\n')).toEqual([{ kind: 'invalid', reason: 'byte 0xe9 at column 4' }, line('RX')]);
  });

  it('takes a lone CR as a line end, not as an invalid byte', () => {
    expect(feed('ST\rATUS\nRX\n')).toEqual([line('ST'), line('ATUS'), line('RX')]);
    expect(feed('STATUS\r\r\nRX\n')).toEqual([line('STATUS'), line('RX')]);
  });

  it('reports binary garbage once per line and resynchronises at the LF', () => {
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 151 + 7) & 0xff).filter((b) => b !== 0x0a && b !== 0x0d);
    const reader = new LineReader();
    reader.push(Uint8Array.of(0xff, ...garbage));
    const events = drain(reader);
    expect(events).toEqual([{ kind: 'invalid', reason: 'byte 0xff at column 1' }]);
    reader.push(bytesOf('\nSTATUS\n'));
    expect(drain(reader)).toEqual([line('STATUS')]);
  });

  it('never throws and reports a NUL-filled line as invalid', () => {
    expect(feed('\0\0\0\nOK\n')).toEqual([{ kind: 'invalid', reason: 'byte 0x00 at column 1' }, line('OK')]);
  });
});

describe('LineReader: STOP and ACK (issue 14)', () => {
  const stop = '4711 STOP *1A2B';
  const ack = '4712 ACK 10 #0123456789abcdef *3C4D';

  it('gives STOP and ACK lines before anything that came earlier', () => {
    expect(feed(`STATUS\nRX\n${ack}\n${stop}\nHELLO\n`)).toEqual([line(ack), line(stop), line('STATUS'), line('RX'), line('HELLO')]);
  });

  it('files by the command word only: STOPPED, a STOP argument or a bare seq are ordinary lines', () => {
    const reader = new LineReader();
    reader.push(bytesOf('STOPPED\n1 ACKS\n2 SUB STOP\n3\nSTOP\nACK\n9 STOP\n'));
    expect(reader.pendingPriority()).toBe(3);
    expect(drain(reader)).toEqual([line('STOP'), line('ACK'), line('9 STOP'), line('STOPPED'), line('1 ACKS'), line('2 SUB STOP'), line('3')]);
  });

  for (const [what, burst] of [
    ['300 short lines', 'X\n'.repeat(300)],
    ['2000 NUL lines', '\0\n'.repeat(2_000)],
    ['80 STATUS lines', 'STATUS\n'.repeat(80)],
    ['64 KB of junk lines', `${'J'.repeat(100)}\n`.repeat(650)],
  ] as const) {
    it(`keeps a STOP sent behind ${what} in one push, when the main ring overflowed`, () => {
      const reader = new LineReader();
      reader.push(bytesOf(`${burst}${stop}\n`));
      expect(reader.next(true)).toEqual(line(stop));
      const rest = drain(reader);
      expect(rest).toContainEqual(OVERFLOW);
    });
  }

  it('next(true) gives only STOP and ACK, leaving the rest waiting', () => {
    const reader = new LineReader();
    reader.push(bytesOf(`STATUS\n${stop}\nRX\n`));
    expect(reader.next(true)).toEqual(line(stop));
    expect(reader.next(true)).toBeUndefined();
    expect(reader.pending()).toBe(2);
    expect(drain(reader)).toEqual([line('STATUS'), line('RX')]);
  });

  it('reports a STOP or ACK dropped from a full priority ring by name, never silently', () => {
    const reader = new LineReader();
    const n = Math.floor(PRIORITY_RING_BYTES / (ack.length + 1));
    reader.push(bytesOf(`${ack}\n`.repeat(n + 2)));
    const events = drain(reader);
    expect(events.filter((e) => e.kind === 'line')).toHaveLength(n);
    expect(events).toContainEqual({ kind: 'priority-lost', command: 'ACK', count: 2 });
  });
});

describe('LineReader: ring overflow', () => {
  it('keeps every line that fits, drops the rest and reports them once, in their place', () => {
    const reader = new LineReader({ ringBytes: 128 });
    const l = (i: number): string => `${i} ${'X'.repeat(37)}`; // 40 bytes with the LF
    reader.push(bytesOf(`${l(1)}\n${l(2)}\n${l(3)}\n${l(4)}\n${l(5)}\n`));
    // Three lines fit (120 bytes); the fourth and fifth do not, and are one overflow, filed
    // as soon as next() makes room for it.
    expect(reader.pending()).toBe(3);
    expect(drain(reader)).toEqual([line(l(1)), line(l(2)), line(l(3)), OVERFLOW]);
    reader.push(bytesOf(`${l(6)}\n`));
    expect(drain(reader)).toEqual([line(l(6))]);
  });

  it('reports an overflow once the consumer makes room, before anything that came later', () => {
    const reader = new LineReader({ ringBytes: 128 });
    const full = 'F'.repeat(63); // 64 bytes with the LF: two fill the ring exactly
    reader.push(bytesOf(`${full}\n${full}\nlost line\nlost too\n`));
    expect(reader.pending()).toBe(2);
    expect(reader.next()).toEqual(line(full));
    // The room made by next() takes the owed overflow at once.
    expect(reader.pending()).toBe(2);
    reader.push(bytesOf('after\n'));
    expect(drain(reader)).toEqual([line(full), OVERFLOW, line('after')]);
  });

  it('assembles the line being received apart, so it needs room only once complete', () => {
    const reader = new LineReader({ ringBytes: 128 });
    reader.push(bytesOf(`${'a'.repeat(100)}\n${'b'.repeat(50)}`));
    expect(drain(reader)).toEqual([line('a'.repeat(100))]);
    reader.push(bytesOf(`${'b'.repeat(50)}\nHELLO\n`));
    expect(drain(reader)).toEqual([line('b'.repeat(100)), line('HELLO')]);
  });

  it('refuses a ring smaller than a FIFO', () => {
    expect(() => new LineReader({ ringBytes: 64 })).toThrow(RangeError);
  });
});

// ---- properties --------------------------------------------------------------------------

/**
 * What the reader must report for a stream, when next() is drained after every push of at
 * most 128 bytes (so the 512-byte ring cannot overflow): CR and LF end lines; backspace and
 * DEL take back a character; in each line the first byte that is not printable (invalid, its
 * column counted in the line as edited) or would be the 120th character (too long) decides
 * and the rest up to the line end is ignored; trailing spaces are dropped and empty lines
 * skipped. An unfinished last line reports only a fault already seen.
 */
function model(stream: Uint8Array): LineEvent[] {
  const events: LineEvent[] = [];
  let text: number[] = [];
  let discarding = false;
  for (const b of stream) {
    if (b === 0x0a || b === 0x0d) {
      while (text.at(-1) === 0x20) text.pop();
      if (!discarding && text.length > 0) events.push(line(String.fromCharCode(...text)));
      text = [];
      discarding = false;
    } else if (discarding) {
    } else if (b === 0x08 || b === 0x7f) {
      text.pop();
    } else if (b < 0x20 || b > 0x7e) {
      events.push({ kind: 'invalid', reason: `byte 0x${b.toString(16).padStart(2, '0')} at column ${text.length + 1}` });
      discarding = true;
    } else if (text.length >= MAX_LINE_CHARS) {
      events.push(TOO_LONG);
      discarding = true;
    } else {
      text.push(b);
    }
  }
  return events;
}

/** Bytes weighted towards the interesting ones: LF, CR, printable, and anything at all. */
const streamByte = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0x0a) },
  { weight: 1, arbitrary: fc.constant(0x0d) },
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xff }) },
);
const stream = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.array(streamByte, { maxLength: 600 }).map((a) => Uint8Array.from(a)),
  // Long printable runs, to cross the 120-byte limit often.
  fc.array(fc.oneof(fc.constant('\n'), fc.string({ minLength: 100, maxLength: 130, unit: 'grapheme-ascii' })), { maxLength: 8 }).map((parts) => bytesOf(parts.join(''))),
);
/** Cut points for pushes of 1 to 128 bytes. */
const cuts = fc.array(fc.integer({ min: 1, max: 128 }), { minLength: 1, maxLength: 40 });

function pushInPieces(reader: LineReader, bytes: Uint8Array, sizes: number[], drainEach: boolean): LineEvent[] {
  const events: LineEvent[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    reader.push(bytes.subarray(at, at + n));
    at += n;
    if (drainEach) events.push(...drain(reader));
  }
  return [...events, ...drain(reader)];
}

// Trailing spaces are dropped by rule, so a line to recover ends in something else.
const printableLine = fc
  .string({ minLength: 1, maxLength: MAX_LINE_CHARS, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
  .map((t) => t.trimEnd())
  .filter((t) => t.length > 0);

describe('LineReader: properties', () => {
  it('never throws, and every line it emits is 1 to 119 printable characters', () => {
    fc.assert(
      fc.property(stream, cuts, fc.boolean(), fc.integer({ min: 128, max: 600 }), (bytes, sizes, drainEach, ringBytes) => {
        const events = pushInPieces(new LineReader({ ringBytes }), bytes, sizes, drainEach);
        for (const e of events) if (e.kind === 'line') expect(e.text).toMatch(/^[\x20-\x7e]{1,119}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('reports exactly what the line rules say when the consumer keeps up', () => {
    fc.assert(
      fc.property(stream, cuts, (bytes, sizes) => {
        // STOP and ACK lines may come before lines that completed in the same push: compare
        // them as a set, and everything else in order.
        const [got, want] = [pushInPieces(new LineReader(), bytes, sizes, true), model(bytes)];
        expect(got.filter((e) => !isPriorityEvent(e))).toEqual(want.filter((e) => !isPriorityEvent(e)));
        expect(sortTexts(got.filter(isPriorityEvent))).toEqual(sortTexts(want.filter(isPriorityEvent)));
      }),
      { numRuns: 500 },
    );
  });

  it('recovers a valid line sent after any garbage and an LF, intact and last', () => {
    fc.assert(
      fc.property(stream, cuts, printableLine, fc.boolean(), (garbage, sizes, text, crlf) => {
        const tail = bytesOf(`\n${text}${crlf ? '\r' : ''}\n`);
        const bytes = new Uint8Array(garbage.length + tail.length);
        bytes.set(garbage);
        bytes.set(tail, garbage.length);
        const events = pushInPieces(new LineReader(), bytes, sizes, true);
        // A STOP or ACK goes before lines that came earlier; anything else comes last.
        if (isPriorityText(text)) expect(events).toContainEqual(line(text));
        else expect(events.at(-1)).toEqual(line(text));
      }),
      { numRuns: 500 },
    );
  });

  it('recovers it even after a flood that overflowed the ring, once the consumer catches up', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2_000 }), printableLine, (flood, text) => {
        const reader = new LineReader();
        reader.push(flood); // all at once, nothing taken: overflows freely
        drain(reader);
        reader.push(bytesOf(`\n${text}\n`));
        expect(drain(reader)).toContainEqual(line(text));
      }),
      { numRuns: 300 },
    );
  });
});
