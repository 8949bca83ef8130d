// The board's non-volatile state on disk, so a restarted board boots from it like a real one
// after a power cut: flash.bin (the 128 KB log partition), nvs.json with nvs.log (the
// key-value store: key -> hex) and keys.json (the role keys the board generated, 0600, for
// pumpctl --keys).
//
// Written through, as the device's flash and NVS are: every flash program or sector erase is a
// positioned write into flash.bin, and every NVS key set a line appended to nvs.log (key, hex
// value, CRC-32), both before the firmware's write returns (ImageFiles, the board's ImageSink).
// So a board killed with kill -9 loses nothing the firmware wrote: the kernel has it. A crash or
// power cut of the host itself loses what the kernel had not yet written back to the disk (on
// Linux up to about 30 s by default): there is no fsync per write, which would cost a disk
// flush each (the orderly stop syncs both files). nvs.json is the whole store, written to a
// temporary name and renamed, at boot, at an orderly stop and when nvs.log passes 1 MB; nvs.log
// is then emptied. At load the lines of nvs.log are applied over nvs.json in order, up to the
// first line that is torn or fails its CRC (a host crash mid-append): replaying lines already in
// nvs.json changes nothing, so a cut between the rename and the emptying is harmless.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32Hex, lineBytes } from '../../firmware/shared/crc';
import { bytesToHex } from '../../firmware/shared/hex';
import type { Role } from '../../firmware/protocol/auth';
import { KeyFileError, readKeyFile, ROLES, writeKeyFile } from '../protocol/key-file';
import { FLASH_BLOCK, FLASH_BYTES } from './core';
import type { ImageSink, ImageWrite } from './image-writes';
import { boardError } from '../errors/board';

/** nvs.log is folded into nvs.json once it is this long. */
export const NVS_LOG_MAX_BYTES = 1 << 20;
const ERASED_BLOCK = new Uint8Array(FLASH_BLOCK).fill(0xff);

/** One NVS write as a line of nvs.log: `["key","hex"] crc32` (the CRC of the JSON text). */
function journalLine(key: string, hex: string): string {
  const text = JSON.stringify([key, hex]);
  return `${text} ${crc32Hex(lineBytes(text))}\n`;
}

/** Applies nvs.log's lines to `nvs`, up to the first line torn or damaged. */
function replayJournal(text: string, nvs: Record<string, string>): void {
  const lines = text.split('\n');
  lines.pop(); // after the last line end: empty, or a line torn by a host crash
  for (const line of lines) {
    const m = /^(\[.*\]) ([0-9a-f]{8})$/.exec(line);
    if (!m || crc32Hex(lineBytes(m[1]!)) !== m[2]) return;
    const [key, hex] = JSON.parse(m[1]!) as [unknown, unknown];
    if (typeof key !== 'string' || typeof hex !== 'string' || !/^([0-9a-f]{2})*$/.test(hex)) return;
    nvs[key] = hex;
  }
}

/**
 * The open image files, written through: each write of the firmware lands in them before it
 * returns. One positioned write per flash program (only the bytes programmed) or erase (one
 * block), one appended line per NVS key set.
 */
export class ImageFiles implements ImageSink {
  readonly #state: StateDir;
  readonly #flash: number;
  readonly #journal: number;
  /** Bytes in nvs.log since it was last emptied. */
  journalBytes: number;

  constructor(state: StateDir, flash: number, journal: number, journalBytes: number) {
    this.#state = state;
    this.#flash = flash;
    this.#journal = journal;
    this.journalBytes = journalBytes;
  }

