// The NE-1000-compatible mode (docs/ne1000.md) driven as a lab's script drives a New Era pump:
// the client written from the manuals (host/protocol/ne1000-client.ts) over a mock serial port
// whose far end is the virtual board's core. Both framings, CRC errors, addresses, every
// supported command, an occlusion during a run, a safe-mode timeout, and a dispense checked at
// the rig's outlet. Virtual time only: the board runs when runTo() says.

import { afterEach, describe, expect, it } from 'vitest';
import { formatMilli, parseFloatMilli, rateNlPerDay } from '../firmware/protocol/ne1000/numbers';
import { crcXmodem, PacketReader, safePacket, textBytes } from '../firmware/protocol/ne1000/packets';
import { parseCommand } from '../firmware/protocol/ne1000/command';
import { basicCommand, safeCommand } from '../host/protocol/ne1000-client';
import type { NeRig } from './ne1000-fixture';
import { neCore, neRig } from './ne1000-fixture';

let rig: NeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('NE-1000 numbers, packets and commands', () => {
  it('reads floats as the manual writes them and answers with four digits and a point', () => {
    expect(parseFloatMilli('14.43')).toBe(14_430);
    expect(parseFloatMilli('0.05')).toBe(50);
    expect(parseFloatMilli('12.500')).toBe(12_500); // %0.3f from a client: trailing zeros are not digits
    expect(parseFloatMilli('1234')).toBe(1_234_000);
    expect(parseFloatMilli('12345')).toBeUndefined();
    expect(parseFloatMilli('1.2345')).toBeUndefined();
    expect(parseFloatMilli('1.2.3')).toBeUndefined();
    expect(parseFloatMilli('.')).toBeUndefined();
    expect(['0.050', '14.43', '100.0', '1000.', '9.999', '10.00'].map((t) => formatMilli(parseFloatMilli(t)!))).toEqual(['0.050', '14.43', '100.0', '1000.', '9.999', '10.00']);
    expect(formatMilli(9_999_600)).toBe('9999.');
    expect(rateNlPerDay(500, 'MM')).toBe(720_000_000);
    expect(rateNlPerDay(1_000, 'UH')).toBe(24_000);
  });

  it("frames the manual's SAF0 packet byte for byte, CRC-16/XMODEM", () => {
    expect(crcXmodem(textBytes('123456789'))).toBe(0x31c3);
    expect([...safePacket('SAF0')]).toEqual([0x02, 0x08, 0x53, 0x41, 0x46, 0x30, 0x55, 0x43, 0x03]);
    expect([...safeCommand('SAF0')]).toEqual([0x02, 0x08, 0x53, 0x41, 0x46, 0x30, 0x55, 0x43, 0x03]);
  });

  it('strips spaces and control characters, upper-cases, and resynchronises after bad packets', () => {
    const r = new PacketReader();
    r.push(textBytes('  0 rat 0.5 mm\r\n'), 0);
    expect(r.next()).toEqual({ kind: 'basic', text: '0RAT0.5MM' });
    const bad = safePacket('VER');
    bad[5] = bad[5]! ^ 0xff;
    r.push(bad, 0);
    expect(r.next()).toMatchObject({ kind: 'corrupt', why: 'CRC mismatch' });
    r.push(Uint8Array.of(0x02, 0x02), 0);
    expect(r.next()).toMatchObject({ kind: 'corrupt' });
    r.push(textBytes(`${'A'.repeat(80)}\r`), 0);
    expect(r.next()).toEqual({ kind: 'too-long' });
    // A packet left half-sent is dropped after a second without bytes.
    r.push(Uint8Array.of(0x02, 0x20, 0x41), 0);
    r.push(textBytes('VER\r'), 5_000);
    expect(r.next()).toEqual({ kind: 'basic', text: 'VER' });
    expect(parseCommand('DIRINF')).toMatchObject({ name: 'DIR', data: 'INF', address: undefined });
    expect(parseCommand('12AL0')).toMatchObject({ name: 'AL', data: '0', address: 12 });
    expect(parseCommand('*ADR')).toMatchObject({ name: 'ADR', system: true });
    expect(parseCommand('XYZ')).toMatchObject({ name: undefined });
  });
});

