// The virtual board in process: the service button's provisioning window, and an emulated
// device attached on a pty of its own that can weigh what the rig pushed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { lineBytes } from '../firmware/shared/crc';
import { VirtualBoard } from '../host/board/board';
import type { BoardCoreOptions } from '../host/board/core';
import { BoardCore } from '../host/board/core';
import { buildFrame, parseReply } from '../host/protocol/codec';
import { openLinePort } from '../host/serial/line-port';
import type { SerialDevice } from '../host/serial/device';
import { EXAMPLE_CORE } from '../host/board/example-core';

const TMP = mkdtempSync(join(tmpdir(), 'pump-vbd-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const CORE: BoardCoreOptions = EXAMPLE_CORE;

describe('the virtual board in process', () => {
  it('the service button opens the provisioning window: KEY without a session is taken, then not', () => {
    const s = BoardCore.start(CORE);
    if (!s.ok) throw new Error('refused');
    const core = s.core;
    const key = (seq: number): string => {
      const out = core.receive(lineBytes(`${buildFrame(seq, 'KEY', ['clinician', 'ab'.repeat(32)]).withMac(undefined)}\n`)).out;
      return out.trim().split('\n').at(-1)!;
    };
    expect(parseReply(key(1))?.code).toBe(514); // PROVISIONING_CLOSED
    const pressed = core.key('service');
    expect(pressed.said.command).toBe('service');
    expect(pressed.events.map((e) => e.reason.code)).toContain('PROVISIONING_OPEN');
    expect(parseReply(key(2))?.ok).toBe(true);
    // Installed in NVS: it is in the next image.
    expect(Object.keys(core.nvsImage())).toContain('keys.a');
    core.runTo(121_000);
    expect(parseReply(key(3))?.code).toBe(514);
  });

  it("attachDevice puts an emulated device on its own pty, at the board's virtual time", async () => {
    const board = await VirtualBoard.start({
      link: join(TMP, 'ttyPUMP'),
      stateDir: join(TMP, 'state'),
      fresh: true,
      keysFile: undefined,
      engine: 'node',
      speed: 0,
      core: { ...CORE, advanceMs: 3_600_000 },
    });
    try {
      // A toy balance: answers "W" with the virtual time and what the rig pushed.
      const device: SerialDevice = { receive: (text, nowMs) => (text.includes('W') ? `S ${nowMs} ${board.snapshot.rig.pushedNl}\r\n` : '') };
      const attached = await board.attachDevice({ name: 'balance', link: join(TMP, 'ttyBALANCE'), device });
      expect(attached.device).toMatch(/^\/dev\/pts\/\d+$/);
      expect(board.devices.map((d) => d.name)).toEqual(['pump', 'balance']);
      await expect(board.attachDevice({ name: 'balance', link: join(TMP, 'other'), device })).rejects.toMatchObject({ text: expect.stringMatching(/^E861 DEVICE_ATTACH: a device named balance/) });
      const port = await openLinePort(attached.link, { baud: 9600, binding: autoDetect() });
      try {
        await port.write('W\r\n');
        const [s, now, pushed] = (await port.readLine(10_000)).split(' ');
        expect(s).toBe('S');
        expect(Number(now)).toBe(3_600_000);
        expect(Number(pushed)).toBeGreaterThan(0);
        expect(Number(pushed)).toBe(board.pump!.rig.pushedNl);
      } finally {
        await port.close();
      }
    } finally {
      await board.stop();
    }
  });
});
