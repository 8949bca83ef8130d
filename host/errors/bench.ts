// The benchmarks' numbered errors (E790-E799; the station has E770-E789): a bad option to
// `npm run bench:holdout` or `npm run bench:device`, or a package `npm run bench` needs,
// reported as every host tool reports its errors ("E790 OPTION: message", the shared exit
// status of exit.ts). docs/performance.md lists them (generated, host/docs/host-errors-md.ts).

import { HostError, errorTable } from './host-error';

export const BENCH_ERRORS = errorTable({
  OPTION: {
    code: 790,
    exit: 'usage',
    meaning: 'An unknown option of a benchmark, or an option without its value or with a value out of range (the option and its range named).',
    action: 'Correct the option named; docs/performance.md lists the options of each benchmark.',
  },
  PACKAGE_MISSING: {
    code: 791,
    exit: 'package',
    meaning: 'A Debian package a benchmark needs is missing (chromium for the dashboard) and could not be installed: not root, no apt-get, or apt-get failed. Checked before anything runs.',
    action: 'Run the command the message gives (apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium of your own.',
  },
});

export type BenchErrorName = keyof typeof BENCH_ERRORS;

export const benchError = (name: BenchErrorName, message: string): HostError => new HostError(BENCH_ERRORS[name], message);
