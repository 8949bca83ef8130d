// Reads a prescription file (JSON or YAML) and checks its structure with the firmware's own
// reader before anything goes to the pump. An error names the file, the line and the field:
// the firmware reports a field path (basal.steps[2].rateNlPerDay), mapped here back to where
// that field sits in the file.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { formatError } from '../../firmware/core/errors';
import { type Prescription, readPrescription } from '../../firmware/core/prescription';
import { CliError } from './errors';

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
    throw new CliError('FILE_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(extname(file));
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = lines.linePos(syntax.pos[0]);
    throw new CliError('PRESCRIPTION_INVALID', `${file}:${at.line}:${at.col}: not valid ${yaml ? 'YAML' : 'JSON'}: ${syntax.message.split('\n')[0]}`);
  }
  let input: unknown;
  if (yaml) input = doc.toJS();
  else {
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new CliError('PRESCRIPTION_INVALID', `${file}: not valid JSON: ${(e as Error).message}`);
    }
  }
  const read = readPrescription(input);
  if (!read.ok) {
    const field = read.error.field;
    const line = field ? lineOf(doc.contents, field, lines) : undefined;
    const where = line === undefined ? file : `${file}:${line}`;
    throw new CliError('PRESCRIPTION_INVALID', `${where}${field ? ` (field ${field})` : ''}: ${formatError(read.error)}`);
  }
  return { input, prescription: read.value };
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
