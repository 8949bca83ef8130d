// The virtual board over a real pseudo-terminal, as users meet it: a child process
// (host/board/main.ts), STATUS read with openLinePort, HELLO/AUTH with the keys file it wrote,
// a prescription committed over the wire that survives kill -9 and a restart at the same path,
// and the numbered errors for bad input. No sleeps: every wait is on a line or an exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import prescription from '../firmware/app/examples/prescription.example.json';
import { LineClient } from '../host/board/client';
import { ROOT, spawnBoard } from '../host/board/spawn';
import { readKeyFile } from '../host/protocol/key-file';
import { type BoardFixture, startBoard } from './board-fixture';

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
    const b: BoardFixture = await startBoard({ dir, args: ['--speed', '600', '--time-of-day', '06:00'] });
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
      const again = await startBoard({ dir, args: ['--speed', '600'] });
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
    const common = ['--speed', '0', '--time-of-day', '00:00', '--seed', '7', '--advance', '6h'];
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
    const b = await startBoard({ args: ['--speed', '60'] });
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

  it('refuses a second board on the same link with E854 (exit 5)', async () => {
    const b = await startBoard({ args: ['--speed', '0'] });
    try {
      const second = await spawnBoard(['--link', b.path, '--state', join(TMP, 'other-state')]).then(
        () => undefined,
        (e: Error & { exitCode?: number }) => e,
      );
      expect(second?.exitCode).toBe(5);
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
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/E850 USAGE: Unknown option '--sped'/);
    const missing = board(...link, join(TMP, 'missing.json'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/E851 FILE_UNREADABLE: cannot read the prescription file .*missing\.json: ENOENT/);
    const broken = join(TMP, 'broken.json');
    writeFileSync(broken, '{\n  "name": \n}\n');
    const notJson = board(...link, '--prescription', broken);
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toMatch(/E852 FILE_NOT_JSON: .* at line 3, column 1/);
    const refused = join(TMP, 'refused.json');
    writeFileSync(refused, JSON.stringify({ ...prescription, mode: 'continuous', rateNlPerDay: -1, schedule: undefined }));
    const r = board(...link, '--fresh', refused);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/E853 REFUSED: the firmware refused the prescription:\s+E103/);
    const fault = board(...link, '--fault', 'occlusion@soon');
    expect(fault.code).toBe(2);
    expect(fault.stderr).toMatch(/"soon" is not a duration/);
    const keys = board(...link, '--keys', join(TMP, 'nokeys.json'));
    expect(keys.code).toBe(8);
    expect(keys.stderr).toMatch(/E859 KEYS_FILE: cannot read the key file/);
    // socat would replace a file at the link path: the board refuses instead.
    const occupied = join(TMP, 'occupied');
    writeFileSync(occupied, 'precious');
    const busy = board('--link', occupied, '--state', join(TMP, 'state'));
    expect(busy.code).toBe(5);
    expect(busy.stderr).toMatch(/E854 LINK_BUSY: .*occupied exists and is not a symlink/);
    expect(readFileSync(occupied, 'utf8')).toBe('precious');
    for (const x of [unknown, missing, notJson, r, fault, keys, busy]) expect(x.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help lists the options and the exit codes', () => {
    const h = board('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--link PATH[^]*--speed N[^]*--state DIR[^]*--engine node\|xs/);
    expect(h.stdout).toMatch(/Exit codes:[^]*5 +busy \(E854 LINK_BUSY\)[^]*6 +pty/);
    expect(readFileSync(join(ROOT, 'docs/virtual-board.md'), 'utf8')).toMatch(/E854/);
  });
});
