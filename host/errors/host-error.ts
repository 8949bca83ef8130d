// The shape of every numbered host error (code, name, exit status, meaning, what to do) and
// the one error class the host tools throw. The tables are one file per range beside this one
// (pumpctl.ts, board.ts, device.ts, station.ts, bench.ts, balance.ts); index.ts gathers them.

import type { ExitName } from './exit';
import { EXIT } from './exit';

export interface HostErrorSpec {
  readonly code: number;
  /** Printed after the code: `E812 TIMEOUT: ...`. Unique within its range. */
  readonly name: string;
  /** The exit status the tool ends with (exit.ts). */
  readonly exit: ExitName;
  readonly meaning: string;
  /** What to do about it. */
  readonly action: string;
  /** Answered on a socket and the program carries on (E862): its exit is never taken. */
  readonly answered?: true;
}

type Unnamed = Omit<HostErrorSpec, 'name'>;

/** A table keyed by name, each entry given its own name (so an entry alone says what it is). */
export function errorTable<const T extends Record<string, Unnamed>>(table: T): { readonly [K in keyof T & string]: T[K] & { readonly name: K } } {
  return Object.fromEntries(Object.entries(table).map(([name, e]) => [name, { ...e, name }])) as { readonly [K in keyof T & string]: T[K] & { readonly name: K } };
}

/** What a run folder keeps of an error, so the error can be raised again from it (errorFromRecord). */
export interface ErrorRecord {
  readonly code: number;
  readonly message: string;
}

/** A failure to report as `E8xx NAME: message`, then exit with its status. */
export class HostError extends Error {
  readonly spec: HostErrorSpec;
  /** For a refusal by the pump: the pump's own error code (E1xx-E6xx). */
  readonly pumpCode: number | undefined;

  constructor(spec: HostErrorSpec, message: string, pumpCode?: number) {
    super(message);
    this.spec = spec;
    this.pumpCode = pumpCode;
  }

  get code(): number {
    return this.spec.code;
  }

  get errorName(): string {
    return this.spec.name;
  }

  get exitName(): ExitName {
    return this.spec.exit;
  }

  get exitCode(): number {
    return EXIT[this.spec.exit];
  }

  /** `E812 TIMEOUT: no answer from ...`, as every tool prints it. */
  get text(): string {
    return `E${this.spec.code} ${this.spec.name}: ${this.message}`;
  }

  /** This error is `spec` (compare by spec, since names repeat across ranges). */
  is(spec: HostErrorSpec): boolean {
    return this.spec.code === spec.code;
  }

  record(): ErrorRecord {
    return { code: this.spec.code, message: this.message };
  }
}

export const isHostError = (e: unknown, spec?: HostErrorSpec): e is HostError => e instanceof HostError && (spec === undefined || e.is(spec));
