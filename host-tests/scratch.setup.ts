// Global setup of every project (vitest.config.ts): one scratch folder for the whole run, under
// the machine's temporary folder, given to the workers (and the boards, socat and Chromium they
// start) as TMPDIR and removed when the run ends. Tests make folders with mkdtemp(tmpdir()) and
// many never removed them: a lab machine that ran the suite a few times a day collected hundreds
// of flash images, key files and prescriptions in /tmp. A run killed outright still leaves its
// one pump-tests-* folder behind.
//
// Vitest calls a root global setup once for the root and again for each project that runs; the
// first call makes the folder and owns it, and the others find it in the environment.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OWNED = 'PUMP_TESTS_TMPDIR';

export default function setup(): (() => void) | undefined {
  if (process.env[OWNED] !== undefined) return undefined;
  const before = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'pump-tests-'));
  process.env[OWNED] = dir;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    delete process.env[OWNED];
    try {
      // A board killed a moment ago may still be closing a file: retry rather than fail a run
      // that passed over a scratch folder.
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      process.stderr.write(`could not remove the tests' scratch folder ${dir}: ${(e as Error).message}\n`);
    }
  };
}
