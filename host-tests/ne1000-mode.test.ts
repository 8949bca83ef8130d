// Issue 16: the NE-1000-compatible mode is turned on by the service role over the native link
// (MODE ne1000), answered in the protocol it was asked in, logged as an event, kept across a
// reboot, and left again with NATIVE. Other roles cannot switch it.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../firmware/shared/hex';
import { ProtocolClient } from '../host/protocol/client';
import { exampleKey, seededEntropy } from '../host/protocol/virtual-link';
import { neCore } from './ne1000-fixture';

const KEYS = { clinician: bytesToHex(exampleKey('clinician')), service: bytesToHex(exampleKey('service')) };

function nativeBoard() {
  const core = neCore({ ne1000: false, keys: KEYS });
  const client = new ProtocolClient(
    (line) =>
      core
        .receive(Buffer.from(`${line}\r`, 'latin1'))
        .out.split('\r\n')
        .filter((l) => l !== ''),
    seededEntropy(3),
  );
  return { core, client };
}

describe('MODE: the service role switches the UART to the NE-1000 mode', () => {
  it('a clinician may not; a service session may, and the next line is NE-1000', () => {
    const { core, client } = nativeBoard();
    const seen: string[] = [];
    core.pump.controller.subscribe((e) => seen.push(e.reason.code));
    client.login('clinician', exampleKey('clinician'));
    expect(client.send('MODE', 'ne1000').code).toBe(506);
    expect(core.serial.mode).toBe('native');
    client.login('service', exampleKey('service'));
    expect(client.send('MODE', 'fast').ok).toBe(false);
    const r = client.send('MODE', 'ne1000');
    expect(r.ok).toBe(true);
    expect(r.fields['mode']).toBe('ne1000');
    expect(core.serial.mode).toBe('ne1000');
    core.runTo(core.pump.nowMs + 1_000);
    expect(seen).toContain('LINK_MODE_SET');
    // An NE-1000 basic-mode version query, answered in NE framing (STX ... ETX).
    expect(core.receive(Buffer.from('VER\r', 'latin1')).out).toMatch(/^\x0200S?NE1000V\d+\.\d+\x03$|^\x0200[ISPX]NE1000V\d+\.\d+\x03$/);
    // NATIVE returns to the native protocol.
    core.receive(Buffer.from('NATIVE\r', 'latin1'));
    expect(core.serial.mode).toBe('native');
    core.runTo(core.pump.nowMs + 1_000);
    expect(seen.filter((c) => c === 'LINK_MODE_SET')).toHaveLength(2); // NATIVE is logged as MODE is
  });
});
