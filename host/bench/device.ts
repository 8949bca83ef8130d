// `npm run bench:device`: the firmware's CPU cost measured, not estimated (issue 18). Needs the
// Moddable SDK's host tools (MODDABLE set, its bin on PATH) and valgrind; not part of
// `npm test` or `npm run bench`.
//
// It builds host/lin/bench-device.ts in the SDK's x-cli-lin target (host/lin/build.ts: the
// same XS engine and the same C of the native digest as the ESP32 image, compiled for x86-64
// with the SDK's release flags) and runs that one program under valgrind's callgrind, which
// counts every x86-64 instruction the process executes (Ir). Each workload runs three times,
// at 0, N and 2N units of work (simulated minutes, or signed commands), the simulated time
// advanced by a virtual clock inside the program. The slope (count at 2N less count at 0,
// over 2N) is the cost of one more unit with the boot (process start, XS machine, the bundle,
// the controller, a login) removed; the two halves of it are compared to show the cost is
// linear. Figures go to build/bench-device.json and build/bench.json
// (host/bench/figures-file.ts); docs/performance.md turns them into ESP32 CPU with the
// assumptions below.
//
//   npm run bench:device [-- --only 1mlday,240mlday.timer,240mlday.ledc,command,mac] [--scale 0.5]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HostError } from '../errors';
import { benchError } from '../errors/bench';
import { buildLinProgram } from '../lin/build';
import { BENCH_FILE, mergeFigures } from './figures-file';

const BENCH_DEVICE_FILE = BENCH_FILE.replace(/bench\.json$/, 'bench-device.json');

/** ESP32 CPU from x86-64 instructions (docs/performance.md, "CPU: measured"). */
export const ESP32 = {
  /** Clock of the ESP32's Xtensa LX6 cores in the firmware's configuration. */
  hz: 240e6,
  /** Xtensa instructions per x86-64 instruction for the same work (range 1.1 to 2). */
  xtensaPerX86: 1.3,
  /** Instructions per cycle of the LX6 running XS from flash through its cache (range 0.4 to 0.9). */
  ipc: 0.6,
} as const;

/** ESP32 milliseconds for `x86Instructions`, by the assumptions above. */
export function esp32Ms(x86Instructions: number): number {
  return ((x86Instructions * ESP32.xtensaPerX86) / ESP32.ipc / ESP32.hz) * 1_000;
}

interface Workload {
  readonly key: string;
  readonly figure: string;
  readonly title: string;
  /** N, in the workload's own unit. */
  readonly n: number;
  /** What N counts: simulated minutes, signed commands or frame MACs. */
  readonly unit: 'minute' | 'command' | 'MAC';
  readonly args: (units: number) => string[];
  /** Units of `n` per reported figure (60 minutes an hour, 1 command). */
  readonly per: number;
  readonly proves: string;
  readonly doesNot: string;
}

const WORKLOADS: readonly Workload[] = [
  {
    key: '1mlday',
    figure: 'device.instrPerSimHour.1mlday',
    title: 'x86-64 instructions per simulated hour, 1 mL/day, 16 microsteps (a step every 20 s, timer stepping)',
    n: 360,
    unit: 'minute',
    args: (m) => ['deliver', '1000000', '16', String(m)],
    per: 60,
    proves:
      'what the firmware alone executes in an hour of delivery: 3 600 flow-sensor reads and checks, 60 battery reads, about 180 timer-stepped pulses and their booking, the hourly total, through the same XS engine and bytecode as the ESP32 image (x86-64 build, -O3)',
    doesNot:
      'ESP32 time: that needs an instruction ratio and a cycles-per-instruction figure (docs/performance.md states them); nor the SDK IO and timer C that stubs stand in for here, NVS and the flash log, GC pauses at the device heap size, or interrupt and Wi-Fi-free idle overhead of ESP-IDF',
  },
  {
    key: '240mlday.timer',
    figure: 'device.instrPerSimHour.240mlday.timer',
    title: 'x86-64 instructions per simulated hour, 240 mL/day, 64 microsteps (about 48 timer pulses a second)',
    n: 15,
    unit: 'minute',
    args: (m) => ['deliver', '240000000', '64', String(m)],
    per: 60,
    proves: "the cost of timer stepping at the rig's highest soft-limit rate: one timer callback per pulse plus the same sensor work",
    doesNot: "how late those callbacks run on the board (jitter is the FreeRTOS tick's), nor the cost of Timer.set as a host object in the SDK's C timer service",
  },
  {
    key: '240mlday.ledc',
    figure: 'device.instrPerSimHour.240mlday.ledc',
    title: 'x86-64 instructions per simulated hour, 240 mL/day, 256 microsteps (an LEDC segment every 100 ms)',
    n: 30,
    unit: 'minute',
    args: (m) => ['deliver', '240000000', '256', String(m)],
    per: 60,
    proves: "the cost of LEDC stepping: the driver's segment planning and booking and the STEP pin reopened as PWM and back, ten times a second",
    doesNot: "the ESP32's own cost of ledc_timer_config/ledc_channel_config and gpio reconfiguration in each reopen (C in the SDK and ESP-IDF, stubbed here): they add to this figure on the board",
  },
  {
    key: 'command',
    figure: 'device.instrPerCommand',
    title: 'x86-64 instructions per signed command (STATUS, clinician session, native HMAC-SHA256)',
    n: 200,
    unit: 'command',
    args: (c) => ['commands', String(c), '400'],
    per: 1,
    proves:
      "what one signed STATUS costs the firmware from the line's bytes to its reply: line reader, CRC, parse, session lookup, the MAC by the SDK's native HMAC-SHA256 (modCrypt.c, kcl/fips180.c and hmac.js), dispatch, the reply and its CRC; the client's signing is done in every run and so removed with the boot",
    doesNot: "other commands (a PROGRAM staging frame or a LOG page cost more), AUTH (three HMACs), the UART driver's C, or the time a command waits behind timer callbacks on the board",
  },
  {
    key: 'mac',
    figure: 'device.instrPerFrameMac',
    title: 'x86-64 instructions per frame MAC (frameMacWith: HMAC-SHA256 by hmac.js over the native SHA-256, truncated to 16 hex)',
    n: 200,
    unit: 'MAC',
    args: (c) => ['mac', String(c)],
    per: 1,
    proves: "the digest's share of device.instrPerCommand: the rest is the protocol path in JavaScript",
    doesNot: 'that the SHA-256 is the cost: of a MAC, the C compression function is a few percent; hmac.js pads and copies the key in JavaScript, and two Digest objects are made per call',
  },
];

