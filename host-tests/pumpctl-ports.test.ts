// pumpctl ports (issue 21, item 8): without udevadm the list says why it is short, and a
// running virtual board shows up by its link, a stale link (board gone) does not.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPumpctl } from '../host/cli/pumpctl';
import type { Binding } from '../host/serial/line-port';

const DIR = mkdtempSync(join(tmpdir(), 'ports-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
symlinkSync('/dev/null', join(DIR, 'ttyPUMP'));
symlinkSync(join(DIR, 'gone'), join(DIR, 'ttyBALANCE'));

async function ports(list: () => Promise<unknown[]>, args: string[] = []) {
  let stdout = '';
  const binding = { list } as unknown as Binding;
  const code = await runPumpctl([...args, 'ports'], { stdout: (t) => (stdout += t), stderr: () => undefined, env: {}, isTty: false, binding, rigDir: DIR });
  return { code, stdout };
}

describe('pumpctl ports', () => {
  it('says udevadm is missing rather than only "no serial ports found"', async () => {
    const r = await ports(() => Promise.reject(new Error('spawn udevadm ENOENT')));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/note: udevadm is missing \(spawn udevadm ENOENT\).*sudo apt-get install udev/);
  });

  it('lists the virtual board from its link, with the pty it points to, and skips a stale link', async () => {
    const r = await ports(() => Promise.resolve([{ path: '/dev/ttyUSB0', manufacturer: 'FTDI' }]));
    expect(r.stdout).toContain('/dev/ttyUSB0  FTDI');
    expect(r.stdout).toContain(`${join(DIR, 'ttyPUMP')}  the virtual board (npm start) (now /dev/null)`);
    expect(r.stdout).not.toContain('ttyBALANCE');
    const json = JSON.parse((await ports(() => Promise.resolve([]), ['--json'])).stdout);
    expect(json.ports.map((p: { path: string }) => p.path)).toEqual([join(DIR, 'ttyPUMP')]);
  });
});
