// What the host installs from Debian for itself (host/debian.ts) and what it says when it cannot:
// the browser the dashboard's tests and benchmark drive (host/web/harness.ts ensureChromium).
// Nothing here runs apt-get: the paths given are ones that exist or that CHROMIUM_PATH named.
import { describe, expect, it } from 'vitest';
import { findOnPath, isExecutable } from '../host/debian';
import { chromiumProblem, ensureChromium } from '../host/web/harness';

describe('Debian packages the host needs', () => {
  it('finds a program on PATH, and nothing for a name no folder has', () => {
    expect(findOnPath('sh')).toMatch(/\/sh$/);
    expect(findOnPath('no-such-program-here')).toBeUndefined();
    expect(findOnPath('sh', { PATH: '' })).toBeUndefined();
    expect(isExecutable('/nonexistent/chromium')).toBe(false);
  });

  it('takes a browser that is there, and installs nothing', () => {
    const said: string[] = [];
    expect(ensureChromium((l) => said.push(l), { path: findOnPath('sh')!, fromEnv: false })).toBeUndefined();
    expect(said).toEqual([]);
  });

  it('names CHROMIUM_PATH when it points at nothing, rather than installing another browser', () => {
    const said: string[] = [];
    const problem = ensureChromium((l) => said.push(l), { path: '/nonexistent/chromium', fromEnv: true });
    expect(problem).toMatch(/^CHROMIUM_PATH is \/nonexistent\/chromium, which is not an executable/);
    expect(said).toEqual([]);
  });

  it('says what to install when the browser is missing, without installing it (as a test launching it does)', () => {
    expect(chromiumProblem({ path: '/nonexistent/chromium', fromEnv: false })).toMatch(
      /^Chromium is not installed at \/nonexistent\/chromium: install it with `sudo apt-get update && sudo apt-get install -y chromium`/,
    );
    expect(chromiumProblem({ path: findOnPath('sh')!, fromEnv: false })).toBeUndefined();
  });
});
