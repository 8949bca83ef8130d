// Pure codec tests of the three balance protocols and the decimal-to-mg conversion: the
// reply formats from the manuals (MT-SICS reference manual, Sartorius SBI data output
// format, Ohaus RS232 command table), parsed and formatted byte for byte.
import { describe, expect, it } from 'vitest';
import { formatMtSicsWeight, parseMtSics, quotedValue } from '../host/balance/mt-sics-codec';
import { formatOhausWeight, ohausSerial, parseOhaus } from '../host/balance/ohaus-codec';
import { formatSbiSpecial, formatSbiWeight, parseSbi } from '../host/balance/sbi-codec';
import { countsToDecimal, decimalToUg, ugToMg } from '../host/balance/units';
import { BALANCE_ERRORS, balanceError } from '../host/errors/balance';

describe('units', () => {
  it('turns decimal text into exact micrograms', () => {
    expect(decimalToUg('12.3456', 'g')).toBe(12_345_600);
    expect(decimalToUg('-0.0001', 'g')).toBe(-100);
    expect(decimalToUg('+ 1.5', 'mg')).toBe(1_500);
    expect(decimalToUg('0.002', 'kg')).toBe(2_000_000);
    expect(decimalToUg('.5', 'g')).toBe(500_000);
    expect(decimalToUg('12.3456', 'lb')).toBeUndefined();
    expect(decimalToUg('1.0000001', 'g')).toBeUndefined();
    expect(decimalToUg('abc', 'g')).toBeUndefined();
    expect(ugToMg(12_345_600)).toBe(12345.6);
  });

  it('prints counts as decimals without floats', () => {
    expect(countsToDecimal(123456, 4)).toBe('12.3456');
    expect(countsToDecimal(7, 4)).toBe('0.0007');
    expect(countsToDecimal(-7, 2)).toBe('-0.07');
    expect(countsToDecimal(42, 0)).toBe('42');
  });

  it('every error code is numbered E900-E999 with words', () => {
    for (const e of Object.values(BALANCE_ERRORS)) {
      expect(e.code).toBeGreaterThanOrEqual(900);
      expect(e.code).toBeLessThanOrEqual(999);
      expect(e.meaning.length).toBeGreaterThan(10);
      expect(e.action.length).toBeGreaterThan(10);
    }
    const err = balanceError('OVERLOAD', 'S +');
    expect(err.text).toBe('E901 OVERLOAD: the balance is overloaded (the load is above its capacity): S +');
    expect(err.exitCode).toBe(20);
  });
});

describe('MT-SICS', () => {
  it('reads the manual example and the status replies', () => {
    expect(parseMtSics('S S     100.00 g')).toEqual({ kind: 'weight', cmd: 'S', stable: true, ug: 100_000_000, unit: 'g' });
    expect(parseMtSics('S D      -0.0012 g')).toMatchObject({ kind: 'weight', stable: false, ug: -1_200 });
    expect(parseMtSics('S S   12345.6 mg')).toMatchObject({ ug: 12_345_600, unit: 'mg' });
    expect(parseMtSics('S I')).toEqual({ kind: 'status', cmd: 'S', status: 'I', rest: '' });
    expect(parseMtSics('S +')).toMatchObject({ kind: 'status', status: '+' });
    expect(parseMtSics('S -')).toMatchObject({ kind: 'status', status: '-' });
    expect(parseMtSics('Z A')).toMatchObject({ kind: 'status', cmd: 'Z', status: 'A' });
    expect(parseMtSics('ES')).toEqual({ kind: 'error', code: 'ES' });
    expect(parseMtSics('EL')).toEqual({ kind: 'error', code: 'EL' });
    const i4 = parseMtSics('I4 A "B912345678"');
    expect(i4).toMatchObject({ kind: 'status', cmd: 'I4', status: 'A' });
    expect(quotedValue(i4.kind === 'status' ? i4.rest : '')).toBe('B912345678');
    expect(parseMtSics('\u00f3\u00e9 garbage').kind).toBe('garbled');
  });

  it('formats a weight as the manual shows it: value right-aligned in 10 characters', () => {
    expect(formatMtSicsWeight('S', true, '100.00', 'g')).toBe('S S     100.00 g\r\n');
    expect(formatMtSicsWeight('S', false, '12.3456', 'g')).toBe('S D    12.3456 g\r\n');
  });
});

describe('Sartorius SBI', () => {
  it('formats 16-character lines (14 visible + CR LF) and 22 with an ID code', () => {
    const stable = formatSbiWeight(false, '123.56', 'g', true);
    expect(stable).toBe('+   123.56 g  \r\n');
    expect(stable.length).toBe(16);
    const unstable = formatSbiWeight(true, '0.0012', 'g', false);
    expect(unstable).toBe('-   0.0012    \r\n');
    expect(formatSbiWeight(false, '1.5', 'g', true, 'N').length).toBe(22);
    expect(formatSbiSpecial('High')).toBe('      High    \r\n');
  });

  it('reads stability from the unit, and the special lines', () => {
    expect(parseSbi('+   123.56 g  ')).toEqual({ kind: 'weight', stable: true, ug: 123_560_000, unit: 'g', id: '' });
    expect(parseSbi('-   0.0012    ')).toMatchObject({ kind: 'weight', stable: false, ug: -1_200 });
    expect(parseSbi('N     +      1.5 g  ')).toMatchObject({ kind: 'weight', stable: true, ug: 1_500_000, id: 'N' });
    expect(parseSbi('      High    ')).toEqual({ kind: 'overload' });
    expect(parseSbi('      Low     ')).toEqual({ kind: 'underload' });
    expect(parseSbi('Stat     Err 54')).toEqual({ kind: 'error', number: '54' });
    expect(parseSbi('Stat          ')).toMatchObject({ kind: 'status' });
    expect(parseSbi('#?!').kind).toBe('garbled');
  });
});

describe('Ohaus', () => {
  it('formats and reads weights with "?" for unstable', () => {
    expect(formatOhausWeight('192.21', 'g', true)).toBe('    192.21 g\r\n');
    expect(formatOhausWeight('0.01', 'g', false)).toBe('      0.01 g ?\r\n');
    expect(parseOhaus('    192.21 g')).toEqual({ kind: 'weight', stable: true, ug: 192_210_000, unit: 'g' });
    expect(parseOhaus('      0.01 g ?')).toMatchObject({ stable: false, ug: 10_000 });
    expect(parseOhaus('     -1.2345 g   N')).toMatchObject({ stable: true, ug: -1_234_500 });
    expect(parseOhaus('ES')).toEqual({ kind: 'error' });
    expect(parseOhaus('OK!')).toEqual({ kind: 'ok' });
    expect(parseOhaus('OL')).toEqual({ kind: 'overload' });
    expect(parseOhaus('-UL-')).toEqual({ kind: 'underload' });
    expect(ohausSerial('SN: B739201445')).toBe('B739201445');
    expect(ohausSerial('B739201445')).toBe('B739201445');
  });
});
