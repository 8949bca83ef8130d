// Where the dashboard's browser tests save their screenshots. Chromium's PNGs differ by a few
// bytes from run to run, so writing them into docs/images made every `npm test` leave the git
// tree changed; they go to build/screenshots/ instead, to look at after a run.
// `PUMP_DOCS_IMAGES=1 npm run test:pty` writes the ones the docs show (docs/images/dashboard-*.png),
// to refresh them after the page changes.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../host/board/spawn';

/** Docs images are written only when asked for. */
const DOCS_IMAGES = process.env.PUMP_DOCS_IMAGES === '1';

/** The path to save the screenshot `name` (dashboard-alarm.png, say) at; its folder exists. */
export function screenshotPath(name: string): string {
  const dir = DOCS_IMAGES ? join(ROOT, 'docs/images') : join(ROOT, 'build/screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
