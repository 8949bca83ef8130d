// Reading an input file for the host programs (npm start, the standalone simulator, pumpctl):
// JSON, or YAML when the name ends in .yaml or .yml; the file name as the user would write it;
// a syntax error as the line and column with an excerpt (never a character offset); a file
// that cannot be read said in words (never a bare ENOENT). And one more help for a misspelt
// field: the firmware's readers stop at the first required field they miss, so a typo in a
// required name reads as "missing"; misspeltField() turns that into the unknown field it is,
// with the name it should be. Each program turns a failure into its own numbered error.

import { readFileSync } from 'node:fs';
import { extname, isAbsolute, relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { PumpError } from '../firmware/core/errors';
import { pumpError } from '../firmware/core/errors';
import { describeJsonPosition, jsonErrorOffset } from './json-position';

/** A file name as the user would write it: relative to the working directory when inside it. */
export function shown(file: string): string {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : file;
}

/** Why a file cannot be read, in words (the errno code in brackets for a search). */
export function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory, not a file', ENOTDIR: 'a part of the path is not a directory' };
  return code && words[code] ? `${words[code]} (${code})` : (e as Error).message;
}

export const isYamlName = (file: string): boolean => /^\.ya?ml$/i.test(extname(file));

export type JsonFile = { readonly ok: true; readonly value: unknown; readonly text: string } | { readonly ok: false; readonly kind: 'unreadable' | 'not-json'; readonly message: string };

/** Parses `text` as JSON, or as YAML when `file` ends in .yaml/.yml; `label` names it in errors. */
export function parseDataText(what: string, text: string, file: string, label = shown(file)): JsonFile {
  if (isYamlName(file)) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const syntax = doc.errors[0];
    if (syntax) {
      const at = lines.linePos(syntax.pos[0]);
      const pos = describeJsonPosition(text, syntax.pos[0]);
      return { ok: false, kind: 'not-json', message: `the ${what} file ${label} is not valid YAML at line ${at.line}, column ${at.col}: ${syntax.message.split('\n')[0]}\n${pos.excerpt}` };
    }
    return { ok: true, value: doc.toJS(), text };
  }
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch (e) {
    const at = jsonErrorOffset(text);
    const pos = describeJsonPosition(text, at < 0 ? text.length : at);
    // V8's message may quote a multi-line snippet and its own position; keep just the complaint.
    const why = (e as Error).message.replace(/ in JSON at position \d+[\s\S]*$/, '').replace(/, (\.\.\.)?"[\s\S]*" is not valid JSON$/, '');
    return { ok: false, kind: 'not-json', message: `the ${what} file ${label} is not valid JSON at ${pos.where.replace(/ \(offset \d+\)$/, '')}: ${why}\n${pos.excerpt}` };
  }
}

/** Reads a JSON (or YAML, by its name) input file. */
export function readJsonFile(what: string, file: string): JsonFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, kind: 'unreadable', message: `cannot read the ${what} file ${shown(file)}: ${unreadable(e)}` };
  }
  return parseDataText(what, text, file);
}

/** Edit distance, for a misspelt field name (short strings only). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The value at a field path such as `schedule[2]` or `drug` ('' is the root). */
function at(input: unknown, path: string): unknown {
  let node = input;
  for (const p of path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/**
 * A FIELD_MISSING error whose object holds a key close to the missing name (another case, or
 * at most two letters off) is a misspelling: FIELD_UNKNOWN for that key, with the suggestion.
 * Any other error comes back unchanged.
 */
export function misspeltField(input: unknown, error: PumpError): PumpError {
  if (error.name !== 'FIELD_MISSING' || error.field === undefined) return error;
  // The missing field is always a key: its parent is everything before the last dot.
  const dot = error.field.lastIndexOf('.');
  const parentPath = dot < 0 ? '' : error.field.slice(0, dot);
  const name = error.field.slice(dot + 1);
  const parent = at(input, parentPath);
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return error;
  const close = Object.keys(parent)
    .filter((k) => k !== name && (k.toLowerCase() === name.toLowerCase() || distance(k.toLowerCase(), name.toLowerCase()) <= 2))
    .sort((a, b) => distance(a, name) - distance(b, name))[0];
  if (close === undefined) return error;
  const path = parentPath ? `${parentPath}.${close}` : close;
  return pumpError('FIELD_UNKNOWN', `${path} is not a known field: did you mean ${name}?`, path);
}
