// lint.problems (issue 20): every diagnostic Biome's check gives the tree (lint rules,
// formatting), errors, warnings and infos alike, with the rules biome.jsonc sets. `npm test`
// fails on errors and warnings (`npm run lint`); this figure counts the infos too.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

interface BiomeSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

export function benchLint(): Record<string, number> {
  const biome = join(ROOT, 'node_modules', '.bin', 'biome');
  const r = spawnSync(biome, ['check', '--reporter=json', '--max-diagnostics=none', '.'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`biome did not run (${r.error.message}): run npm ci`);
  let summary: BiomeSummary;
  try {
    summary = (JSON.parse(r.stdout) as { summary: BiomeSummary }).summary;
  } catch {
    throw new Error(`biome's JSON report could not be read: ${r.stderr.slice(0, 500)}`);
  }
  return { 'lint.problems': summary.errors + summary.warnings + summary.infos };
}
