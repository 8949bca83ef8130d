// pumpctl end to end over a real pseudo-terminal pair: the virtual board runs as its own
// process behind socat, pumpctl (in process, with the real serialport binding, and once as the
// real executable) programs it, reads status and alarms, gives a bolus, refills, waits for an
// injected occlusion, acknowledges it, exports the log as CSV, and carries on through the board
// being killed and restarted in the middle of a command. The board runs on a manual clock: its
// time moves only when the test advances it (the bolus and refill at board time 0, the
// occlusion after the test runs it past 2 h), so nothing depends on how fast this machine is;
// the test waits only on replies and exits, with generous deadlines.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../host/errors';
import { runPumpctl } from '../host/cli/pumpctl';
import type { BoardFixture } from './board-fixture';
import { startBoard } from './board-fixture';

const RX = new URL('../firmware/app/examples/water-1ml-per-hour.yaml', import.meta.url).pathname;

let board: BoardFixture;

async function pumpctl(args: string[], o: { timeoutMs?: number } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runPumpctl(['--port', board.path, '--keys', board.keysFile, '--timeout', String(o.timeoutMs ?? 5000), '--reconnect', '60000', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    isTty: false,
  });
  return { code, stdout, stderr };
}

const MIN = 60_000;

beforeAll(async () => {
  // The occlusion comes 2 h of board time after boot; the board's clock stands until advanced.
  board = await startBoard({ args: ['--seed', '3', '--fault', 'occlusion@2h'] });
});

afterAll(async () => {
  await board?.stop();
});

