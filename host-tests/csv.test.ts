// The one CSV writer (host/csv.ts) and the files written with it: a field with a comma, a
// quote or a line break stays one field (RFC 4180), read back by a reader written here from
// the RFC's grammar, not from the writer.
import { describe, expect, it } from 'vitest';
import { intervalsCsv, samplesCsv } from '../host/accuracy/run-folder';
import type { Interval } from '../host/accuracy/gravimetric';
import type { SampleFlag } from '../host/accuracy/samples';
import { csvField, csvRow, csvText } from '../host/csv';

/** RFC 4180 section 2: records of fields; a quoted field may hold , " (doubled), CR and LF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, q);
        i = q + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      field = /^[^,\r\n"]*/.exec(text.slice(i))![0];
      i += field.length;
    }
    fields.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) i += 2;
    else if (text[i] === '\n') i++;
    else if (i < text.length) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
    records.push(fields);
    fields = [];
    if (i >= text.length) return records;
  }
}

describe('csvField (RFC 4180 rules 6 and 7)', () => {
  it('quotes a field with a comma and a quote, doubling the quote', () => {
    expect(csvField('syringe 10 mL, "BD"')).toBe('"syringe 10 mL, ""BD"""');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });

  it('quotes CR and LF, and leaves plain text and numbers as they are', () => {
    expect(csvField('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(-3)).toBe('-3');
  });

  it('writes a missing value as an empty field', () => {
    expect(csvRow([1, null, undefined, ''])).toBe('1,,,');
  });
});

describe('csvText', () => {
  it('reads back field for field, whatever the fields hold', () => {
    const rows = [
      ['1', 'a, "b"', 'x'],
      ['2', 'two\r\nlines', ''],
      ['3', '"', ','],
    ];
    for (const eol of ['\n', '\r\n'] as const) {
      const text = csvText(['n', 'text', 'more'], rows, eol);
      expect(text.endsWith(eol)).toBe(true);
      expect(parseCsv(text)).toEqual([['n', 'text', 'more'], ...rows]);
    }
  });
});

describe('the run folder files', () => {
  it('samples.csv keeps a note with a comma and a quote as one field', () => {
    const text = samplesCsv([
      { tMs: 0, massMg: 1.5, flags: [] },
      { tMs: 30_000, massMg: null, flags: ['not-answering'], note: 'E900 no reply to "SI", retried' },
    ]);
    expect(parseCsv(text)).toEqual([
      ['index', 't_ms', 't_min', 'mass_mg', 'flags', 'note'],
      ['0', '0', '0.000', '1.5', '', ''],
      ['1', '30000', '0.500', '', 'not-answering', 'E900 no reply to "SI", retried'],
    ]);
  });

  it("intervals.csv goes through the same writer: every row has the header's fields", () => {
    const iv = (index: number, flags: string[]): Interval => ({
      index,
      startMs: index * 30_000,
      endMs: (index + 1) * 30_000,
      deltaMg: index ? 8.3 : null,
      flowMlPerH: 1,
      errorPct: null,
      flags: flags as SampleFlag[],
    });
    // A flag is a fixed word today; a flag with a comma (a future free-text mark) must not add a column.
    const rows = parseCsv(intervalsCsv([iv(0, []), iv(1, ['missing', 'odd,flag'])]));
    expect(rows[0]).toEqual(['index', 'start_ms', 'end_ms', 'delta_mg', 'flow_ml_per_h', 'error_pct', 'flags']);
    expect(rows.map((r) => r.length)).toEqual([7, 7, 7]);
    expect(rows[1]).toEqual(['0', '0', '30000', '', '1', '', '']);
    expect(rows[2]![6]).toBe('missing odd,flag');
  });
});
