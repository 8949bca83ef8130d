// Global setup of the pty project (vitest.config.ts): Debian's chromium for the dashboard's
// browser tests (web-*-pty.test.ts), installed before any file starts when it is missing and we
// are root with apt-get (host/web/harness.ts ensureChromium), as `npm start` installs socat; a
// minute of apt-get inside a test would pass its timeout. Where it cannot be installed the
// browser tests fail with the message naming the command, and the other pty files still run.

import { ensureChromium } from '../host/web/harness';

export default function setup(): void {
  const problem = ensureChromium((line) => process.stderr.write(`${line}\n`));
  if (problem !== undefined) process.stderr.write(`the dashboard's browser tests will fail: ${problem}\n`);
}
