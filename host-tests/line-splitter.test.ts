// The one splitter of serial lines (host/serial/line-splitter.ts) and every reader built on it:
// the real LinePort (over @serialport/binding-mock), the in-process DeviceLinePort the balance
// drivers use in virtual time, and the balance emulators reading the host's commands. An
// over-long line is cut at the limit and read once, the rest dropped: memory stays bounded, the
// reader reports what it cannot parse (E907 for a balance), and no tail is read as a line.
import type { MockPortBinding } from '@serialport/binding-mock';
import { MockBinding } from '@serialport/binding-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLinePort, manualTime, virtualDriverClock } from '../host/balance/device-line-port';
import { createBalance } from '../host/balance/select';
import { VirtualBalance } from '../host/balance/virtual-balance';
import { COMMAND_MAX } from '../host/balance/virtual-common';
import { MtSicsEmulator } from '../host/balance/virtual-mt-sics';
import type { SerialDevice } from '../host/serial/device';
import { openLinePort } from '../host/serial/line-port';
import { LineSplitter, MAX_LINE } from '../host/serial/line-splitter';

describe('LineSplitter', () => {
  it('ends lines at CR, LF or CR LF, skips empty lines and keeps a partial line for later', () => {
    const s = new LineSplitter();
    expect(s.push('S S 1.0 g\r\nZ A\rI4 A "123"\n\r\n\nSI')).toEqual(['S S 1.0 g', 'Z A', 'I4 A "123"']);
    expect(s.push('R')).toEqual([]);
    expect(s.push(' S 2.0 g\r\n')).toEqual(['SIR S 2.0 g']);
    expect(s.overlong).toBe(0);
  });

  it('keeps a line of exactly the limit whole', () => {
    const s = new LineSplitter(8);
    expect(s.push('12345678\r\n')).toEqual(['12345678']);
    expect(s.overlong).toBe(0);
  });

  it('cuts a longer line at the limit, reads it once, and drops the rest up to its line end', () => {
    const s = new LineSplitter(12);
    // Without the drop, the tail "S S 1.0 g" would be read as a reading of its own.
    expect(s.push('#noise######S S 1.0 g\r\n')).toEqual(['#noise######']);
    expect(s.push('S S 2.0 g\r\n')).toEqual(['S S 2.0 g']);
    expect(s.overlong).toBe(1);
  });

  it('stays bounded on noise that never ends a line (a wrong baud rate), however it arrives', () => {
    const s = new LineSplitter();
    const heads: string[] = [];
    for (let i = 0; i < 1_000; i++) heads.push(...s.push('\xfe\x9a'.repeat(500))); // 1 MB, no line end
    expect(heads).toEqual(['\xfe\x9a'.repeat(MAX_LINE / 2)]);
    expect(s.overlong).toBe(1);
    expect(s.push('tail of the noise\nS S 3.0 g\n')).toEqual(['S S 3.0 g']);
  });

  it('refuses a limit that is not a whole number of characters', () => {
    expect(() => new LineSplitter(0)).toThrow(RangeError);
    expect(() => new LineSplitter(2.5)).toThrow(RangeError);
  });
});

/** A device that answers every command with `reply()`. */
const answering = (reply: () => string): SerialDevice => ({ receive: () => reply() });

describe('an over-long balance line (DeviceLinePort, virtual time)', () => {
  it('noise without a line end is E907 (a reply that cannot be read), not a silent balance, and the next reading works', async () => {
    const time = manualTime();
    let reply = `${'\xfe'.repeat(3 * MAX_LINE)}`; // the balance at another baud rate: no CR or LF ever
    const port = new DeviceLinePort(
      answering(() => reply),
      time,
    );
    const b = createBalance(port, 'mt-sics', { clock: virtualDriverClock(time), replyTimeoutMs: 1_000 });
    const e = await b.readImmediate().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 907 });
    expect((e as Error).message.length).toBeLessThan(MAX_LINE + 200); // the cut head, not 12 kB
    expect(time.nowMs()).toBe(0); // answered at once: no timeout was waited out
    reply = '\r\nS S     1.2345 g\r\n'; // the line end of the noise, then a good reply
    expect((await b.readImmediate()).massMg).toBeCloseTo(1234.5, 6);
  });

  it('honours its own limit, and a cut line is read once', async () => {
    const time = manualTime();
    const port = new DeviceLinePort(
      answering(() => `${'#'.repeat(40)}S S     9.9999 g\r\n`),
      time,
      { maxLine: 16 },
    );
    await port.write('SI\r\n');
    expect(port.drain()).toEqual(['#'.repeat(16)]);
  });
});

describe('the balance emulators read commands with the same splitter', () => {
  it('answer a command longer than their buffer once, with ES, and never its tail', () => {
    const mt = new MtSicsEmulator(new VirtualBalance({ noiseMg: 0, deliveredNl: () => 0 }));
    // Were the tail read as a command, "SI" would be answered with a reading as well.
    expect(mt.receive(`${'X'.repeat(COMMAND_MAX)}SI\r\n`, 60_000)).toBe('ES\r\n');
    expect(mt.receive('SI\r\n', 60_000)).toMatch(/^S [SD] +-?[0-9.]+ g\r\n$/);
  });
});

describe('the real LinePort (binding-mock)', () => {
  afterEach(() => MockBinding.reset());

  it('cuts an over-long line at maxLine and reads the next line, not the tail', async () => {
    MockBinding.createPort('/dev/mock-long', { echo: false, record: false });
    let mock: MockPortBinding | undefined;
    const binding = { list: () => MockBinding.list(), open: async (o: Parameters<typeof MockBinding.open>[0]) => (mock = await MockBinding.open(o)) };
    const port = await openLinePort('/dev/mock-long', { baud: 9600, binding, maxLine: 64 });
    const first = port.readLine(5_000);
    mock!.emitData(`${'~'.repeat(100)}S S     1.0000 g\r\n`);
    await expect(first).resolves.toBe('~'.repeat(64));
    const second = port.readLine(5_000);
    mock!.emitData('S S     2.0000 g\r\n');
    await expect(second).resolves.toBe('S S     2.0000 g');
    await port.close();
  });
});
