// Every numbered host error in one list, by range: what the docs are generated from, and how
// a run folder's recorded error is raised again (errorFromRecord). The firmware's own codes
// (E100-E6xx) are firmware/core/errors.ts.

import { BALANCE_ERRORS } from './balance';
import { BENCH_ERRORS } from './bench';
import { BOARD_ERRORS } from './board';
import { DEVICE_ERRORS } from './device';
import type { ExitName } from './exit';
import { EXIT_STATUSES } from './exit';
import type { ErrorRecord, HostErrorSpec } from './host-error';
import { HostError } from './host-error';
import { PUMPCTL_ERRORS } from './pumpctl';
import { STATION_ERRORS } from './station';

export { EXIT, EXIT_STATUSES, type ExitName } from './exit';
export { type ErrorRecord, HostError, type HostErrorSpec, isHostError } from './host-error';

export interface ErrorRange {
  readonly id: 'device' | 'station' | 'bench' | 'pumpctl' | 'board' | 'balance';
  /** E701-E727 as the docs write it. */
  readonly range: string;
  /** Who raises these errors. */
  readonly tools: string;
  /** The table's file, named in the generated docs. */
  readonly source: string;
  readonly errors: readonly HostErrorSpec[];
}

export const ERROR_RANGES: readonly ErrorRange[] = [
  { id: 'device', range: 'E701-E769', tools: '`npm run build:esp32`, `npm run flash`, `npx tsx host/lin/build.ts`', source: 'host/errors/device.ts', errors: Object.values(DEVICE_ERRORS) },
  { id: 'station', range: 'E770-E789', tools: '`pumpctl station`', source: 'host/errors/station.ts', errors: Object.values(STATION_ERRORS) },
  { id: 'bench', range: 'E790-E799', tools: '`npm run bench`, `npm run bench:holdout`, `npm run bench:device`', source: 'host/errors/bench.ts', errors: Object.values(BENCH_ERRORS) },
  { id: 'pumpctl', range: 'E800-E849', tools: '`pumpctl`', source: 'host/errors/pumpctl.ts', errors: Object.values(PUMPCTL_ERRORS) },
  { id: 'board', range: 'E850-E899', tools: '`npm start` (the virtual board)', source: 'host/errors/board.ts', errors: Object.values(BOARD_ERRORS) },
  { id: 'balance', range: 'E900-E999', tools: "`pumpctl`'s balance commands and the station", source: 'host/errors/balance.ts', errors: Object.values(BALANCE_ERRORS) },
];

/** The exit statuses `errors` can end with, and 0 and 1 (which every tool has), in the table's order. */
export function exitsUsedBy(errors: readonly HostErrorSpec[]): ExitName[] {
  const used = new Set<ExitName>(['ok', 'internal']);
  for (const e of errors) if (!e.answered) used.add(e.exit);
  return (Object.keys(EXIT_STATUSES) as ExitName[]).filter((n) => used.has(n));
}

export const HOST_ERRORS: readonly HostErrorSpec[] = ERROR_RANGES.flatMap((r) => r.errors);

const BY_CODE = new Map(HOST_ERRORS.map((e) => [e.code, e]));

export const hostErrorSpec = (code: number): HostErrorSpec | undefined => BY_CODE.get(code);

/** The error a run folder recorded (HostError.record()), raised again; undefined for a code no table has. */
export function errorFromRecord(r: ErrorRecord): HostError | undefined {
  const spec = BY_CODE.get(r.code);
  return spec && new HostError(spec, r.message);
}
