// Starts the virtual board as a child process and waits for its ready line (`--quiet`): what
// the tests (host-tests/board-fixture.ts), pumpctl's end-to-end tests and the pty benchmark
// use. No sleeps: it resolves on the line, rejects on an error line, an exit or the deadline.

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boardBundle } from './bundle';
import type { ReadyLine } from './console';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedBoard {
  readonly child: ChildProcess;
  readonly ready: ReadyLine;
  /** Everything the board wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /**
   * Presses a console key through stdin (s service button, b bolus, p pause/resume, q quit)
   * and resolves with the board's answer line (not for q).
   */
  press(key: 's' | 'b' | 'p'): Promise<{ command: string; ok: boolean; text: string }>;
}

/**
 * `node host/board/main.ts --quiet ...args`, from its bundle (bundle.ts: a start in a third of
 * the CPU that tsx takes); rejects with the board's own message.
 */
export async function spawnBoard(args: readonly string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<SpawnedBoard> {
  const child = spawn(process.execPath, [await boardBundle(), '--quiet', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: o.env ?? process.env,
  });
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err = (err + c).slice(-8000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  child.stdin!.on('error', () => undefined);
  const answers: ((a: { command: string; ok: boolean; text: string }) => void)[] = [];
  let ready: ReadyLine | undefined;
  const press = (key: 's' | 'b' | 'p'): Promise<{ command: string; ok: boolean; text: string }> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the virtual board did not answer the key ${key} within 30 s`)), 30_000);
      answers.push((a) => {
        clearTimeout(timer);
        resolve(a);
      });
      child.stdin!.write(`${key}\n`);
    });
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
        if (j.kind === 'ready' && !ready) {
          clearTimeout(timer);
          ready = j as ReadyLine;
          resolve({ child, ready, stderr: () => err, exited, press });
          continue;
        }
        if (j.kind === 'command') {
          answers.shift()?.(j as { command: string; ok: boolean; text: string });
          continue;
        }
        if (j.kind === 'error') {
          clearTimeout(timer);
          reject(Object.assign(new Error(j.message ?? 'board error'), { exitCode: j.exitCode }));
          return;
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
