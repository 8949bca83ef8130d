// The fault strings (host/sim/faults.ts): every fault of the table parses with its units, bad
// strings are refused with a message naming the bad part, nothing throws, lists sort by time.
import { describe, expect, it } from 'vitest';
import { FAULTS, faultHelp, parseDuration, parseFault, parseFaults } from '../host/sim/faults';
import { Prng } from '../host/sim/prng';
import { DAY, HOUR, MIN } from './line-fixtures';

describe('fault strings', () => {
  it('parses every fault of the table, with units', () => {
    const ok = (s: string) => {
      const r = parseFault(s);
      if (!r.ok) throw new Error(r.error);
      return r.fault;
    };
    expect(ok('occlusion@2h')).toMatchObject({ name: 'occlusion', clear: false, atMs: 2 * HOUR, value: undefined, part: 'line' });
    expect(ok('partial-occlusion:10@30m')).toMatchObject({ value: 10, atMs: 30 * MIN, description: 'partial occlusion x10' });
    expect(ok('partial-occlusion:2.5x@1h30m')).toMatchObject({ value: 2.5, atMs: 90 * MIN });
    expect(ok('release@3h').atMs).toBe(3 * HOUR);
    expect(ok('leak@1h').value).toBe(0.5);
    expect(ok('leak:30%@1h').value).toBeCloseTo(0.3, 12);
    expect(ok('free-flow:5ul/min@4h')).toMatchObject({ value: 5_000, atMs: 4 * HOUR });
    expect(ok('free-flow:1ml/h@0').value).toBeCloseTo(16_666.667, 2);
    expect(ok('air:20ul@90m')).toMatchObject({ value: 20_000, atMs: 90 * MIN });
    expect(ok('AIR:20µL@90M').value).toBe(20_000);
    expect(ok('sensor-noise:300@0')).toMatchObject({ value: 300, atMs: 0, part: 'flowSensor' });
    expect(ok('sensor-offset:-200@0').value).toBe(-200);
    expect(ok('battery-sag:300@1d')).toMatchObject({ value: 300, atMs: DAY, part: 'battery' });
    expect(ok('battery-sag:0.3v@1d').value).toBe(300);
    expect(ok('brown-out@2d').atMs).toBe(2 * DAY);
    expect(ok('stall@5h').part).toBe('drive');
    expect(ok('clear-stall@6h')).toMatchObject({ name: 'stall', clear: true, description: 'clear motor stall' });
    expect(ok('sensor-crc@250ms').atMs).toBe(250);
    for (const [name, spec] of Object.entries(FAULTS)) expect(ok(spec.example).name).toBe(name);
    expect(faultHelp().split('\n')).toHaveLength(Object.keys(FAULTS).length);
    expect(parseDuration('1.5h')).toEqual({ ok: true, ms: 1.5 * HOUR });
  });

  it('refuses bad strings with a message that names the bad part', () => {
    const cases: [string, RegExp][] = [
      ['occlusion', /"occlusion": no "@time"/],
      ['occlusoin@2h', /unknown fault "occlusoin"/],
      ['partial-occlusion@30m', /partial-occlusion needs a value \(e\.g\. partial-occlusion:10@30m\)/],
      ['occlusion:5@2h', /occlusion takes no value/],
      ['free-flow:5ul/s@4h', /unknown rate unit "ul\/s"/],
      ['free-flow:fast@4h', /rate "fast" does not start with a number/],
      ['air:20ul@2x', /bad time "2x"/],
      ['air:20ul@90', /"90" has no unit/],
      ['air:20ul@', /no time after "@"/],
      ['air:-5ul@1h', /volume -5ul must be above 0/],
      ['leak:150%@1h', /fraction 150% must be above 0/],
      ['partial-occlusion:0.5@1h', /factor 0\.5 must be 1 or more/],
      ['battery-sag:-3@1h', /must not be negative/],
      ['clear-release@1h', /release is an action and cannot be cleared/],
      ['clear-stall:1@1h', /clear-stall takes no value/],
      ['@1h', /no fault name/],
      ['occlusion@20000d', /more than 10 years/],
    ];
    for (const [text, why] of cases) {
      const r = parseFault(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(why);
        expect(r.error).toContain(`"${text}"`);
      }
    }
    const list = parseFaults('occlusion@2h, bogus@1h release@3h air:1ul@1q');
    expect(list.ok).toBe(false);
    if (!list.ok) {
      expect(list.errors).toHaveLength(2);
      expect(list.message).toMatch(/bogus/);
      expect(list.message).toMatch(/1q/);
    }
  });

  it('never throws, whatever it is given', () => {
    const p = new Prng(99);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz-:@%/.0123456789 ,µ';
    for (let i = 0; i < 5_000; i++) {
      const n = Math.floor(p.next() * 30);
      let s = '';
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(p.next() * alphabet.length)];
      expect(() => parseFaults(s)).not.toThrow();
      expect(() => parseFault(s)).not.toThrow();
    }
  });

  it('sorts a list by time and keeps the order of faults at the same time', () => {
    const r = parseFaults(['release@3h', 'occlusion@2h', 'sensor-noise:300@0 sensor-offset:200@0']);
    expect(r.ok && r.faults.map((f) => f.text)).toEqual(['sensor-noise:300@0', 'sensor-offset:200@0', 'occlusion@2h', 'release@3h']);
  });
});
