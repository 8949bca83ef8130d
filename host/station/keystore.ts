// The station's key store: one key file per board (`<dir>/<board id>.json`, the format pumpctl
// --keys reads), in a directory only its owner may enter. A file or directory others can read
// is refused (E772) rather than used: whoever reads a board's service key can re-key the pump.

import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RoleKeys } from '../protocol/key-file';
import { KeyFileError, readKeyFile } from '../protocol/key-file';
import { stationError } from '../errors/station';

export class KeyStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    try {
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw stationError('KEY_STORE', `cannot create the key store ${dir}: ${(e as Error).message}`);
    }
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077) throw stationError('KEY_STORE', `the key store ${dir} is open to others (mode ${mode.toString(8)}): chmod 700 ${dir}`);
  }

  /** The key file of a board (it may not exist yet: provisioning writes it). */
  file(boardId: string): string {
    // Board ids come from MACs, labels and rig names: keep them to safe file names.
    return join(this.dir, `${boardId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  /** The board's keys, or undefined when it has none here; E772 for a file others can read. */
  keys(boardId: string): RoleKeys | undefined {
    const f = this.file(boardId);
    if (!existsSync(f)) return undefined;
    this.check(f);
    try {
      return readKeyFile(f);
    } catch (e) {
      if (e instanceof KeyFileError) throw stationError('KEY_STORE', e.message);
      throw e;
    }
  }

  /** A key file must be its owner's alone (writeKeyFile makes it 0600). */
  check(f: string): void {
    const mode = statSync(f).mode & 0o777;
    if (mode & 0o077) throw stationError('KEY_STORE', `${f} is readable by others (mode ${mode.toString(8)}): chmod 600 ${f}, and rotate the keys if others may have read them`);
  }

  /** Makes a file written by provisioning owner-only (it already is; a umask cannot widen chmod). */
  seal(f: string): void {
    chmodSync(f, 0o600);
  }
}