interface Run {
  readonly units: number;
  readonly instructions: number;
  readonly seconds: number;
  readonly summary: Record<string, unknown>;
}

function callgrind(program: string, env: Record<string, string>, args: readonly string[], dir: string): Run | string {
  const started = process.hrtime.bigint();
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'callgrind.%p')}`, program, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) return `valgrind could not start: ${r.error.message}`;
  const collected = /Collected : (\d+)/.exec(r.stderr);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || collected === null)
    return `exit ${r.status}: ${
      r.stderr
        .split('\n')
        .filter((l) => !l.startsWith('=='))
        .join(' ')
        .trim() || last
    }`;
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(last) as Record<string, unknown>;
  } catch {
    return `no summary line: ${last}`;
  }
  // A run that alarmed or stopped measures something else than delivery.
  if (summary.state !== 'running' || summary.alarms !== 0) return `the pump was not delivering cleanly at the end: ${last}`;
  return { units: Number(args[0] === 'deliver' ? args[3] : args[1]), instructions: Number(collected[1]), seconds, summary };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
const mega = (n: number): string => `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 2)} M`;

/** What `npm run bench:device -- ...` asked for: the workloads to count, and how much of each. */
export interface DeviceOptions {
  readonly workloads: readonly Workload[];
  readonly scale: number;
}

/**
 * `--only KEY,KEY` and `--scale X` from `args`, read once: an unknown option, a missing value,
 * an unknown key or a scale that is not a positive number is E790, never a crash or ignored.
 */
export function parseDeviceOptions(args: readonly string[]): DeviceOptions {
  let only: string[] | undefined;
  let scale = 1;
  for (let i = 0; i < args.length; i += 2) {
    const [name, text] = [args[i]!, args[i + 1]];
    if (name !== '--only' && name !== '--scale') throw benchError('OPTION', `unknown option "${name}": bench:device takes --only KEY,KEY and --scale X`);
    if (text === undefined) throw benchError('OPTION', `${name} needs a value`);
    if (name === '--only') {
      only = text.split(',');
      const unknown = only.filter((k) => !WORKLOADS.some((w) => w.key === k));
      if (unknown.length > 0) throw benchError('OPTION', `--only takes ${WORKLOADS.map((w) => w.key).join(', ')} (comma-separated), not "${unknown.join(',') || text}"`);
    } else {
      scale = Number(text);
      if (!(scale > 0 && Number.isFinite(scale))) throw benchError('OPTION', `--scale takes a positive number, not "${text}"`);
    }
  }
  return { workloads: WORKLOADS.filter((w) => only === undefined || only.includes(w.key)), scale };
}

/**
 * device.imageBytes: the firmware's bytecode as xsl links it into the ESP32 image, from
 * `npm run build:esp32 -- --xs-only` (tsc/rollup, xsc and xsl; no ESP-IDF): the size of
 * main.xsb, the bundle compiled by xsc, which xsl places in flash. Where ESP-IDF built the
 * application image too (build/mc/bin/esp32/release/xs_esp32.bin), its size is reported as
 * device.appImageBytes. Undefined when the build fails (its output is printed).
 */
function imageFigures(env: Record<string, string>): Record<string, number> {
  const r = spawnSync('npx', ['tsx', 'host/device/build.ts', '--xs-only'], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const xsb = 'build/mc/tmp/esp32/release/main/modules/main.xsb';
  if (r.status !== 0 || !existsSync(xsb)) {
    process.stderr.write(`device.imageBytes: npm run build:esp32 -- --xs-only failed (exit ${r.status}):\n${r.stdout}${r.stderr}\n`);
    return {};
  }
  const out: Record<string, number> = { 'device.imageBytes': statSync(xsb).size };
  const app = 'build/mc/bin/esp32/release/xs_esp32.bin';
  if (existsSync(app)) out['device.appImageBytes'] = statSync(app).size;
  return out;
}

async function main(args: readonly string[]): Promise<number> {
  const { workloads: chosen, scale } = parseDeviceOptions(args);

  const valgrind = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (valgrind.error !== undefined || valgrind.status !== 0) {
    process.stderr.write('bench:device needs valgrind (callgrind counts the instructions): apt-get install -y valgrind\n');
    return 3;
  }
  const program = await buildLinProgram('bench-device');
  if (!program.ok) return program.exit;
  process.stdout.write(`\n${program.path} under ${valgrind.stdout.trim()} --tool=callgrind\n`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-device-'));
  const figures: Record<string, number> = {};
  const report: string[] = [];
  try {
    for (const w of chosen) {
      const n = Math.max(1, Math.round(w.n * scale));
      const runs: Run[] = [];
      for (const units of [0, n, 2 * n]) {
        const r = callgrind(program.path, program.env, w.args(units), dir);
        if (typeof r === 'string') {
          process.stderr.write(`${w.key} at ${units} ${w.unit}s: ${r}\n`);
          return 1;
        }
        process.stdout.write(`  ${w.key.padEnd(15)} ${String(units).padStart(4)} ${w.unit}s: ${fmt(r.instructions).padStart(15)} Ir  (${r.seconds.toFixed(1)} s under callgrind)\n`);
        runs.push(r);
      }
      const [r0, r1, r2] = runs as [Run, Run, Run];
      const slope = ((r2.instructions - r0.instructions) / (2 * n)) * w.per;
      const first = r1.instructions - r0.instructions;
      const second = r2.instructions - r1.instructions;
      const linearity = Math.abs(second - first) / ((second + first) / 2);
      figures[w.figure] = Math.round(slope);
      report.push(
        `${w.figure} = ${fmt(slope)} (${mega(slope)})`,
        `  ${w.title}`,
        `  runs: 0, ${n}, ${2 * n} ${w.unit}s; boot ${mega(r0.instructions)}; halves ${mega(first)} and ${mega(second)} (differ by ${(linearity * 100).toFixed(2)} %)`,
        `  ESP32 by docs/performance.md's assumptions: ${w.unit === 'minute' ? `${(esp32Ms(slope) / 1_000).toFixed(2)} s of one core per simulated hour (${((esp32Ms(slope) / 3_600_000) * 100).toFixed(3)} %)` : `${esp32Ms(slope).toFixed(2)} ms each`}`,
        `  proves: ${w.proves}`,
        `  does not prove: ${w.doesNot}`,
        '',
      );
      if (w.key === 'command') figures['device.commandMsEstimate'] = Math.round(esp32Ms(slope) * 100) / 100;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const image = imageFigures(program.env);
  Object.assign(figures, image);
  if (image['device.imageBytes'] !== undefined) {
    report.push(
      `device.imageBytes = ${fmt(image['device.imageBytes'])} bytes`,
      "  the firmware's bytecode (main.xsb from npm run build:esp32 -- --xs-only), which xsl links into the ESP32 image's flash",
      `  application image (ESP-IDF): ${image['device.appImageBytes'] === undefined ? 'not built here (no ESP-IDF)' : `${fmt(image['device.appImageBytes'])} bytes`}`,
      '',
    );
  }
  process.stdout.write(`\n${report.join('\n')}`);
  process.stdout.write(
    [
      'All figures: x86-64 instructions counted by callgrind (deterministic for one binary and one set of arguments),',
      `not time. ESP32 time assumes ${ESP32.xtensaPerX86} Xtensa instructions per x86-64 one and ${ESP32.ipc} instructions per cycle at ${ESP32.hz / 1e6} MHz`,
      '(docs/performance.md says why and gives the range); device.commandMsEstimate is that estimate, not a measurement.',
      "The stub IO and virtual clock are JavaScript here where the device runs the SDK's C, and the firmware's storage",
      '(NVS, flash log), annunciator, end-stops and dose guard are not in the program.',
      '',
    ].join('\n'),
  );
  // Issue 18 names build/bench-device.json (a run needs MODDABLE and valgrind, so it is kept
  // apart from npm run bench's); build/bench.json gets them too, where every figure is kept.
  mergeFigures(figures, BENCH_DEVICE_FILE);
  mergeFigures(figures);
  process.stdout.write(`written to build/bench-device.json and build/bench.json: ${Object.keys(figures).join(', ')}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof HostError) {
        process.stderr.write(`bench:device: ${e.text}\n`);
        process.exit(e.exitCode);
      }
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
