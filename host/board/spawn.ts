// Starts the virtual board as a child process and waits for its ready line (`--quiet`): what
// the tests (host-tests/board-fixture.ts), pumpctl's end-to-end tests and the pty benchmark
// use. No sleeps: it resolves on the line, rejects on an error line, an exit or the deadline.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ReadyLine } from './console';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedBoard {
  readonly child: ChildProcess;
  readonly ready: ReadyLine;
  /** Everything the board wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** `node --import tsx host/board/main.ts --quiet ...args`; rejects with the board's own message. */
export function spawnBoard(args: readonly string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<SpawnedBoard> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'host/board/main.ts', '--quiet', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: o.env ?? process.env,
  });
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err = (err + c).slice(-8000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the virtual board printed no ready line within ${o.timeoutMs ?? 60_000} ms\n${err}`));
    }, o.timeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8');
    const onData = (c: string): void => {
      out += c;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        let j: { kind?: string; message?: string; exitCode?: number };
        try {
          j = JSON.parse(line) as typeof j;
        } catch {
          continue;
        }
        if (j.kind === 'ready') {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          return resolve({ child, ready: j as ReadyLine, stderr: () => err, exited });
        }
        if (j.kind === 'error') {
          clearTimeout(timer);
          return reject(Object.assign(new Error(j.message ?? 'board error'), { exitCode: j.exitCode }));
        }
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`the virtual board exited (${code}) before it was ready\n${err}`), { exitCode: code }));
    });
  });
}
