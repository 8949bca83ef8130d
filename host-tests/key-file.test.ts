// Key files on the host (host/protocol/key-file.ts): owner-only, as ssh wants a private key
// (issue 21, item 7), and a missing file said in words, not as ENOENT.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPumpctl } from '../host/cli/pumpctl';
import { EXIT } from '../host/errors';
import { KeyFileError, readKeyFile, writeKeyFile } from '../host/protocol/key-file';

const DIR = mkdtempSync(join(tmpdir(), 'key-file-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
const KEY = new Uint8Array(32).fill(7);

describe('key files', () => {
  it('reads an owner-only file', () => {
    const f = join(DIR, 'ok.json');
    writeKeyFile(f, { clinician: KEY });
    expect(readKeyFile(f).clinician).toEqual(KEY);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses a key file with mode %o and says how to fix it', (mode) => {
    const f = join(DIR, `open-${mode.toString(8)}.json`);
    writeKeyFile(f, { clinician: KEY });
    chmodSync(f, mode);
    expect(() => readKeyFile(f)).toThrow(KeyFileError);
    expect(() => readKeyFile(f)).toThrow(`is open to others (mode ${mode.toString(8)}): run chmod 600 ${f}`);
  });

  it('says a missing file is missing', () => {
    expect(() => readKeyFile(join(DIR, 'none.json'))).toThrow(/cannot read the key file .*none\.json: no such file$/);
  });

  it('pumpctl refuses a world-readable key file before it opens the port: E803, exit 3', async () => {
    const f = join(DIR, 'world.json');
    writeKeyFile(f, { clinician: KEY });
    chmodSync(f, 0o644);
    let stderr = '';
    const code = await runPumpctl(['--port', '/dev/null-none', '--keys', f, 'resume'], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {}, isTty: false });
    expect(code).toBe(EXIT.file);
    expect(stderr).toMatch(/E803 KEY_FILE: the key file .*world\.json is open to others \(mode 644\): run chmod 600/);
  });
});
