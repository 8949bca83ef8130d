// The virtual board's input files (prescription, mechanics, drug library), read and checked
// with the firmware's own readers before anything starts, with a pty or without (--no-port):
// an unreadable file, a syntax error (line and column) or a refusal (the firmware's numbered
// error) is a numbered board error, never a stack trace.

import { readFileSync } from 'node:fs';
import { formatError } from '../../firmware/core/errors';
import type { DrugLibrary } from '../../firmware/core/library';
import { readLibrary } from '../../firmware/core/library';
import type { Mechanics } from '../../firmware/core/mechanics';
import { readMechanics } from '../../firmware/core/mechanics';
import { mlToNl } from '../../firmware/core/units';
import { checkPrescriptionText } from '../cli/prescription-file';
import { readJsonFile, shown, unreadable } from '../json-file';
import type { BoardCliOptions } from './options';
import { boardError } from '../errors/board';

function loadJson(what: string, file: string): unknown {
  const r = readJsonFile(what, file);
  if (r.ok) return r.value;
  throw boardError(r.kind === 'unreadable' ? 'FILE_UNREADABLE' : 'FILE_NOT_JSON', r.message);
}

/** The prescription, JSON or YAML, checked as pumpctl program checks it (line, field, a typo named). */
function loadPrescription(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw boardError('FILE_UNREADABLE', `cannot read the prescription file ${shown(file)}: ${unreadable(e)}`);
  }
  const r = checkPrescriptionText(text, shown(file));
  if (r.ok) return r.value.input;
  throw boardError(r.kind === 'syntax' ? 'FILE_NOT_JSON' : 'REFUSED', r.kind === 'syntax' ? r.message : `the firmware refused the prescription:\n  ${r.message}`);
}

export interface BoardInputs {
  /** As read (the firmware takes them in this form). */
  readonly prescription: unknown;
  readonly mechanicsInput: unknown;
  readonly library: unknown;
  /** As the firmware reads them. */
  readonly mechanics: Mechanics;
  readonly drugLibrary: DrugLibrary;
  /** --reservoir-ml in nl, checked against the syringe; undefined: a full syringe. */
  readonly reservoirNl: number | undefined;
}

export function readInputs(o: BoardCliOptions): BoardInputs {
  const prescription = loadPrescription(o.files.prescription);
  const mechanicsInput = loadJson('mechanics', o.files.mechanics);
  const library = loadJson('library', o.files.library);
  const mechanics = readMechanics(mechanicsInput);
  if (!mechanics.ok) throw boardError('REFUSED', `the firmware refused the mechanics in ${shown(o.files.mechanics)}:\n  ${formatError(mechanics.error)}`);
  const lib = readLibrary(library);
  if (!lib.ok) throw boardError('REFUSED', `the firmware refused the drug library in ${shown(o.files.library)}:\n  ${formatError(lib.error)}`);
  const reservoirNl = o.reservoirMl === undefined ? undefined : mlToNl(o.reservoirMl);
  if (reservoirNl !== undefined && reservoirNl > mechanics.value.syringe.capacityNl)
    throw boardError('USAGE', `--reservoir-ml ${o.reservoirMl} is more than the ${mechanics.value.syringe.name} syringe holds.`);
  return { prescription, mechanicsInput, library, mechanics: mechanics.value, drugLibrary: lib.value, reservoirNl };
}
