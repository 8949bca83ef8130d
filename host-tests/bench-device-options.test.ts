// `npm run bench:device -- --only KEY,KEY --scale X` (host/bench/device.ts): the options are read
// once, every workload runs without them, and each bad option line is E790 with the usage exit
// before valgrind or the SDK is looked for (a bad --scale used to crash with exit 1, an unknown
// option or key was ignored). No valgrind or Moddable SDK is needed here: nothing is run.
import { describe, expect, it } from 'vitest';
import { parseDeviceOptions } from '../host/bench/device';
import { EXIT, HostError } from '../host/errors';

const keys = (args: string[]): string[] => parseDeviceOptions(args).workloads.map((w) => w.key);

describe('bench:device options', () => {
  it('runs every workload at full size without options, and the ones named with --only', () => {
    expect(keys([])).toEqual(['1mlday', '240mlday.timer', '240mlday.ledc', 'command', 'mac']);
    expect(parseDeviceOptions([]).scale).toBe(1);
    const o = parseDeviceOptions(['--only', 'mac,command', '--scale', '0.5']);
    expect(o.workloads.map((w) => w.key)).toEqual(['command', 'mac']);
    expect(o.scale).toBe(0.5);
  });

  it('refuses an unknown option, a missing value, an unknown key and a bad scale with E790', () => {
    const cases: [string[], RegExp][] = [
      [['--seeds', '3'], /unknown option "--seeds"/],
      [['--only'], /--only needs a value/],
      [['--only', 'mac,fast'], /--only takes 1mlday, .* not "fast"/],
      [['--only', ''], /--only takes .* not ""/],
      [['--scale', '-1'], /--scale takes a positive number, not "-1"/],
      [['--scale', 'big'], /not "big"/],
      [['--scale', 'Infinity'], /not "Infinity"/],
      [['--scale', '0.5', '--scale'], /--scale needs a value/],
    ];
    for (const [args, text] of cases) {
      let error: unknown;
      try {
        parseDeviceOptions(args);
      } catch (e) {
        error = e;
      }
      expect(error, args.join(' ')).toBeInstanceOf(HostError);
      const e = error as HostError;
      expect(e.text, args.join(' ')).toMatch(/^E790 OPTION: /);
      expect(e.text, args.join(' ')).toMatch(text);
      expect(e.exitCode).toBe(EXIT.usage);
    }
  });
});
