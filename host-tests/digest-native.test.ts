// The device's digest (the SDK's native SHA-256 and HMAC, firmware/drivers/digest-native.ts)
// on the same vectors as host-tests/digest.test.ts, built into the SDK's headless Linux target
// x-cli-lin by host/lin/build.ts --entry digest-check and run. Needs the Moddable SDK with its
// host tools built (MODDABLE set): skipped elsewhere. The build compiles the SDK's C, about
// two minutes on a loaded machine, hence the long timeout (no sleeps: it waits on the process).

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CRC16_CHECKS, HMAC_VECTORS, SHA256_VECTORS } from '../host/lin/digest-vectors';

describe.skipIf(!process.env['MODDABLE'])('the native digest in the SDK x-cli-lin build', () => {
  it('passes every FIPS 180-2 and RFC 4231 vector, and the CRC-16 check values', () => {
    const r = spawnSync('npx', ['tsx', 'host/lin/build.ts', '--entry', 'digest-check'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
    expect(lines).toHaveLength(SHA256_VECTORS.length + HMAC_VECTORS.length + 2 * CRC16_CHECKS.length);
    expect(lines.filter((l) => !l.startsWith('ok '))).toEqual([]);
  }, 900_000);
});
