// The manual clock's control socket (`--clock manual`): a Unix socket beside the pump's link
// (LINK.clock) taking one command a line, `now`, `advance D` or `to T`, and answering
// `OK <nowMs>` once the firmware has run to that board time (or `ERR E862 ...`). Board time then
// moves only when a controller says so: no board deadline (a login nonce, a session, an
// injected fault, a balance's settling) can pass while a slow client is still on its way,
// however loaded the machine. The parser is pure; the server only carries lines.

import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { parseDuration } from '../sim/faults';
import { BOARD_ERRORS, boardError } from '../errors/board';

/** wall: board time follows the wall clock times --speed (pacer.ts); manual: only this socket moves it. */
export type ClockMode = 'wall' | 'manual';

/** The clock socket of the board whose pump link is `link`. */
export const clockSocketPath = (link: string): string => `${link}.clock`;

/** One advance may cover at most this much board time (a runaway script, a typo). */
export const MAX_ADVANCE_MS = 400 * 24 * 3_600_000;

export type ClockCommand = { readonly ok: true; readonly toMs: number } | { readonly ok: false; readonly message: string };

/**
 * Where a command line wants the clock, given the clock's position now. `advance` takes a
 * duration (`30000`, `30s`, `2h15m`); `to` an absolute board time since boot in ms. A time
 * already passed changes nothing (the answer is the time now): board time never runs back.
 */
export function parseClockCommand(line: string, nowMs: number): ClockCommand {
  const words = line.trim().split(/\s+/);
  const verb = words[0]?.toLowerCase() ?? '';
  const bad = (message: string): ClockCommand => ({ ok: false, message });
  if (verb === 'now' && words.length === 1) return { ok: true, toMs: nowMs };
  if ((verb === 'advance' || verb === 'to') && words.length === 2) {
    const arg = words[1]!;
    if (verb === 'to') {
      if (!/^[0-9]+$/.test(arg) || !Number.isSafeInteger(Number(arg))) return bad(`"to ${arg}": want a board time in whole ms since boot`);
      const toMs = Number(arg);
      if (toMs - nowMs > MAX_ADVANCE_MS) return bad(`"to ${arg}" is more than ${MAX_ADVANCE_MS / 86_400_000} days ahead of now (${nowMs})`);
      return { ok: true, toMs: Math.max(nowMs, toMs) };
    }
    const d = /^[0-9]+$/.test(arg) ? { ok: true as const, ms: Number(arg) } : parseDuration(arg);
    if (!d.ok) return bad(`"advance ${arg}": want ms or a duration such as 30s, 90m, 2h`);
    if (d.ms > MAX_ADVANCE_MS) return bad(`"advance ${arg}" is more than ${MAX_ADVANCE_MS / 86_400_000} days`);
    return { ok: true, toMs: nowMs + d.ms };
  }
  return bad(`"${line.trim().slice(0, 80)}" is not a clock command: now | advance MS|DURATION | to MS`);
}

/** The error line for a refused command (numbered, as every board error). */
export function clockError(message: string): string {
  return `ERR E${BOARD_ERRORS.CLOCK_COMMAND.code} CLOCK_COMMAND: ${message}`;
}

/**
 * Listens on `path` (a stale socket left by a killed board is replaced; any other file there
 * is refused) and answers each line with `answer(line)`, one line at a time per connection.
 */
export async function listenClock(path: string, answer: (line: string) => Promise<string>): Promise<{ close(): Promise<void> }> {
  if (existsSync(path)) {
    // The caller holds the link's lock: a socket here is a dead board's. Anything else is not ours.
    if (!lstatSync(path).isSocket()) throw boardError('CLOCK_SOCKET', `${path} exists and is not a socket: remove it or choose another --link`);
    unlinkSync(path);
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.setEncoding('utf8');
    let buf = '';
    let chain = Promise.resolve();
    sock.on('data', (text: string) => {
      buf += text;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        // Answers in order: a second line waits for the first one's run.
        chain = chain.then(async () => {
          const reply = await answer(line).catch((e: unknown) => clockError(`the board failed: ${(e as Error).message}`));
          if (!sock.destroyed) sock.write(`${reply}\n`);
        });
      }
      if (buf.length > 1024) {
        sock.end(`${clockError('line too long')}\n`);
        buf = '';
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(boardError('CLOCK_SOCKET', `cannot listen on ${path}: ${e.message}`)));
    server.listen(path, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