describe('NE-1000 mode over a mock serial port', () => {
  it('answers status, VER and queries in basic framing, with its address and a decimal point', async () => {
    rig = await neRig();
    const c = rig.client;
    expect(await c.send('')).toMatchObject({ address: 0, status: 'S', data: '', error: undefined });
    expect((await c.send('VER')).data).toMatch(/^NE1000V\d+\.\d+$/);
    expect((await c.send('DIA')).data).toBe('14.43');
    expect((await c.send('RAT')).data).toBe('1.000MH');
    expect((await c.send('VOL')).data).toBe('0.000ML');
    expect((await c.send('DIS')).data).toBe('I0.000W0.000ML');
    expect((await c.send('DIR')).data).toBe('INF');
    expect((await c.send('SAF')).data).toBe('0');
    expect((await c.send('0 dia')).data).toBe('14.43'); // lower case, spaces, its own address
    expect((await c.send('FOO')).error).toBe('');
    // Another pump's address is not answered (a network of pumps shares the line).
    expect(rig.raw('5VER\r')).toBe('');
    expect(rig.raw('\x0200VER')).toBe(''); // no CR yet
  });

  it('takes every set-up command with status-only replies, and refuses what it must', async () => {
    rig = await neRig();
    const c = rig.client;
    const taken = [
      'DIA 14.43',
      'RAT 0.5 MM',
      'VOL UL',
      'VOL 50',
      'DIR INF',
      'CLD INF',
      'CLD WDR',
      'BUZ 0',
      'BUZ 13',
      'PHN 1',
      'FUN RAT',
      'PHN 2',
      'FUN STP',
      'PHN 1',
      'TRG FT',
      'AL 0',
      'BP 1',
      'PF 0',
      'LN 0',
    ];
    for (const cmd of taken) expect(await c.send(cmd), cmd).toMatchObject({ status: 'S', data: '', error: undefined });
    expect((await c.send('RAT')).data).toBe('0.500MM');
    expect((await c.send('VOL')).data).toBe('50.00UL');
    expect((await c.send('PHN')).data).toBe('1');
    expect((await c.send('FUN')).data).toBe('RAT');
    expect((await c.send('IN 2')).data).toBe('0');
    const refused: [string, string][] = [
      ['DIR WDR', 'NA'], // never withdraws (docs/ne1000.md)
      ['DIR REV', 'NA'],
      ['PF 1', 'NA'], // no power-fail restart
      ['PHN 3', 'NA'], // one phase and its stop
      ['FUN INC', 'NA'],
      ['RAT 99 MM', 'OOR'], // above the bench drug's hard limit (100 mL/h)
      ['RAT 0 MH', 'OOR'],
      ['RAT 1.2345 MH', 'OOR'],
      ['RAT 1 XX', 'OOR'],
      ['VOL 9999 ML', 'OOR'], // above the hard bolus limit
      ['DIA 99', 'OOR'],
      ['SAF 256', 'OOR'],
      ['ADR 0 B 1234', 'OOR'],
      ['CLD', 'OOR'],
      ['RUN 7', 'OOR'],
    ];
    for (const [cmd, error] of refused) expect((await c.send(cmd)).error, cmd).toBe(error);
    // ADR moves the pump to another address; the reply already carries it.
    expect(await c.send('ADR 7')).toMatchObject({ address: 7, error: undefined });
    expect(rig.raw('0VER\r')).toBe('');
    expect((await c.send('07ADR')).data).toBe('7');
    expect((await c.send('*ADR 0')).address).toBe(0);
  });

  it('dispenses a set volume to the outlet, pauses and resumes on STP and RUN, and logs each start', async () => {
    rig = await neRig();
    const { client: c, core } = rig;
    for (const cmd of ['RAT 0.5 MM', 'VOL UL', 'VOL 50', 'CLD INF']) expect((await c.send(cmd)).error).toBeUndefined();
    const outlet0 = core.pump.line.outletNl;
    const run = await c.send('RUN');
    expect(run.status).toBe('I');
    const started = run.error === undefined && core.pump.controller.status().prescription;
    expect(started).toMatch(/^NE RUN 0.500MM 50.00UL/);
    core.runTo(core.pump.nowMs + 2_000);
    // STP pauses (P), RUN finishes the rest of the volume, not the whole again.
    expect((await c.send('STP')).status).toBe('P');
    core.runTo(core.pump.nowMs + 10_000);
    expect((await c.send('')).status).toBe('P');
    expect((await c.send('RUN')).status).toBe('I');
    core.runTo(core.pump.nowMs + 10_000);
    expect((await c.send('')).status).toBe('S');
    const dis = await c.send('DIS');
    const infused = Number(/^I([0-9.]+)W/.exec(dis.data)![1]);
    expect(infused).toBeCloseTo(50, 0);
    core.runTo(core.pump.nowMs + 600_000); // the line's compliance lets the last of it out
    const outletUl = (core.pump.line.outletNl - outlet0) / 1_000;
    expect(Math.abs(outletUl - 50) / 50).toBeLessThan(0.02);
    // STP from stopped is still a plain S.
    expect((await c.send('STP')).status).toBe('S');
  });

  it('purges (X) until stopped, and changes the rate while running', async () => {
    rig = await neRig();
    const c = rig.client;
    expect((await c.send('PUR')).status).toBe('X');
    expect((await c.send('PUR')).error).toBe('NA');
    rig.core.runTo(rig.core.pump.nowMs + 1_000);
    expect((await c.send('STP')).status).toBe('S');
    expect((await c.send('RAT 1 MH')).error).toBeUndefined();
    expect((await c.send('VOL 0')).error).toBeUndefined();
    expect((await c.send('RUN')).status).toBe('I');
    expect(await c.send('RAT 2 MH')).toMatchObject({ status: 'I', error: undefined });
    expect(rig.core.pump.controller.status().totalRateNlPerDay).toBe(48_000_000);
    expect((await c.send('RAT 2 UH')).error).toBe('NA'); // units fixed while pumping
    expect((await c.send('DIA 10')).error).toBe('NA');
    expect((await c.send('STP')).status).toBe('P');
  });

  it('accepts safe-mode packets at any time, answers a bad CRC with ?COM, and leaves safe mode on SAF0', async () => {
    rig = await neRig();
    const c = rig.client;
    const on = await c.send('SAF 10', 'safe');
    expect(on).toMatchObject({ framing: 'safe', status: 'S', error: undefined });
    expect((await c.send('VER')).framing).toBe('safe');
    // A basic command is still taken; the reply is framed as the mode says.
    expect(await c.send('DIA', 'basic')).toMatchObject({ framing: 'safe', data: '14.43' });
    const bad = safeCommand('VER');
    bad[4] = bad[4]! ^ 0x01;
    expect(await c.raw(bad, 'safe')).toMatchObject({ error: 'COM' });
    // The manual's packet, byte for byte: its reply is already in basic framing.
    const off = await c.raw(Buffer.from([0x02, 0x08, 0x53, 0x41, 0x46, 0x30, 0x55, 0x43, 0x03]), 'basic');
    expect(off).toMatchObject({ framing: 'basic', status: 'S', error: undefined });
    c.safe = false;
    expect((await c.send('SAF')).data).toBe('0');
  });

  it('stops the pump with alarm T when safe mode hears nothing for its timeout', async () => {
    rig = await neRig();
    const { client: c, core } = rig;
    expect((await c.send('SAF 2', 'safe')).error).toBeUndefined();
    for (const cmd of ['RAT 1 MH', 'VOL 0']) expect((await c.send(cmd)).error).toBeUndefined();
    expect((await c.send('RUN')).status).toBe('I');
    core.runTo(core.pump.nowMs + 1_500);
    expect((await c.send('')).status).toBe('I'); // a poll keeps it alive
    core.runTo(core.pump.nowMs + 2_500);
    expect(core.pump.controller.status().state).toBe('paused');
    const alarm = await c.send('RAT 2 MH');
    expect(alarm).toMatchObject({ status: 'A', alarm: 'T' });
    expect((await c.send('RAT')).data).toBe('1.000MH'); // the command under the alarm was not carried out
    expect((await c.send('')).status).toBe('P');
  });

  it('reports an occlusion during a run as A?S once, then refuses RUN until it is acknowledged at the rig', async () => {
    rig = await neRig({ faults: ['occlusion@1m'] });
    const { client: c, core } = rig;
    for (const cmd of ['RAT 1 MH', 'VOL 0']) expect((await c.send(cmd)).error).toBeUndefined();
    expect((await c.send('RUN')).status).toBe('I');
    core.runTo(core.pump.nowMs + 10 * 60_000);
    expect(core.pump.controller.status().alarms.map((a) => a.name)).toContain('OCCLUSION');
    expect(await c.send('')).toMatchObject({ status: 'A', alarm: 'S' });
    expect((await c.send('')).status).toBe('S');
    expect((await c.send('RUN')).error).toBe('NA');
    expect((await c.send('PUR')).error).toBe('NA');
    expect(core.pump.controller.status().totalRateNlPerDay).toBe(0);
  });

  it('keeps the mode and its settings across a restart, and NATIVE returns to the native protocol', async () => {
    const first = neCore();
    rig = await neRig({}, first);
    expect((await rig.client.send('RAT 3 MH')).error).toBeUndefined();
    expect((await rig.client.send('ADR 4')).error).toBeUndefined();
    await rig.close();
    first.shutdown();
    const again = neCore({ nvs: first.nvsImage(), ne1000: false });
    rig = await neRig({}, again);
    expect(await rig.client.send('04RAT')).toMatchObject({ address: 4, data: '3.000MH' });
    expect((await rig.client.send('04NATIVE')).status).toBe('S');
    expect(rig.raw('STATUS\r\n')).toMatch(/^OK state=/);
    expect(again.serial.mode).toBe('native');
  });

  it('answers the first command after an unexpected reset with A?R, as an NE-1000 after a power cut', async () => {
    const first = neCore();
    const image = first.nvsImage(); // no orderly shutdown: a power cut
    rig = await neRig({}, neCore({ nvs: image, ne1000: false }));
    expect(await rig.client.send('VER')).toMatchObject({ status: 'A', alarm: 'R' });
    expect((await rig.client.send('VER')).data).toMatch(/^NE1000V/);
    expect((await rig.client.send('RUN')).error).toBe('NA'); // held until acknowledged at the rig
  });

  it('keeps every NE start in the event log', () => {
    const core = neCore();
    const sent = (t: string): string => core.receive(basicCommand(t)).out;
    sent('RAT 0.5 MM');
    sent('VOL 0.01');
    const run = core.receive(basicCommand('RUN'));
    expect(run.events.filter((e) => e.reason.code === 'PROGRAM_STARTED').map((e) => e.data['name'])).toEqual(['NE RUN 0.500MM 0.010ML']);
    const stop = core.receive(basicCommand('STP'));
    expect(stop.events.map((e) => e.reason.code)).toContain('OPERATOR_PAUSE');
  });
});
