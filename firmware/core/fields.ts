// Reading untrusted records (a prescription from the wire, a mechanics file, a drug library)
// field by field. Each read checks presence, type, whole-number-ness and range and names the
// field path in the error; `finish()` refuses fields nobody read, so a misspelt name is an
// error rather than a silently ignored setting. Validators throw FieldError internally and
// `readRecord` turns the first one into a Result.

import type { ErrorName, PumpError, Result } from './errors';
import { fail, ok, pumpError } from './errors';

export class FieldError extends Error {
  readonly error: PumpError;
  constructor(error: PumpError) {
    super(error.message);
    this.error = error;
  }
}

export function refuse(name: ErrorName, message: string, field?: string): never {
  throw new FieldError(pumpError(name, message, field));
}

type Json = unknown;

export class FieldReader {
  readonly path: string;
  readonly #record: Record<string, Json>;
  readonly #seen = new Set<string>();

  constructor(value: Json, path: string) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      refuse('FIELD_TYPE', `${path || 'the record'} must be an object`, path);
    }
    this.#record = value as Record<string, Json>;
    this.path = path;
  }

  has(name: string): boolean {
    return this.#record[name] !== undefined;
  }

  fieldPath(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  #raw(name: string, optional: boolean): Json {
    this.#seen.add(name);
    const v = this.#record[name];
    if (v === undefined && !optional) refuse('FIELD_MISSING', `${this.fieldPath(name)} is required`, this.fieldPath(name));
    return v;
  }

  /** A whole number in [min, max]. */
  int(name: string, min: number, max: number): number {
    return checkInt(this.#raw(name, false), this.fieldPath(name), min, max);
  }

  optInt(name: string, min: number, max: number): number | undefined {
    const v = this.#raw(name, true);
    return v === undefined ? undefined : checkInt(v, this.fieldPath(name), min, max);
  }

  /** A finite decimal in [min, max] (only for human-entered factors, converted at once). */
  optDecimal(name: string, min: number, max: number): number | undefined {
    const v = this.#raw(name, true);
    if (v === undefined) return undefined;
    const p = this.fieldPath(name);
    if (typeof v !== 'number' || !Number.isFinite(v)) refuse('FIELD_TYPE', `${p} must be a number`, p);
    if (v < min || v > max) refuse('FIELD_RANGE', `${p} is ${v}; it must be from ${min} to ${max}`, p);
    return v;
  }

  str(name: string, maxLength: number): string {
    const v = this.#raw(name, false);
    return checkStr(v, this.fieldPath(name), maxLength);
  }

  optStr(name: string, maxLength: number): string | undefined {
    const v = this.#raw(name, true);
    return v === undefined ? undefined : checkStr(v, this.fieldPath(name), maxLength);
  }

  choice<T extends string>(name: string, choices: readonly T[]): T {
    const v = this.#raw(name, false);
    const p = this.fieldPath(name);
    if (typeof v !== 'string') refuse('FIELD_TYPE', `${p} must be text`, p);
    if (!(choices as readonly string[]).includes(v)) {
      refuse('FIELD_CHOICE', `${p} is "${v}"; it must be one of ${choices.join(', ')}`, p);
    }
    return v as T;
  }

  optBool(name: string): boolean | undefined {
    const v = this.#raw(name, true);
    const p = this.fieldPath(name);
    if (v !== undefined && typeof v !== 'boolean') refuse('FIELD_TYPE', `${p} must be true or false`, p);
    return v as boolean | undefined;
  }

  /** A nested record, or undefined when absent. */
  optRecord(name: string): FieldReader | undefined {
    const v = this.#raw(name, true);
    return v === undefined ? undefined : new FieldReader(v, this.fieldPath(name));
  }

  record(name: string): FieldReader {
    return new FieldReader(this.#raw(name, false), this.fieldPath(name));
  }

  /** The raw value of a field whose type varies (a syringe name or a custom syringe). */
  any(name: string): Json {
    return this.#raw(name, false);
  }

  /**
   * An array of at most `maxLength` items, each read by `item`. Too many is `tooMany` where the
   * format has an error of its own for it (a schedule's E110, trial doses' E114), else E103.
   */
  list<T>(name: string, maxLength: number, item: (value: Json, path: string) => T, tooMany: ErrorName = 'FIELD_RANGE'): T[] {
    const v = this.#raw(name, false);
    const p = this.fieldPath(name);
    if (!Array.isArray(v)) refuse('FIELD_TYPE', `${p} must be a list`, p);
    if (v.length > maxLength) refuse(tooMany, `${p} has ${v.length} items; at most ${maxLength} are allowed`, p);
    return v.map((x, i) => item(x, `${p}[${i}]`));
  }

  /** Refuses any field that no read asked for. */
  finish(): void {
    for (const key of Object.keys(this.#record)) {
      if (!this.#seen.has(key)) {
        refuse('FIELD_UNKNOWN', `${this.fieldPath(key)} is not a known field`, this.fieldPath(key));
      }
    }
  }
}

function checkInt(v: Json, p: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) refuse('FIELD_TYPE', `${p} must be a number`, p);
  if (!Number.isInteger(v)) refuse('FIELD_NOT_INTEGER', `${p} is ${v}; it must be a whole number`, p);
  if (v < min || v > max) refuse('FIELD_RANGE', `${p} is ${v}; it must be from ${min} to ${max}`, p);
  return v;
}

function checkStr(v: Json, p: string, maxLength: number): string {
  if (typeof v !== 'string') refuse('FIELD_TYPE', `${p} must be text`, p);
  if (v.length === 0 || v.length > maxLength) refuse('FIELD_RANGE', `${p} must be 1 to ${maxLength} characters`, p);
  return v;
}

/** Runs a validator that throws FieldError and returns its first error as a Result. */
export function readRecord<T>(read: () => T): Result<T> {
  try {
    return ok(read());
  } catch (e) {
    if (e instanceof FieldError) return fail(e.error);
    throw e;
  }
}

/** A whole, non-negative number of nanolitres given on its own (a refill, a threshold). */
export function readWholeNl(value: unknown, field: string): Result<number> {
  return readRecord(() => {
    if (typeof value !== 'number' || !Number.isInteger(value)) refuse('FIELD_NOT_INTEGER', `${field} must be a whole number of nl`, field);
    if (value < 0) refuse('FIELD_RANGE', `${field} cannot be negative`, field);
    return value;
  });
}
