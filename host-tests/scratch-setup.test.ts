// The suite's scratch folder (scratch.setup.ts): what the tests make under tmpdir() goes when the
// run ends, and a second call (vitest calls it once per project) neither makes another folder
// nor removes the first one's.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import setup from './scratch.setup';

const saved = { owned: process.env.PUMP_TESTS_TMPDIR, tmp: process.env.TMPDIR };

afterEach(() => {
  // This worker runs other files after this one (the unit project does not isolate).
  for (const [key, value] of [
    ['PUMP_TESTS_TMPDIR', saved.owned],
    ['TMPDIR', saved.tmp],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('the tests scratch folder', () => {
  it('is TMPDIR during the run and is gone, with what the tests left in it, after', () => {
    delete process.env.PUMP_TESTS_TMPDIR;
    const outer = saved.tmp;
    const teardown = setup();
    const dir = tmpdir();
    expect(dir).not.toBe(outer);
    expect(dir).toMatch(/pump-tests-/);
    const left = mkdtempSync(join(tmpdir(), 'flash-image-'));
    writeFileSync(join(left, 'flash.bin'), 'x');
    expect(setup()).toBeUndefined();
    expect(tmpdir()).toBe(dir);
    teardown?.();
    expect(existsSync(dir)).toBe(false);
    expect(process.env.TMPDIR).toBe(outer);
    expect(process.env.PUMP_TESTS_TMPDIR).toBeUndefined();
  });
});
