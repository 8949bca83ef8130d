// Reads a prescription file (JSON or YAML) and checks its structure with the firmware's own
// reader before anything goes to the pump. An error names the file, the line and the field:
// the firmware reports a field path (basal.steps[2].rateNlPerDay), mapped here back to where
// that field sits in the file.

import { readFileSync } from 'node:fs';
import type { Node } from 'yaml';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { formatError } from '../../firmware/core/errors';
import type { Prescription } from '../../firmware/core/prescription';
import { readPrescription } from '../../firmware/core/prescription';
import { misspeltField, parseDataText, unreadable } from '../json-file';
import { cliError } from '../errors/pumpctl';

export interface LoadedPrescription {
  /** What is staged on the pump: the file's content as JSON. */
  readonly input: unknown;
  /** The firmware's reading of it (the form RXDATA returns for the running one). */
  readonly prescription: Prescription;
}

export function loadPrescriptionFile(file: string): LoadedPrescription {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw cliError('FILE_UNREADABLE', `cannot read ${file}: ${unreadable(e)}`);
  }
  return parsePrescriptionText(text, file);
}

/** The same checks on text already read (the dashboard's upload), `file` naming it in errors. */
export function parsePrescriptionText(text: string, file: string): LoadedPrescription {
  const r = checkPrescriptionText(text, file);
  if (!r.ok) throw cliError('PRESCRIPTION_INVALID', r.message);
  return r.value;
}

/**
 * Parses and checks a prescription without throwing (npm start uses it too): JSON, or YAML by
 * the file's name; a syntax error with line and column; a firmware refusal with the line of
 * its field, a misspelt required field as unknown with the right name (host/json-file.ts).
 */
export function checkPrescriptionText(text: string, file: string): { ok: true; value: LoadedPrescription } | { ok: false; kind: 'syntax' | 'refused'; message: string } {
  const parsed = parseDataText('prescription', text, file, file);
  if (!parsed.ok) return { ok: false, kind: 'syntax', message: parsed.message };
  const input = parsed.value;
  const read = readPrescription(input);
  if (read.ok) return { ok: true, value: { input, prescription: read.value } };
  const error = misspeltField(input, read.error);
  // JSON is YAML too: one document model gives the line of a field in either.
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const field = error.field;
  const line = field ? lineOf(doc.contents, field, lines) : undefined;
  const where = line === undefined ? file : `${file}:${line}`;
  return { ok: false, kind: 'refused', message: `${where}${field ? ` (field ${field})` : ''}: ${formatError(error)}` };
}

/** The line of the deepest part of `path` (a.b[2].c) present in the document. */
function lineOf(root: unknown, path: string, lines: LineCounter): number | undefined {
  const parts = path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let node = root as Node | null | undefined;
  let line: number | undefined = node?.range ? lines.linePos(node.range[0]).line : undefined;
  for (const p of parts) {
    let next: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((i) => (i.key as { value?: unknown } | null)?.value === p);
      if (pair) {
        const keyNode = pair.key as Node;
        if (keyNode.range) line = lines.linePos(keyNode.range[0]).line;
        next = pair.value as Node | undefined;
      }
    } else if (isSeq(node)) {
      next = node.items[Number(p)] as Node | undefined;
      if (next?.range) line = lines.linePos(next.range[0]).line;
    }
    if (!next) break;
    node = next;
  }
  return line;
}
