// The board's non-volatile state on disk, so a restarted board boots from it like a real one
// after a power cut: nvs.json (the key-value store: key -> hex), flash.bin (the 128 KB log
// partition) and keys.json (the role keys the board generated, 0600, for pumpctl --keys).
// Every file is written whole to a temporary name and renamed, so a board killed mid-save
// leaves the previous image, never half of one (NVS itself is atomic per key).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Role } from '../../firmware/protocol/auth';
import { KeyFileError, readKeyFile, ROLES, writeKeyFile } from '../protocol/key-file';
import { FLASH_BYTES } from './core';
import { BoardError } from './errors';

export interface LoadedState {
  readonly nvs: Record<string, string> | undefined;
  readonly flash: Uint8Array | undefined;
}

export class StateDir {
  readonly dir: string;
  readonly nvsPath: string;
  readonly flashPath: string;
  readonly keysPath: string;
  readonly lockPath: string;

  constructor(dir: string) {
    this.dir = dir;
    this.nvsPath = join(dir, 'nvs.json');
    this.flashPath = join(dir, 'flash.bin');
    this.keysPath = join(dir, 'keys.json');
    this.lockPath = join(dir, 'board.lock');
  }

  /** Creates the directory (0700: it holds keys). */
  ensure(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new BoardError('STATE_UNUSABLE', `cannot create the state directory ${this.dir}: ${(e as Error).message}`);
    }
  }

  /** --fresh: a new board (NVS erased, flash erased, new keys). */
  erase(): void {
    for (const p of [this.nvsPath, this.flashPath, this.keysPath]) rmSync(p, { force: true });
  }

  load(): LoadedState {
    let nvs: Record<string, string> | undefined;
    if (existsSync(this.nvsPath)) {
      try {
        const j = JSON.parse(readFileSync(this.nvsPath, 'utf8')) as unknown;
        if (typeof j !== 'object' || j === null || Array.isArray(j) || !Object.values(j).every((v) => typeof v === 'string' && /^([0-9a-f]{2})*$/.test(v))) throw new Error('not an object of hex strings');
        nvs = j as Record<string, string>;
      } catch (e) {
        throw new BoardError('STATE_UNUSABLE', `the NVS image ${this.nvsPath} is damaged (${(e as Error).message}); start with --fresh to erase the board's state.`);
      }
    }
    let flash: Uint8Array | undefined;
    if (existsSync(this.flashPath)) {
      try {
        flash = new Uint8Array(readFileSync(this.flashPath));
      } catch (e) {
        throw new BoardError('STATE_UNUSABLE', `cannot read the flash image ${this.flashPath}: ${(e as Error).message}`);
      }
      if (flash.length !== FLASH_BYTES) throw new BoardError('STATE_UNUSABLE', `the flash image ${this.flashPath} is ${flash.length} bytes, not ${FLASH_BYTES}; start with --fresh to erase the board's state.`);
    }
    return { nvs, flash };
  }

  saveNvs(image: Record<string, string>): void {
    this.#atomic(this.nvsPath, `${JSON.stringify(image, null, 1)}\n`);
  }

  saveFlash(image: Uint8Array): void {
    this.#atomic(this.flashPath, image);
  }

  #atomic(path: string, data: string | Uint8Array): void {
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, data, { mode: 0o600 });
      renameSync(tmp, path);
    } catch (e) {
      throw new BoardError('STATE_UNUSABLE', `cannot write ${path}: ${(e as Error).message}`);
    }
  }
}

export interface BoardKeys {
  /** Hex keys to install in the board's NVS. */
  readonly keys: Partial<Record<Role, string>>;
  readonly mode: 'always' | 'if-missing';
  /** The file pumpctl should read (--keys FILE, or <state>/keys.json). */
  readonly file: string;
  readonly generated: boolean;
}

/**
 * The keys the board boots with: those of `--keys FILE` (installed at every start); else the
 * state's keys.json (installed only where NVS has none: a key rotated over the protocol
 * stays rotated); else new random keys, written to keys.json (0600) and installed.
 */
export function boardKeys(state: StateDir, keysFile: string | undefined): BoardKeys {
  const hex = (k: Partial<Record<Role, Uint8Array>>): Partial<Record<Role, string>> => Object.fromEntries(Object.entries(k).map(([r, b]) => [r, Buffer.from(b).toString('hex')]));
  if (keysFile !== undefined) {
    try {
      return { keys: hex(readKeyFile(keysFile)), mode: 'always', file: keysFile, generated: false };
    } catch (e) {
      throw new BoardError('KEYS_FILE', e instanceof KeyFileError ? e.message : String(e));
    }
  }
  if (existsSync(state.keysPath)) {
    try {
      return { keys: hex(readKeyFile(state.keysPath)), mode: 'if-missing', file: state.keysPath, generated: false };
    } catch (e) {
      throw new BoardError('KEYS_FILE', `${e instanceof KeyFileError ? e.message : String(e)}; start with --fresh for new keys.`);
    }
  }
  const keys = Object.fromEntries(ROLES.map((r) => [r, new Uint8Array(randomBytes(32))])) as Record<Role, Uint8Array>;
  try {
    writeKeyFile(state.keysPath, keys);
  } catch (e) {
    throw new BoardError('KEYS_FILE', `cannot write the key file ${state.keysPath}: ${(e as Error).message}`);
  }
  return { keys: hex(keys), mode: 'always', file: state.keysPath, generated: true };
}
