// The test suite in four projects, so the quick loop stays quick: `npm run test:unit` (in process,
// seconds), `test:slow` (days to months of simulated time, exhaustive power-cut sweeps, bundle
// builds and CLIs run as processes), `test:xs` (the XS engine's worker) and `test:pty` (the
// virtual board as a child process behind socat ptys, pumpctl end to end). `npm test` runs them
// all. A new test file lands in `unit` unless it matches a list below: a file that spawns the
// board or socat goes in PTY, one that starts the XS worker in XS, one that takes more than a
// few seconds in SLOW.
import { configDefaults, defineConfig } from 'vitest/config';

const XS_BUNDLES = 'host-tests/xs-bundles.setup.ts';
const CHROMIUM = 'host-tests/chromium.setup.ts';
const PTY = ['host-tests/pty.test.ts', 'host-tests/*-pty.test.ts', 'host-tests/virtual-board*.test.ts'];
const XS = ['host-tests/xs-*.test.ts'];
const SLOW = [
  // Simulated hours to months: scenarios, random prescriptions over days, dose memory across
  // resets, the accuracy procedures on the virtual rig.
  'host-tests/scenarios-*.test.ts',
  'host-tests/properties.test.ts',
  'host-tests/dose-guard.test.ts',
  'host-tests/late-stop.test.ts',
  'host-tests/bolus-power-cycle.test.ts',
  'host-tests/occlusion-startup.test.ts',
  'host-tests/accuracy-run.test.ts',
  'host-tests/pumpctl-accuracy.test.ts',
  // A power cut at every byte written, and years of log; the whole restored state compared
  // after cuts with ESP32 NVS semantics.
  'host-tests/storage-records.test.ts',
  'host-tests/storage-log.test.ts',
  'host-tests/storage-power-cut-state.test.ts',
  // The protocol fuzzer (sessions held, the clock advancing), the realistic lines and the
  // calibration of drawn rigs over simulated hours, and the programming-safety sequences:
  // 10-45 s of CPU each, most of the unit project's time before they moved here.
  'host-tests/protocol-fuzz.test.ts',
  'host-tests/line-realistic.test.ts',
  'host-tests/rig-mechanics-calibration.test.ts',
  'host-tests/rig-backoff-play.test.ts',
  'host-tests/backoff-content.test.ts',
  'host-tests/programming-safety.test.ts',
  // Rollup and esbuild bundles, and the CLIs started as processes.
  'host-tests/build.test.ts',
  'host-tests/device-build.test.ts',
  'host-tests/cli.test.ts',
  'host-tests/pumpctl-bin.test.ts',
  // The bench's pool: worker threads that each start tsx.
  'host-tests/bench-pool.test.ts',
];

export default defineConfig({
  test: {
    // (No include here: a project that extends this config would add its own to it, not replace it.)
    // Scenario tests run days of virtual time; a slow CI machine needs headroom.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    globalSetup: ['host-tests/scratch.setup.ts'],
    projects: [
      // Worker threads start faster than processes, and every core may run a file: the quick
      // loop's cost is mostly starting 70-odd small files and importing the firmware into each
      // (about 36 s of CPU). Without isolation a worker imports the firmware once for all the
      // files it runs (9 s instead of 21 s here): every unit test builds its own pump, rig and
      // clock, none mocks a module, and a file that fakes timers or globals restores them in
      // afterEach (a rule for new unit tests; shuffled runs, `--sequence.shuffle`, pass). A
      // project with its own maxWorkers needs its own group: under `npm test` unit runs first,
      // then the others together.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['host-tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...PTY, ...XS, ...SLOW],
          pool: 'threads',
          isolate: false,
          maxWorkers: '100%',
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'slow', include: SLOW, sequence: { groupOrder: 1 } } },
      // The XS bundles these use are built once before their files start (the setup file says why).
      { extends: true, test: { name: 'xs', include: XS, globalSetup: [XS_BUNDLES], sequence: { groupOrder: 1 } } },
      // Chromium is installed first where it is missing (the setup file says why).
      { extends: true, test: { name: 'pty', include: PTY, globalSetup: [CHROMIUM, XS_BUNDLES], sequence: { groupOrder: 1 } } },
    ],
  },
});