describe('pumpctl and the virtual board over a pseudo-terminal', () => {
  it('programs, reads, boluses, refills, sees the occlusion, acknowledges it and exports the log', async () => {
    // The syringe holds baclofen: a program for water is refused until a refill says the
    // syringe now holds water (E125); the refill of another drug needs delivery stopped.
    const unrefilled = await pumpctl(['program', RX, '--yes']);
    expect(unrefilled.code).toBe(EXIT.refused);
    expect(unrefilled.stderr).toMatch(/E821 PUMP_REFUSED: .*E125/);
    expect((await pumpctl(['stop'])).code).toBe(EXIT.ok);
    const swap = await pumpctl(['refill', '--removed-ml', '10', '--added-ml', '10', '--conc', '1000000', '--drug', 'water-bench']);
    expect(swap.stderr).toBe('');
    expect(swap.stdout).toMatch(/of water-bench at 1000000 µg\/mL/);
    // 24 mL/day of water is the library's starting dose for it: no confirmation wanted.
    const program = await pumpctl(['program', RX, '--yes']);
    expect(program.stderr).toBe('');
    expect(program.code).toBe(EXIT.ok);
    expect(program.stdout).toMatch(/drug\.name: "baclofen" -> "water-bench"/);

    const status = JSON.parse((await pumpctl(['--json', 'status'])).stdout);
    expect(status.state).toBe('running');
    expect(status.rateNlPerDay).toBe(24_000_000);

    const bolus = await pumpctl(['bolus']);
    expect(bolus.stderr).toBe('');
    expect(bolus.stdout).toMatch(/patient bolus #\d+ started/);
    // A refill as at an implant: the residual drawn off (what the pump says is left), 10 mL in.
    const left = JSON.parse((await pumpctl(['--json', 'status'])).stdout).reservoirNl as number;
    const refill = await pumpctl(['refill', '--removed-ml', (left / 1e6).toFixed(3), '--added-ml', '10', '--conc', '1000000']);
    expect(refill.code).toBe(EXIT.ok);

    // All of that happened at board time 0. The line blocks two board hours after boot: a
    // minute before, no alarm; at 1 mL/h the alarm follows within minutes of the blockage.
    const clock = await board.clock();
    expect(clock.nowMs).toBe(0);
    await clock.to(119 * MIN);
    expect((await pumpctl(['alarms', '--check'])).code).toBe(EXIT.ok);
    await clock.to(135 * MIN);
    const alarmed = await pumpctl(['alarms', '--check']);
    expect(alarmed.code).toBe(EXIT.alarms);
    expect(alarmed.stdout).toMatch(/A10 OCCLUSION/);
    const ack = await pumpctl(['ack', 'A10']);
    expect(ack.code).toBe(EXIT.ok);
    expect(ack.stdout).toMatch(/acknowledged 1 alarm/);

    const csvFile = join(board.dir, 'history.csv');
    const log = await pumpctl(['log', '--csv', '--out', csvFile]);
    expect(log.code).toBe(EXIT.ok);
    const csv = readFileSync(csvFile, 'utf8');
    expect(csv.split('\n')[0]).toBe('seq,time_since_boot_s,clock_day,time_of_day,type,reason,delivered_nl,details');
    expect(csv).toMatch(/,program,PROGRAM_STARTED,/);
    expect(csv).toMatch(/,bolus-start,PATIENT_REQUEST,/);
    expect(csv).toMatch(/,refill,REFILLED,/);
    expect(csv).toMatch(/,alarm,OCCLUSION,/);
    expect(csv).toMatch(/,hour-total,HOUR_CLOSED,\d+,/);
  });

  it('keeps watching through the board being killed and restarted mid-command', async () => {
    let stdout = '';
    let stderr = '';
    let lines = 0;
    let firstLine!: () => void;
    const sawFirst = new Promise<void>((r) => (firstLine = r));
    const watch = runPumpctl(['--port', board.path, '--timeout', '5000', '--reconnect', '60000', 'status', '--watch', '--interval', '200', '--count', '12'], {
      stdout: (t) => {
        stdout += t;
        if (++lines === 1) firstLine();
      },
      stderr: (t) => (stderr += t),
      env: {},
      isTty: false,
    });
    await sawFirst;
    await board.kill(); // a power cut in the middle of the watch
    await board.restart();
    const code = await watch;
    // Whether pumpctl was reading (the line "was lost") or writing (EIO) when the power went is
    // a matter of scheduling; either way it says so and waits for the board to come back.
    expect(stderr).toMatch(/(was lost|cannot write to .*): waiting up to 60 s for it to come back/);
    expect(stderr).toMatch(/reconnected to/);
    expect(code).toBe(EXIT.ok);
    // After an unclean restart the pump holds delivery and says why.
    expect(stdout).toMatch(/ALARM (A\d+,)*A50/);
  });

  it('waits --reconnect for a board killed while its socat keeps the pty open (issue 21, item 5)', async () => {
    let stdout = '';
    let stderr = '';
    let waiting!: () => void;
    const sawWait = new Promise<void>((r) => (waiting = r));
    let firstLine!: () => void;
    const sawFirst = new Promise<void>((r) => (firstLine = r));
    const watch = runPumpctl(['--port', board.path, '--timeout', '2000', '--reconnect', '120000', 'status', '--watch', '--interval', '200', '--count', '8'], {
      stdout: (t) => {
        stdout += t;
        firstLine();
      },
      stderr: (t) => {
        stderr += t;
        if (/waiting up to 120 s for the board to come back/.test(stderr)) waiting();
      },
      env: {},
      isTty: false,
    });
    await sawFirst;
    // SIGKILL: the board's socat lives on and keeps the pty open, so pumpctl's port stays
    // open and silent (no closed-port error): two reply timeouts, then the reconnect wait.
    await board.kill();
    await sawWait;
    expect(stderr).toMatch(/no answer from .* within 2000 ms \(twice\): waiting up to 120 s/);
    expect(stderr).not.toMatch(/E812/);
    await board.restart();
    const code = await watch;
    expect(stderr).toMatch(/reconnected to/);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/ALARM (A\d+,)*A50/);
  });

  it('the real executable: exit status and JSON on stdout', async () => {
    const bin = new URL('../bin/pumpctl', import.meta.url).pathname;
    const child = spawn(bin, ['--port', board.path, '--json', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out)).toMatchObject({ proto: '1', syringe: 'bd-10ml' });
    const missing = spawn(bin, ['--port', join(board.dir, 'no-such-tty'), 'status'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    missing.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise<number | null>((r) => missing.on('exit', r))).toBe(EXIT.port);
    expect(err).toMatch(/E810 PORT_OPEN: no serial port at/);
  });
});
