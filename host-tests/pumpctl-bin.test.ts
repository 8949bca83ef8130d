// bin/pumpctl as npm installs it: behind a symlink (node_modules/.bin/pumpctl for npx, the
// global bin directory for npm link and npm install -g), from another working directory. The
// script must find the project from the file, not from the link (issue 21, item 9).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/pumpctl', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'pumpctl-bin-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const run = (file: string) => spawnSync(file, ['--help'], { cwd: TMP, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PUMP_PORT: '', PUMPCTL_KEYS: '' } });

describe('bin/pumpctl behind the links npm makes', () => {
  it('runs through a relative link to an absolute link, as npx and npm link chain them', () => {
    mkdirSync(join(TMP, 'global/bin'), { recursive: true });
    mkdirSync(join(TMP, 'project/node_modules/.bin'), { recursive: true });
    // npm link: <prefix>/bin/pumpctl -> (absolute) the project's bin; npx: a relative link.
    symlinkSync(BIN, join(TMP, 'global/bin/pumpctl'));
    symlinkSync(relative(join(TMP, 'project/node_modules/.bin'), join(TMP, 'global/bin/pumpctl')), join(TMP, 'project/node_modules/.bin/pumpctl'));
    const r = run(join(TMP, 'project/node_modules/.bin/pumpctl'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/pumpctl/);
    expect(r.stdout).toMatch(/status/);
  });

  it('says what is missing (E805, exit 3) when the project it belongs to has no tsx', () => {
    mkdirSync(join(TMP, 'bare/bin'), { recursive: true });
    copyFileSync(BIN, join(TMP, 'bare/bin/pumpctl'));
    const r = run(join(TMP, 'bare/bin/pumpctl'));
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/E805 NOT_INSTALLED: cannot find tsx from .*bare: run 'npm ci' there first/);
  });
});
