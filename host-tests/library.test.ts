import { describe, expect, it } from 'vitest';
import { readLibrary } from '../firmware/core/library';
import { LIBRARY_JSON } from './fixtures';

const clone = (): { drugs: Record<string, unknown>[] } & Record<string, unknown> => JSON.parse(JSON.stringify(LIBRARY_JSON));

describe('drug library', () => {
  it('ships as example values for bench use only', () => {
    const l = readLibrary(LIBRARY_JSON);
    expect(l.ok && l.value.exampleValuesOnly).toBe(true);
    expect(LIBRARY_JSON.note).toMatch(/EXAMPLE VALUES FOR BENCH USE ONLY/);
  });

  it('refuses a drug listed twice (E300)', () => {
    const lib = clone();
    lib.drugs.push(lib.drugs[1]!);
    const l = readLibrary(lib);
    expect(!l.ok && l.error.code).toBe(300);
    expect(!l.ok && l.error.field).toBe('drugs[4].name');
  });

  it('refuses a soft limit wider than its hard limit (E301), naming it', () => {
    const lib = clone();
    (lib.drugs[2]!['soft'] as Record<string, number>)['maxDoseUgPer24h'] = 30_000;
    const l = readLibrary(lib);
    expect(!l.ok && l.error.code).toBe(301);
    expect(!l.ok && l.error.message).toContain('drugs[2].soft.maxDoseUgPer24h 30000 lies outside hard.maxDoseUgPer24h 25000');
  });

  it('refuses a misspelt limit rather than ignoring it (E104)', () => {
    const lib = clone();
    (lib.drugs[0]!['hard'] as Record<string, number>)['maxRateNlPerHour'] = 1;
    const l = readLibrary(lib);
    expect(!l.ok && l.error.code).toBe(104);
    expect(!l.ok && l.error.field).toBe('drugs[0].hard.maxRateNlPerHour');
  });
});
