// The gravimetric checks end to end over real pseudo-terminals: the virtual board (its own
// process, at 1200 times real time) with a virtual MT-SICS balance and a virtual stopcock on
// ptys of their own; pumpctl runs accuracy, occlusion-test and bolus-test in the board's time
// (--time-scale) and writes every output. One more short run per other balance protocol (SBI,
// Ohaus) proves their drivers' round trip over a real port. Waits only on replies and exits.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../host/cli/errors';
import { runPumpctl } from '../host/cli/pumpctl';
import { type BoardFixture, startBoard } from './board-fixture';

const SPEED = 1200;

async function pumpctl(board: BoardFixture, args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runPumpctl(['--port', board.path, '--keys', board.keysFile, '--time-scale', String(SPEED), '--timeout', '5000', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    isTty: false,
  });
  return { code, stdout, stderr };
}

function png(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('gravimetric checks against the virtual board and a virtual MT-SICS balance over ptys', () => {
  let board: BoardFixture;
  beforeAll(async () => {
    board = await startBoard({ args: ['--speed', String(SPEED), '--seed', '9', '--balance', 'mt-sics', '--stopcock'] });
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
    // Over real ptys at x1200 the board's clock is caught up at every byte: samples land on time.
    expect(results.analysis.secondHour.complete).toBe(true);
    expect(Math.abs(results.analysis.secondHour.errorPct)).toBeLessThan(2);
    expect(results.verdict).toBeDefined();
    const pngs = readFileSync(join(out, 'report.md'), 'utf8').match(/\(([^)]+\.png)\)/g) ?? [];
    expect(pngs.length).toBeGreaterThanOrEqual(1);
    for (const p of pngs) expect(png(join(out, p.slice(1, -1)))).toEqual({ width: 800, height: 500 });
  });

  it('occlusion-test: the stopcock closes, the alarm comes, the release is weighed', async () => {
    const out = join(board.dir, 'occlusion');
    const r = await pumpctl(board, ['occlusion-test', '--balance', board.ready.devices['balance']!, '--balance-protocol', 'mt-sics', '--stopcock', board.ready.devices['stopcock']!, '--rate-ml-h', '1', '--settle-min', '5', '--collect-min', '3', '--out', out]);
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
    board = await startBoard({ args: ['--speed', String(SPEED), '--seed', '4', '--balance', protocol] });
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