  write(w: ImageWrite): void {
    try {
      if (w.kind === 'flash') writeSync(this.#flash, w.data, 0, w.data.length, w.offset);
      else if (w.kind === 'erase') writeSync(this.#flash, ERASED_BLOCK, 0, FLASH_BLOCK, w.block * FLASH_BLOCK);
      else {
        const line = journalLine(w.key, bytesToHex(w.value));
        writeSync(this.#journal, line);
        this.journalBytes += line.length;
      }
    } catch (e) {
      throw boardError('STATE_UNUSABLE', `cannot write the board's ${w.kind === 'nvs' ? 'NVS' : 'flash'} image in ${this.#state.dir}: ${(e as Error).message}`);
    }
  }

  /** nvs.json becomes `image` (the whole store), and nvs.log is emptied. */
  compactNvs(image: Record<string, string>): void {
    this.#state.saveNvs(image);
    ftruncateSync(this.#journal, 0);
    this.journalBytes = 0;
  }

  /** Closes both files; `sync` flushes them to the disk first (an orderly stop). */
  close(sync: boolean): void {
    for (const fd of [this.#flash, this.#journal]) {
      try {
        if (sync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

export interface LoadedState {
  readonly nvs: Record<string, string> | undefined;
  readonly flash: Uint8Array | undefined;
}

export class StateDir {
  readonly dir: string;
  readonly nvsPath: string;
  readonly nvsLogPath: string;
  readonly flashPath: string;
  readonly keysPath: string;
  readonly lockPath: string;

  constructor(dir: string) {
    this.dir = dir;
    this.nvsPath = join(dir, 'nvs.json');
    this.nvsLogPath = join(dir, 'nvs.log');
    this.flashPath = join(dir, 'flash.bin');
    this.keysPath = join(dir, 'keys.json');
    this.lockPath = join(dir, 'board.lock');
  }

  /** Creates the directory (0700: it holds keys). */
  ensure(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw boardError('STATE_UNUSABLE', `cannot create the state directory ${this.dir}: ${(e as Error).message}`);
    }
  }

  /** --fresh: a new board (NVS erased, flash erased, new keys). */
  erase(): void {
    for (const p of [this.nvsPath, this.nvsLogPath, this.flashPath, this.keysPath]) rmSync(p, { force: true });
  }

  load(): LoadedState {
    let nvs: Record<string, string> | undefined;
    if (existsSync(this.nvsPath)) {
      try {
        const j = JSON.parse(readFileSync(this.nvsPath, 'utf8')) as unknown;
        if (typeof j !== 'object' || j === null || Array.isArray(j) || !Object.values(j).every((v) => typeof v === 'string' && /^([0-9a-f]{2})*$/.test(v)))
          throw new Error('not an object of hex strings');
        nvs = j as Record<string, string>;
      } catch (e) {
        throw boardError('STATE_UNUSABLE', `the NVS image ${this.nvsPath} is damaged (${(e as Error).message}); start with --fresh to erase the board's state.`);
      }
    }
    if (existsSync(this.nvsLogPath)) {
      try {
        nvs ??= {};
        replayJournal(readFileSync(this.nvsLogPath, 'latin1'), nvs);
      } catch (e) {
        throw boardError('STATE_UNUSABLE', `cannot read the NVS log ${this.nvsLogPath}: ${(e as Error).message}`);
      }
    }
    let flash: Uint8Array | undefined;
    if (existsSync(this.flashPath)) {
      try {
        flash = new Uint8Array(readFileSync(this.flashPath));
      } catch (e) {
        throw boardError('STATE_UNUSABLE', `cannot read the flash image ${this.flashPath}: ${(e as Error).message}`);
      }
      if (flash.length !== FLASH_BYTES)
        throw boardError('STATE_UNUSABLE', `the flash image ${this.flashPath} is ${flash.length} bytes, not ${FLASH_BYTES}; start with --fresh to erase the board's state.`);
    }
    return { nvs, flash };
  }

  saveNvs(image: Record<string, string>): void {
    this.#atomic(this.nvsPath, `${JSON.stringify(image, null, 1)}\n`);
  }

  /**
   * Opens the images for writing through: flash.bin (made erased, all 0xFF, if the board had
   * none: the image the firmware boots from) and nvs.log for appending.
   */
  openImages(flash: Uint8Array | undefined): ImageFiles {
    if (flash === undefined) this.#atomic(this.flashPath, new Uint8Array(FLASH_BYTES).fill(0xff));
    let fds: number[] = [];
    try {
      fds = [openSync(this.flashPath, 'r+'), openSync(this.nvsLogPath, 'a', 0o600)];
      const logBytes = existsSync(this.nvsLogPath) ? readFileSync(this.nvsLogPath).length : 0;
      return new ImageFiles(this, fds[0]!, fds[1]!, logBytes);
    } catch (e) {
      for (const fd of fds) closeSync(fd);
      throw boardError('STATE_UNUSABLE', `cannot open the board's images in ${this.dir}: ${(e as Error).message}`);
    }
  }

  #atomic(path: string, data: string | Uint8Array): void {
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, data, { mode: 0o600 });
      renameSync(tmp, path);
    } catch (e) {
      throw boardError('STATE_UNUSABLE', `cannot write ${path}: ${(e as Error).message}`);
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
      throw boardError('KEYS_FILE', e instanceof KeyFileError ? e.message : String(e));
    }
  }
  if (existsSync(state.keysPath)) {
    try {
      return { keys: hex(readKeyFile(state.keysPath)), mode: 'if-missing', file: state.keysPath, generated: false };
    } catch (e) {
      throw boardError('KEYS_FILE', `${e instanceof KeyFileError ? e.message : String(e)}; start with --fresh for new keys.`);
    }
  }
  const keys = Object.fromEntries(ROLES.map((r) => [r, new Uint8Array(randomBytes(32))])) as Record<Role, Uint8Array>;
  try {
    writeKeyFile(state.keysPath, keys);
  } catch (e) {
    throw boardError('KEYS_FILE', `cannot write the key file ${state.keysPath}: ${(e as Error).message}`);
  }
  return { keys: hex(keys), mode: 'always', file: state.keysPath, generated: true };
}
