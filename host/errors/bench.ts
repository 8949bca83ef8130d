// The benchmarks' numbered errors (E790-E799; the station has E770-E789): a bad option to
// `npm run bench:holdout` or `npm run bench:device`, reported as every host tool reports its
// errors ("E790 OPTION: message", the shared exit status of exit.ts). docs/performance.md lists
// them (generated, host/docs/host-errors-md.ts).

import { HostError, errorTable } from './host-error';

export const BENCH_ERRORS = errorTable({
  OPTION: {
    code: 790,
    exit: 'usage',
    meaning: 'An unknown option of a benchmark, or an option without its value or with a value out of range (the option and its range named).',
    action: 'Correct the option named; docs/performance.md lists the options of each benchmark.',
  },
});

export type BenchErrorName = keyof typeof BENCH_ERRORS;

export const benchError = (name: BenchErrorName, message: string): HostError => new HostError(BENCH_ERRORS[name], message);
