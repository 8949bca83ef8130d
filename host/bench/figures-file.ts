// build/bench.json: one flat object of named figures, written by `npm run bench` and by the
// test checks (`npm run test:load`: tests.*). Every writer merges into what is there, so none
// drops another's figures; the file is replaced whole (temp file, rename), never left torn.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_FILE = fileURLToPath(new URL('../../build/bench.json', import.meta.url));

/** The figures in `file` (none if it is missing); a file that is not a JSON object is reported and replaced. */
export function readFigures(file = BENCH_FILE, warn: (text: string) => void = (t) => process.stderr.write(`${t}\n`)): Record<string, number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, number>;
  } catch {
    // reported below
  }
  warn(`${file} is not a JSON object of figures: starting it afresh`);
  return {};
}

/** Writes `figures` into `file` over the same names, keeping every other figure; returns the whole set. */
export function mergeFigures(figures: Readonly<Record<string, number>>, file = BENCH_FILE): Record<string, number> {
  const all = { ...readFigures(file), ...figures };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(tmp, file);
  return all;
}
