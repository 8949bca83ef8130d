// The virtual board over a real pseudo-terminal, as users meet it: a child process
// (host/board/main.ts), STATUS read with openLinePort, HELLO/AUTH with the keys file it wrote,
// a prescription committed over the wire that survives kill -9 and a restart at the same path,
// the manual clock (--clock manual: board time moves only on its socket), and the numbered
// errors for bad input. No sleeps: every wait is on a line or an exit; the boards run on the
// manual clock, so no login nonce or window can lapse on a loaded machine.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import prescription from '../firmware/app/examples/prescription.example.json';
import { LineClient } from '../host/board/client';
import { ROOT, spawnBoard } from '../host/board/spawn';
import { EXIT } from '../host/errors';
import { readKeyFile } from '../host/protocol/key-file';
import type { BoardFixture } from './board-fixture';
import { startBoard } from './board-fixture';

const TMP = mkdtempSync(join(tmpdir(), 'pump-vb-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

async function withClient<T>(path: string, fn: (c: LineClient) => Promise<T>): Promise<T> {
  const c = await LineClient.open(path, 20_000);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

function board(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'host/board/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the virtual board on a pty', () => {
  it('answers STATUS, authenticates with its generated keys file, and survives kill -9 and a restart', async () => {
    const dir = mkdtempSync(join(TMP, 'board-'));
    const b: BoardFixture = await startBoard({ dir, args: ['--time-of-day', '06:00'] });
    try {
      expect(b.ready).toMatchObject({ kind: 'ready', path: b.path, engine: 'node', keysGenerated: true });
      expect(b.ready.device).toMatch(/^\/dev\/pts\/\d+$/);
      // The keys file is the owner's only (it holds secrets).
      expect(statSync(b.keysFile).mode & 0o777).toBe(0o600);
      const keys = readKeyFile(b.keysFile);

      await withClient(b.path, async (c) => {
        const status = await c.query('STATUS');
        expect(status.ok).toBe(true);
        expect(status.fields['state']).toBe('running');
        expect(status.fields['session']).toBe('none');

        // A wrong key is refused; the right one opens a clinician session.
        const wrong = await c.login('clinician', new Uint8Array(32).fill(0x22));
        expect(wrong.ok).toBe(false);
        expect(wrong.code).toBe(510); // AUTH_FAILED
        const login = await c.login('clinician', keys.clinician!);
        expect(login.ok).toBe(true);
        expect(c.session).toBeDefined();
        expect((await c.query('STATUS')).fields['session']).toBe('clinician');

        const rx = { ...prescription, name: 'over-the-pty' };
        const committed = await c.program(rx);
        expect(committed.ok, committed.message).toBe(true);
        expect((await c.query('RX')).fields['name']).toBe('over-the-pty');
      });

      // The power cut: no orderly shutdown, socat orphaned. The restart clears both.
      await b.kill();
      await b.restart();
      expect(b.ready.path).toBe(b.path);
      expect(b.ready.keysGenerated).toBe(false);
      await withClient(b.path, async (c) => {
        expect((await c.query('RX')).fields['name']).toBe('over-the-pty');
        const alarms = await c.query('ALARMS');
        expect(Object.values(alarms.fields).join(' ')).toMatch(/UNEXPECTED_RESET/);
        // The keys are in the board's NVS: the same file still opens a session.
        expect((await c.login('clinician', keys.clinician!)).ok).toBe(true);
        const ack = await c.send('ACK');
        expect(ack.ok, ack.message).toBe(true);
      });

      // An orderly stop: exit 0, and the next boot finds a clean shutdown (no UNEXPECTED_RESET).
      expect(await b.stop()).toBe(0);
      const again = await startBoard({ dir });
      try {
        await withClient(again.path, async (c) => {
          expect((await c.query('RX')).fields['name']).toBe('over-the-pty');
          expect((await c.query('ALARMS')).fields['n']).toBe('0');
        });
      } finally {
        await again.stop();
      }
    } finally {
      await b.stop();
    }
  });

  it('--engine xs answers exactly as Node does', async () => {
    const common = ['--time-of-day', '00:00', '--seed', '7', '--advance', '6h'];
    const [node, xs] = await Promise.all([startBoard({ args: common }), startBoard({ args: [...common, '--engine', 'xs'] })]);
    try {
      expect(xs.ready.engine).toBe('xs');
      const ask = (path: string) =>
        withClient(path, async (c) => {
          const lines: string[] = [];
          for (const q of ['STATUS', 'VERSION', 'RX', 'ALARMS', 'HELLO', 'STATUS']) lines.push((await c.query(q)).line);
          return lines;
        });
      const [n, x] = [await ask(node.path), await ask(xs.path)];
      expect(x).toEqual(n);
      expect(n[0]).toMatch(/^OK state=running .*delivered=[1-9]/);
    } finally {
      await Promise.all([node.stop(), xs.stop()]);
    }
  });

  it('the service button pressed through stdin opens the provisioning window for KEY', async () => {
    const b = await startBoard();
    try {
      const fresh = new Uint8Array(32).fill(0x5a);
      const hex = Buffer.from(fresh).toString('hex');
      await withClient(b.path, async (c) => {
        expect((await c.send('KEY', 'patient', hex)).code).toBe(514); // PROVISIONING_CLOSED
        expect(await b.press('s')).toMatchObject({ command: 'service', ok: true });
        const set = await c.send('KEY', 'patient', hex);
        expect(set.ok, set.message).toBe(true);
        expect((await c.login('patient', fresh)).ok).toBe(true);
      });
    } finally {
      await b.stop();
    }
  });

  it('refuses a second board on the same link with E854 (exit 30, busy)', async () => {
    const b = await startBoard();
    try {
      const second = await spawnBoard(['--link', b.path, '--state', join(TMP, 'other-state')]).then(
        () => undefined,
        (e: Error & { exitCode?: number }) => e,
      );
      expect(second?.exitCode).toBe(EXIT.busy);
      expect(second?.message).toMatch(/E854 LINK_BUSY: .*ttyPUMP is in use by a virtual board already running/);
      // The first one is untouched.
      await withClient(b.path, async (c) => expect((await c.query('STATUS')).ok).toBe(true));
    } finally {
      await b.stop();
    }
  });

  it('bad input: numbered errors and distinct exit codes, never a stack trace', () => {
    const link = ['--link', join(TMP, 'tty'), '--state', join(TMP, 'state')];
    const unknown = board(...link, '--sped', '10');
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/E850 USAGE: Unknown option '--sped'/);
    const missing = board(...link, join(TMP, 'missing.json'));
    expect(missing.code).toBe(EXIT.file);
    expect(missing.stderr).toMatch(/E851 FILE_UNREADABLE: cannot read the prescription file .*missing\.json: no such file \(ENOENT\)/);
    const broken = join(TMP, 'broken.json');
    writeFileSync(broken, '{\n  "name": \n}\n');
    const notJson = board(...link, '--prescription', broken);
    expect(notJson.code).toBe(EXIT.file);
    expect(notJson.stderr).toMatch(/E852 FILE_NOT_JSON: .* at line 3, column 1/);
    const refused = join(TMP, 'refused.json');
    writeFileSync(refused, JSON.stringify({ ...prescription, mode: 'continuous', rateNlPerDay: -1, schedule: undefined }));
    const r = board(...link, '--fresh', refused);
    expect(r.code).toBe(EXIT.refused);
    // Where in the file, then the firmware's own code and words.
    expect(r.stderr).toMatch(/E853 REFUSED: the firmware refused the prescription:\s+\S*refused\.json:1 \(field rateNlPerDay\): E103 FIELD_RANGE/);
    const fault = board(...link, '--fault', 'occlusion@soon');
    expect(fault.code).toBe(EXIT.usage);
    expect(fault.stderr).toMatch(/"soon" is not a duration/);
    const keys = board(...link, '--keys', join(TMP, 'nokeys.json'));
    expect(keys.code).toBe(EXIT.file);
    expect(keys.stderr).toMatch(/E859 KEYS_FILE: cannot read the key file/);
    // socat would replace a file at the link path: the board refuses instead.
    const occupied = join(TMP, 'occupied');
    writeFileSync(occupied, 'precious');
    const busy = board('--link', occupied, '--state', join(TMP, 'state'));
    expect(busy.code).toBe(EXIT.busy);
    expect(busy.stderr).toMatch(/E854 LINK_BUSY: .*occupied exists and is not a symlink/);
    expect(readFileSync(occupied, 'utf8')).toBe('precious');
    for (const x of [unknown, missing, notJson, r, fault, keys, busy]) expect(x.stderr).not.toMatch(/\n\s+at /);
  });

  it('--clock manual: board time moves only on the clock socket, to the ms asked; bad lines get E862', async () => {
    const b = await startBoard({ args: ['--seed', '2', '--advance', '1h'] });
    try {
      expect(b.ready).toMatchObject({ clock: 'manual', clockSocket: `${b.path}.clock`, nowMs: 3_600_000 });
      const clock = await b.clock();
      expect(clock.nowMs).toBe(3_600_000);
      const uptime = (c: LineClient): Promise<number> => c.query('INFO').then((r) => Number(r.fields['uptimeMs']));
      await withClient(b.path, async (c) => {
        // However long these round trips take, the board's time stands where it was left.
        const first = await uptime(c);
        for (let i = 0; i < 5; i++) await c.query('STATUS');
        expect(await uptime(c)).toBe(first);
        expect(first).toBe(3_600_000);
        expect(await clock.advance(30_000)).toBe(3_630_000);
        expect(await uptime(c)).toBe(3_630_000);
        expect(await clock.to(7_200_000)).toBe(7_200_000);
        // A time already passed changes nothing: the clock never runs back.
        expect(await clock.to(1_000)).toBe(7_200_000);
        expect(await uptime(c)).toBe(7_200_000);
      });
      const raw = (lines: string): Promise<string[]> =>
        new Promise((resolve, reject) => {
          const sock = createConnection(b.ready.clockSocket!);
          let got = '';
          const want = lines.trim().split('\n').length;
          sock.setEncoding('utf8');
          sock.on('data', (t: string) => {
            got += t;
            if (got.split('\n').length > want) {
              sock.destroy();
              resolve(got.trim().split('\n'));
            }
          });
          sock.on('error', reject);
          sock.write(lines);
        });
      const answers = await raw('advance 1h30m\nnow\nfaster please\nadvance -5\nto 12.5\nadvance 999d\nnow\n');
      expect(answers.slice(0, 2)).toEqual(['OK 12600000', 'OK 12600000']);
      expect(answers[2]).toMatch(/^ERR E862 CLOCK_COMMAND: "faster please" is not a clock command: now \| advance/);
      expect(answers[3]).toMatch(/^ERR E862 CLOCK_COMMAND: "advance -5": want ms or a duration/);
      expect(answers[4]).toMatch(/^ERR E862 CLOCK_COMMAND: "to 12.5": want a board time in whole ms/);
      expect(answers[5]).toMatch(/^ERR E862 CLOCK_COMMAND: "advance 999d" is more than 400 days/);
      // Refused lines moved nothing.
      expect(answers[6]).toBe('OK 12600000');
      await expect(clock.advance(1)).resolves.toBe(12_600_001);
    } finally {
      await b.stop();
    }
    // An orderly stop removes the socket.
    expect(existsSync(`${b.path}.clock`)).toBe(false);
  });

  it("--clock: a bad mode, --speed with it, or a file in the socket's place are refused", () => {
    const link = ['--link', join(TMP, 'clk', 'tty'), '--state', join(TMP, 'clk', 'state')];
    const mode = board(...link, '--clock', 'fast');
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/E850 USAGE: --clock "fast" is not wall or manual/);
    const both = board(...link, '--clock', 'manual', '--speed', '600');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/E850 USAGE: --speed sets the pace of the wall clock; with --clock manual/);
    mkdirSync(join(TMP, 'clk'), { recursive: true });
    writeFileSync(join(TMP, 'clk', 'tty.clock'), 'precious');
    const inTheWay = board('--quiet', ...link, '--clock', 'manual');
    expect(inTheWay.code).toBe(EXIT.pty);
    expect(inTheWay.stderr).toMatch(/E863 CLOCK_SOCKET: .*tty\.clock exists and is not a socket/);
    expect(readFileSync(join(TMP, 'clk', 'tty.clock'), 'utf8')).toBe('precious');
    // Nothing left behind: no link, the lock released (the next board may start).
    expect(() => lstatSync(join(TMP, 'clk', 'tty'))).toThrow();
    for (const x of [mode, both, inTheWay]) expect(x.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help lists the options and the exit codes', () => {
    const h = board('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--link PATH[\s\S]*--speed N[\s\S]*--clock wall\|manual[\s\S]*--state DIR[\s\S]*--engine node\|xs/);
    expect(h.stdout).toMatch(/Exit codes:[\s\S]*9 +refused \(E853 REFUSED\)[\s\S]*30 +busy \(E854 LINK_BUSY\)[\s\S]*31 +pty/);
    expect(readFileSync(join(ROOT, 'docs/virtual-board.md'), 'utf8')).toMatch(/E854/);
  });
});
