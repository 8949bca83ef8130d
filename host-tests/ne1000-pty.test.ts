// The NE-1000 mode on the virtual board as a lab meets it: `npm start -- --ne1000` behind a
// real pseudo-terminal, the client written from the manuals on the other end. Both framings,
// a bad CRC, addresses, a dispense, a safe-mode timeout and an occlusion on the board's manual
// clock (time moves only when the test advances it), the mode kept across a restart, and the
// XS engine answering the same. No sleeps: every wait is on a reply or an exit.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ne1000Client, safeCommand } from '../host/protocol/ne1000-client';
import { startBoard } from './board-fixture';

async function withClient<T>(path: string, fn: (c: Ne1000Client) => Promise<T>): Promise<T> {
  const c = await Ne1000Client.open(path, { timeoutMs: 20_000 });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

describe('the virtual board in NE-1000 mode (--ne1000)', () => {
  it('dispenses a set volume, speaks both framings, and keeps the mode across a restart', async () => {
    // A directory of its own: an orderly stop keeps the state for the restart.
    const dir = mkdtempSync(join(tmpdir(), 'pump-ne1000-'));
    const b = await startBoard({ dir, args: ['--ne1000', '--time-of-day', '08:00'] });
    try {
      const clock = await b.clock();
      await withClient(b.path, async (c) => {
        expect(await c.send('')).toMatchObject({ address: 0, status: 'S' });
        expect((await c.send('VER')).data).toMatch(/^NE1000V\d+\.\d+$/);
        expect((await c.send('DIA')).data).toBe('14.43');
        for (const cmd of ['RAT 0.5 MM', 'VOL UL', 'VOL 50', 'DIR INF', 'CLD INF']) expect((await c.send(cmd)).error, cmd).toBeUndefined();
        expect((await c.send('RUN')).status).toBe('I');
        await clock.advance(3_000);
        expect((await c.send('')).status).toBe('I');
        await clock.advance(10_000);
        expect((await c.send('')).status).toBe('S');
        const infused = Number(/^I([0-9.]+)W0\.000UL$/.exec((await c.send('DIS')).data)![1]);
        expect(Math.abs(infused - 50)).toBeLessThan(0.2);
        // Addresses: its own is answered, the reply carries it.
        expect((await c.send('00VER')).address).toBe(0);
        // Safe mode: framed packets, a bad CRC answered ?COM, the manual's SAF0 back to basic.
        expect((await c.send('SAF 30', 'safe')).framing).toBe('safe');
        expect((await c.send('RAT')).data).toBe('0.500MM');
        const bad = safeCommand('VER');
        bad[3] = bad[3]! ^ 0x20;
        expect((await c.raw(bad, 'safe')).error).toBe('COM');
        expect((await c.raw(Buffer.from([0x02, 0x08, 0x53, 0x41, 0x46, 0x30, 0x55, 0x43, 0x03]), 'basic')).framing).toBe('basic');
        c.safe = false;
        expect((await c.send('ADR 3')).address).toBe(3);
      });
      await b.stop();
      await b.restart();
      await withClient(b.path, async (c) => {
        // Stored: the mode, the address and the rate came back without the flag. (The first
        // command may carry an alarm the restored state raised: an NE answers it once.)
        expect((await c.send('03')).address).toBe(3);
        expect(await c.send('03RAT')).toMatchObject({ address: 3, data: '0.500MM' });
        expect((await c.send('03NATIVE')).status).toBe('S');
      });
    } finally {
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops on a safe-mode timeout (A?T) and on an occlusion (A?S)', async () => {
    const b = await startBoard({ args: ['--ne1000', '--fault', 'occlusion@10m'] });
    try {
      const clock = await b.clock();
      await withClient(b.path, async (c) => {
        for (const cmd of ['RAT 1 MH', 'VOL 0']) expect((await c.send(cmd)).error).toBeUndefined();
        expect((await c.send('SAF 5', 'safe')).error).toBeUndefined();
        expect((await c.send('RUN')).status).toBe('I');
        await clock.advance(6_000);
        expect(await c.send('')).toMatchObject({ status: 'A', alarm: 'T' });
        expect((await c.send('')).status).toBe('P');
        expect((await c.send('SAF 0')).error).toBeUndefined();
        expect((await c.send('RUN')).status).toBe('I');
        await clock.advance(20 * 60_000);
        expect(await c.send('')).toMatchObject({ status: 'A', alarm: 'S' });
        expect((await c.send('RUN')).error).toBe('NA');
      });
    } finally {
      await b.stop();
    }
  });

  it('answers the same on the XS engine', async () => {
    const b = await startBoard({ args: ['--ne1000', '--engine', 'xs', '--seed', '7'] });
    try {
      await withClient(b.path, async (c) => {
        expect((await c.send('VER')).raw.toString('latin1')).toMatch(/^\x0200SNE1000V\d+\.\d+\x03$/);
        expect((await c.send('SAF 10', 'safe')).framing).toBe('safe');
        expect((await c.send('DIS')).data).toBe('I0.000W0.000ML');
        expect((await c.send('SAF 0')).framing).toBe('basic');
      });
    } finally {
      await b.stop();
    }
  });
});
