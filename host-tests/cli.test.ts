// The virtual board without a pty (`npm start -- --no-port`, host/board/no-port.ts) as a user
// runs it: host/board/main.ts in a child process (stdin not a terminal, stdout a pipe), at
// speed-ups that finish each run in well under a second of simulated waiting.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import prescription from '../firmware/app/examples/prescription.example.json';
import { EXIT } from '../host/errors';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'pump-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'host/board/main.ts', '--no-port', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(TMP, name);
  writeFileSync(path, text);
  return path;
}

/** nl the example's flexible schedule delivers in whole days started at midnight. */
function exampleDailyNl(): number {
  const steps = prescription.schedule;
  return steps.reduce((sum, s, i) => {
    const end = i + 1 < steps.length ? steps[i + 1]!.startMs : 86_400_000;
    return sum + (s.rateNlPerDay * (end - s.startMs)) / 86_400_000;
  }, 0);
}

describe('the virtual board without a pty (npm start -- --no-port)', () => {
  it('--help explains the options and exit codes and exits 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--speed N/);
    expect(r.stdout).toMatch(/--for DURATION/);
    expect(r.stdout).toMatch(/not a medical device/i);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*\b2\s+usage[\s\S]*\b3\s+file[\s\S]*\b9\s+refused \(E853 REFUSED\)/);
    expect(r.stdout).toMatch(/--no-port [\s\S]*--prime/);
  });

  it('runs two days of the example as JSON lines and delivers what it prescribes', () => {
    const r = cli('--speed', '86400000', '--for', '2d', '--json', '--time-of-day', '00:00');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!['kind']).toBe('start');
    const events = lines.filter((l) => l['kind'] === 'event');
    expect(events.some((e) => e['type'] === 'program')).toBe(true);
    expect(events.filter((e) => e['type'] === 'hour-total')).toHaveLength(48);
    expect(events.filter((e) => e['type'] === 'day-total')).toHaveLength(2);
    expect(lines.some((l) => l['kind'] === 'status')).toBe(true);
    const summary = lines.at(-1)!;
    expect(summary['kind']).toBe('summary');
    expect(summary['simulatedMs']).toBe(2 * 86_400_000);
    const expected = 2 * exampleDailyNl();
    expect(Math.abs((summary['deliveredNl'] as number) - expected) / expected).toBeLessThan(0.01);
    // The rig's count of pulses agrees with the firmware's books to within one microstep.
    expect(Math.abs(summary['rigMinusFirmwareMicrosteps'] as number)).toBeLessThan(1);
  });

  it('prints a readable log when stdout is not a terminal', () => {
    const r = cli('--speed', '1e9', '--for', '3h', '--time-of-day', '06:30', '--prime');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toMatch(/NOT A MEDICAL DEVICE/);
    expect(r.stdout).toMatch(/Prescription +bench-flexible/);
    expect(r.stdout).toMatch(/^status 0d 00:00:00 06:30:00 running/m);
    expect(r.stdout).toMatch(/^0d 00:30:00 07:00:00 +rate +SCHEDULE_STEP: .*\[rate 0\.400 mL\/day/m);
    expect(r.stdout).toMatch(/bolus-end +BOLUS_COMPLETE/);
    expect(r.stdout).toMatch(/Summary \(done\): 0d 03:00:00 simulated/);
  });

  it('exits 2 on a bad option value', () => {
    const r = cli('--speed', 'fast');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--speed "fast" is not a positive number/);
  });

  it('injects faults with --fault, and exits 2 naming the bad part of a bad one', () => {
    const bad = cli('--fault', 'occlusion@soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"soon" is not a duration/);
    const stall = cli('--speed', '86400000', '--for', '2h', '--time-of-day', '00:00', '--json', '--fault', 'stall@1h');
    expect(stall.code).toBe(0);
    const alarms = stall.stdout
      .split('\n')
      .filter((l) => l.includes('"type":"alarm"'))
      .map((l) => JSON.parse(l) as { at: number; data: { alarm: string } });
    expect(alarms.map((a) => [a.at, a.data.alarm])).toEqual([[3_600_000, 'MOTOR_STALL']]);
  });

  it('exits 3 with the file named when a file cannot be read', () => {
    const missing = join(TMP, 'missing.json');
    const r = cli('--prescription', missing);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot read the prescription file ${missing}`);
  });

  it('exits 3 with the line and column of a JSON syntax error', () => {
    const r = cli('--mechanics', file('broken.json', '{\n  "syringe": "bd-10ml",\n  "leadUm": 20OO\n}\n'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is not valid JSON at line 3, column 15/);
  });

  it('is what `npm start -- --no-port` runs, and refuses options that need the pty', () => {
    const r = spawnSync('npm', ['start', '--silent', '--', '--no-port', '--speed', '1e9', '--for', '1h', '--json', '--time-of-day', '00:00'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ kind: 'summary', simulatedMs: 3_600_000 });
    const port = cli('--link', join(TMP, 'tty'), '--balance', 'sbi');
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/E850 USAGE: --link, --balance need the pty: not with --no-port/);
  });

  it("exits 9 (refused, was 4) with the firmware's numbered error for a prescription it refuses", () => {
    const bad = { ...prescription, mode: 'continuous', rateNlPerDay: -1, schedule: undefined };
    const r = cli('--prescription', file('negative.json', JSON.stringify(bad)));
    expect(r.code).toBe(EXIT.refused);
    expect(r.stderr).toMatch(/refused the prescription[\s\S]*E103 FIELD_RANGE: rateNlPerDay/);
  });
});
