// One board per link path and per state directory: a lock file holding the owner's pid and its
// socat's. A lock whose owner is dead (a board killed with kill -9, the virtual power cut) is
// taken over: its orphaned socat is stopped and its stale links removed, so the restarted
// board comes back at the same path.

import { closeSync, lstatSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { boardError } from '../errors/board';

export interface LockInfo {
  readonly pid: number;
  readonly socatPids: number[];
  readonly links: string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process (Linux /proc), '' when unknown. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return { pid: Number(j.pid), socatPids: Array.isArray(j.socatPids) ? j.socatPids.map(Number) : [], links: Array.isArray(j.links) ? j.links.map(String) : [] };
  } catch {
    return undefined;
  }
}

/** Removes a stale symlink; anything else at the path is refused. */
export function clearStaleLink(path: string): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSymbolicLink()) throw boardError('LINK_BUSY', `${path} exists and is not a symlink a board left behind; choose another path with --link, or remove it.`);
  unlinkSync(path);
}

export class BoardLock {
  readonly path: string;
  #info: LockInfo;
  #held = true;

  private constructor(path: string, info: LockInfo) {
    this.path = path;
    this.#info = info;
  }

  /**
   * Takes the lock at `path` for `what` (shown in the busy message). A dead owner's socat
   * processes are stopped and its links removed first.
   */
  static acquire(path: string, what: string, links: string[]): BoardLock {
    for (let attempt = 0; attempt < 3; attempt++) {
      const old = readLock(path);
      if (old && old.pid !== process.pid && alive(old.pid)) {
        throw boardError(
          'LINK_BUSY',
          `${what} is in use by a virtual board already running (pid ${old.pid}); stop it (q in its console, or kill ${old.pid}) or choose another path with --link / --state.`,
        );
      }
      if (old) {
        for (const s of old.socatPids) if (alive(s) && cmdline(s).includes('socat')) process.kill(s, 'SIGKILL');
        for (const l of old.links) clearStaleLink(l);
      }
      try {
        if (old || readFileSafe(path) !== undefined) unlinkSync(path);
      } catch {
        // someone else removed it
      }
      const info: LockInfo = { pid: process.pid, socatPids: [], links };
      try {
        const fd = openSync(path, 'wx', 0o644);
        writeSync(fd, JSON.stringify(info));
        closeSync(fd);
        return new BoardLock(path, info);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw boardError('STATE_UNUSABLE', `cannot write the lock file ${path}: ${(e as Error).message}`);
      }
    }
    throw boardError('LINK_BUSY', `${what}: another board is starting at the same time (lock ${path}).`);
  }

  /** Records a socat the board started, so a successor can stop it if the board dies. */
  addSocat(pid: number): void {
    this.#info = { ...this.#info, socatPids: [...this.#info.socatPids, pid] };
    if (this.#held) writeFileSync(this.path, JSON.stringify(this.#info));
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const now = readLock(this.path);
    if (now?.pid === process.pid) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
