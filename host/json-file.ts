// Reading a JSON input file for the host programs (npm start, the standalone simulator): the
// file name as the user would write it, and a complaint that names the line and column of a
// syntax error with an excerpt. Each program turns the failure into its own numbered error.

import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { describeJsonPosition, jsonErrorOffset } from './sim/cli-format';

/** A file name as the user would write it: relative to the working directory when inside it. */
export function shown(file: string): string {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : file;
}

export type JsonFile = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly kind: 'unreadable' | 'not-json'; readonly message: string };

export function readJsonFile(what: string, file: string): JsonFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, kind: 'unreadable', message: `cannot read the ${what} file ${shown(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const at = jsonErrorOffset(text);
    const pos = describeJsonPosition(text, at < 0 ? text.length : at);
    // V8's message may quote a multi-line snippet and its own position; keep just the complaint.
    const why = (e as Error).message.replace(/ in JSON at position \d+[^]*$/, '').replace(/, (\.\.\.)?"[^]*" is not valid JSON$/, '');
    return { ok: false, kind: 'not-json', message: `the ${what} file ${shown(file)} is not valid JSON at ${pos.where}: ${why}\n${pos.excerpt}` };
  }
}
