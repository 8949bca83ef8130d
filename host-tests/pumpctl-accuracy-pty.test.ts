// The gravimetric checks end to end over real pseudo-terminals: the virtual board (its own
// process, on a manual clock) with a virtual MT-SICS balance and a virtual stopcock on ptys of
// their own; pumpctl runs accuracy, occlusion-test and bolus-test with the board's clock as its
// scheduler (Io.clock: each sampling step advances the board through its clock socket) and
// writes every output. One more short run per other balance protocol (SBI, Ohaus) proves their
// drivers' round trip over a real port. Board time moves only when pumpctl's procedure says,
// so the login nonce, the session and the sampling times cannot be missed on a loaded machine.
// One short run on the wall clock (--speed, --time-scale) keeps the path users run working; it
// asserts only what holds at any pace. Waits only on replies and exits.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scheduler } from '../host/accuracy/interfaces';
import { boardScheduler } from '../host/board/clock-client';
import { EXIT } from '../host/errors';
import { runPumpctl } from '../host/cli/pumpctl';
import type { BoardFixture } from './board-fixture';
import { startBoard } from './board-fixture';

/** pumpctl in process on the board's manual clock, or (wall: its --time-scale) on real time. */
async function pumpctl(board: BoardFixture, args: string[], o: { wall?: number } = {}) {
  let stdout = '';
  let stderr = '';
  const clock: Scheduler | undefined = o.wall === undefined ? boardScheduler(await board.clock()) : undefined;
  const pace = o.wall === undefined ? [] : ['--time-scale', String(o.wall)];
  const code = await runPumpctl(['--port', board.path, '--keys', board.keysFile, ...pace, '--timeout', '5000', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    isTty: false,
    ...(clock && { clock }),
  });
  return { code, stdout, stderr };
}

/** The bench step before a gravimetric run: the syringe filled with water, recorded (the board starts with baclofen). */
async function fillWithWater(board: BoardFixture, o: { wall?: number } = {}): Promise<void> {
  expect((await pumpctl(board, ['stop'], o)).code).toBe(EXIT.ok);
  const r = await pumpctl(board, ['refill', '--removed-ml', '10', '--added-ml', '10', '--conc', '1000000', '--drug', 'water-bench'], o);
  expect(r.stderr).toBe('');
}

function png(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('gravimetric checks against the virtual board and a virtual MT-SICS balance over ptys', () => {
  let board: BoardFixture;
  beforeAll(async () => {
    board = await startBoard({ args: ['--seed', '9', '--balance', 'mt-sics', '--stopcock'] });
    await fillWithWater(board);
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('accuracy: two hours at 1 mL/h, every output written, the second-hour error small', async () => {
    const out = join(board.dir, 'accuracy');
    const r = await pumpctl(board, ['accuracy', '--balance', board.ready.devices['balance']!, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--hours', '2', '--out', out]);
    expect(r.stderr).not.toMatch(/E9\d\d|internal/);
    expect([EXIT.ok, EXIT.tolerance]).toContain(r.code);
    for (const f of ['samples.csv', 'results.json', 'report.md']) expect(existsSync(join(out, f))).toBe(true);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    // 241 samples every 30 s of the board's time; the standard's analysis hour is the second.
    const samples = readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n');
    expect(samples.length).toBeGreaterThanOrEqual(240);
    // Each sample is taken at its board time exactly: the board ran there and stopped.
    expect(results.analysis.secondHour.complete).toBe(true);
    expect(Math.abs(results.analysis.secondHour.errorPct)).toBeLessThan(2);
    expect(results.verdict).toBeDefined();
    const pngs = readFileSync(join(out, 'report.md'), 'utf8').match(/\(([^)]+\.png)\)/g) ?? [];
    expect(pngs.length).toBeGreaterThanOrEqual(1);
    for (const p of pngs) expect(png(join(out, p.slice(1, -1)))).toEqual({ width: 800, height: 500 });
  });

  it('occlusion-test: the stopcock closes, the alarm comes, the release is weighed', async () => {
    const out = join(board.dir, 'occlusion');
    const r = await pumpctl(board, [
      'occlusion-test',
      '--balance',
      board.ready.devices['balance']!,
      '--balance-protocol',
      'mt-sics',
      '--stopcock',
      board.ready.devices['stopcock']!,
      '--rate-ml-h',
      '1',
      '--settle-min',
      '5',
      '--collect-min',
      '3',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/internal/);
    expect([EXIT.ok, EXIT.tolerance]).toContain(r.code);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/Time to occlusion alarm \| \d+(\.\d+)? min/);
    expect(report).toMatch(/OCCLUSION/);
    // At 1 mL/h the alarm comes within 2 minutes (polled every 5 s), and the back-off leaves
    // little to release when the line opens: no large bolus, no suction.
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(result.timeToAlarmMs).toBeLessThanOrEqual(125_000);
    expect(Math.abs(result.bolusUl)).toBeLessThan(10);
    // The alarm was acknowledged and the line opened again by the procedure.
    expect(JSON.parse((await pumpctl(board, ['--json', 'alarms'])).stdout).alarms.filter((a: { code: number }) => a.code === 10)).toEqual([]);
  });

  it('bolus-test: repeated boluses weighed, mean and spread reported', async () => {
    const out = join(board.dir, 'bolus');
    const r = await pumpctl(board, ['bolus-test', '--balance', board.ready.devices['balance']!, '--balance-protocol', 'mt-sics', '--volume-ul', '50', '--count', '3', '--out', out]);
    expect(r.stderr).not.toMatch(/internal/);
    expect([EXIT.ok, EXIT.tolerance]).toContain(r.code);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/mean/i);
  });
});

describe.each(['sbi', 'ohaus'])('the %s driver over a real pty', (protocol) => {
  let board: BoardFixture;
  beforeAll(async () => {
    board = await startBoard({ args: ['--seed', '4', '--balance', protocol] });
    await fillWithWater(board);
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('auto-detects the protocol and runs a short accuracy check', async () => {
    const out = join(board.dir, 'quick');
    const r = await pumpctl(board, ['accuracy', '--balance', board.ready.devices['balance']!, '--rate-ml-h', '1', '--minutes', '20', '--out', out]);
    expect(r.stderr).not.toMatch(/E9\d\d|internal/);
    expect([EXIT.ok, EXIT.tolerance]).toContain(r.code);
    expect(readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(40);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(new RegExp(`Balance \\| ${protocol}, serial`));
  });
});

describe('the wall-clock path users run: --speed on the board, --time-scale in pumpctl', () => {
  // x4: a login nonce lasts 7.5 s of wall time, longer than pumpctl's own 5 s reply timeout,
  // so the run fails only where any serial client would. Nothing here depends on the pacing:
  // the run completes and writes its files, whatever the samples say.
  const WALL = 4;
  let board: BoardFixture;
  beforeAll(async () => {
    board = await startBoard({ speed: WALL, args: ['--seed', '5', '--balance', 'mt-sics'] });
    await fillWithWater(board, { wall: WALL });
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('a one-minute accuracy run completes and writes samples, results and report', async () => {
    const out = join(board.dir, 'wall');
    const r = await pumpctl(board, ['accuracy', '--balance', board.ready.devices['balance']!, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--minutes', '1', '--out', out], { wall: WALL });
    expect(r.stderr).not.toMatch(/internal/);
    expect([EXIT.ok, EXIT.tolerance]).toContain(r.code);
    for (const f of ['samples.csv', 'results.json', 'report.md']) expect(existsSync(join(out, f))).toBe(true);
    // A header, the start and two 30 s samples.
    expect(readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n').length).toBe(4);
  });
});
