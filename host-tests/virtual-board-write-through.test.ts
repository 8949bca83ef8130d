// The virtual board writes through, as the device does: every flash and NVS write of the
// firmware is in the image files before the write returns to it. So a board killed with
// SIGKILL the moment it answered an ACK and a COMMIT has both in its history after the restart
// (before, flash was saved every two seconds and such a cut lost them). No sleeps: the kill
// follows the COMMIT's reply line; the board runs on the manual clock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import prescription from '../firmware/app/examples/prescription.example.json';
import { LineClient } from '../host/board/client';
import { readKeyFile } from '../host/protocol/key-file';
import type { BoardFixture } from './board-fixture';
import { startBoard } from './board-fixture';

const boards: BoardFixture[] = [];
afterAll(async () => {
  for (const b of boards) await b.stop();
});

/** Every history line (`L <seq> <time s> <type> <reason> ...`), read page by page with LOG. */
async function history(c: LineClient): Promise<string[]> {
  const lines: string[] = [];
  for (let from = 1; ; ) {
    c.events.length = 0;
    const r = await c.query('LOG', from, 20);
    expect(r.ok, r.message).toBe(true);
    lines.push(...c.events.filter((l) => l.startsWith('L ')));
    const next = Number(r.fields['next']);
    if (!(next > from) || Number(r.fields['n']) === 0) return lines;
    from = next;
  }
}

describe('the virtual board writes through', () => {
  // On XS each write crosses from the worker to the host as an issueCommand it waits on.
  it.each(['node', 'xs'])('--engine %s: an ACK and a COMMIT answered just before a SIGKILL are in the history after the restart', async (engine) => {
    const b = await startBoard({ args: ['--time-of-day', '08:00', '--engine', engine] });
    boards.push(b);
    const keys = readKeyFile(b.keysFile);
    // A first cut: the restart raises UNEXPECTED_RESET, which the ACK below clears.
    await b.kill();
    await b.restart();
    const c = await LineClient.open(b.path, 20_000);
    try {
      expect((await c.login('clinician', keys.clinician!)).ok).toBe(true);
      const ack = await c.send('ACK');
      expect(ack.ok, ack.message).toBe(true);
      const committed = await c.program({ ...prescription, name: 'written-through' });
      expect(committed.ok, committed.message).toBe(true);
    } finally {
      await c.close();
    }
    // The power cut, at once: no frame of the board's since the reply, no orderly shutdown.
    await b.kill();
    await b.restart();
    const after = await LineClient.open(b.path, 20_000);
    try {
      const log = await history(after);
      // The run between the second boot and the third: what the board did before the cut. (The
      // third boot logs the restored prescription again; that record is not the COMMIT's.)
      const boots = log.flatMap((l, i) => (/ note NOTE boot=/.test(l) ? [i] : []));
      expect(boots.length, log.join('\n')).toBe(3);
      const run = log.slice(boots[1]!, boots[2]!);
      const acked = run.findIndex((l) => / alarm-ack ALARM_ACKNOWLEDGED .*alarm=UNEXPECTED_RESET/.test(l));
      const programmed = run.findIndex((l) => / program PROGRAM_STARTED name=written-through /.test(l));
      expect(acked, run.join('\n')).toBeGreaterThanOrEqual(0);
      expect(programmed, run.join('\n')).toBeGreaterThan(acked);
      expect((await after.query('RX')).fields['name']).toBe('written-through');
    } finally {
      await after.close();
    }
    // The flash image on disk is the partition itself (not a copy saved now and then).
    expect(readFileSync(join(b.stateDir, 'flash.bin')).length).toBe(128 * 1024);
  });
});
