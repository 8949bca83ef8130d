import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../firmware/core/errors';
import { ALARMS } from '../firmware/core/alarms';
import { renderAlarmsMarkdown } from '../host/docs/alarms-md';
import { renderErrorsMarkdown } from '../host/docs/errors-md';

describe('docs/errors.md', () => {
  it('is the table generated from firmware/core/errors.ts (run `npm run docs` after changing it)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsMarkdown());
  });

  it('gives every error a unique code', () => {
    const codes = Object.values(ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('docs/alarms.md', () => {
  it('is the table generated from firmware/core/alarms.ts (run `npm run docs` after changing it)', () => {
    expect(readFileSync(new URL('../docs/alarms.md', import.meta.url), 'utf8')).toBe(renderAlarmsMarkdown());
  });

  it('gives every alarm a unique code', () => {
    const codes = Object.values(ALARMS).map((a) => a.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
