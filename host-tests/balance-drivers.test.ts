// The balance drivers against the three emulators: over @serialport/binding-mock (the real
// LinePort, bytes recorded) and over the in-memory DeviceLinePort in virtual time (timeouts
// and slow settling cost no real time). Errors come back as numbered HostErrors (host/errors/balance.ts).
import type { MockPortBinding } from '@serialport/binding-mock';
import { MockBinding } from '@serialport/binding-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLinePort, manualTime, virtualDriverClock } from '../host/balance/device-line-port';
import { HostError } from '../host/errors';
import { connectBalance, createBalance, detectProtocol } from '../host/balance/select';
import type { BalanceProtocol } from '../host/balance/types';
import type { VirtualBalanceOptions } from '../host/balance/virtual-balance';
import { VirtualBalance } from '../host/balance/virtual-balance';
import { MtSicsEmulator } from '../host/balance/virtual-mt-sics';
import { OhausEmulator } from '../host/balance/virtual-ohaus';
import { SbiEmulator } from '../host/balance/virtual-sbi';
import type { SerialDevice } from '../host/serial/device';
import type { LinePort } from '../host/serial/line-port';
import { openLinePort, SerialError } from '../host/serial/line-port';
import { MtSicsBalance } from '../host/balance/mt-sics';

const PROTOCOLS: readonly BalanceProtocol[] = ['mt-sics', 'sbi', 'ohaus'];

function emulator(protocol: BalanceProtocol, vb: VirtualBalance): SerialDevice {
  return protocol === 'mt-sics' ? new MtSicsEmulator(vb) : protocol === 'sbi' ? new SbiEmulator(vb) : new OhausEmulator(vb);
}

/** A virtual balance holding `nl()` of water, quiet by default, on a manual clock. */
function rig(protocol: BalanceProtocol, o: Partial<VirtualBalanceOptions> = {}, deliveredNl = (_t: number) => 0) {
  const time = manualTime();
  const vb = new VirtualBalance({ noiseMg: 0, temperatureC: 20, ...o, deliveredNl });
  const device = emulator(protocol, vb);
  const record: string[] = [];
  const port = new DeviceLinePort(device, time, { record });
  const balance = createBalance(port, protocol, { clock: virtualDriverClock(time), replyTimeoutMs: 1_000, stableTimeoutMs: 5_000 });
  return { time, vb, device, port, balance, record };
}

describe.each(PROTOCOLS)('%s driver and emulator, in virtual time', (protocol) => {
  it('zeroes, reads 1 mL of water as 998.2 mg, and gives the serial number', async () => {
    let nl = 0;
    const r = rig(protocol, {}, () => nl);
    await r.balance.zero();
    nl = 1_000_000;
    r.vb.trueMassMg(r.time.nowMs()); // the water arrives now, as a step
    r.time.advance(60_000); // let the reading settle
    const s = await r.balance.readStable();
    // 1 mL x 998.2042 mg/mL (Tanaka 2001, air-saturated, 20 C) at 0.1 mg: 998.2 mg.
    expect(s.massMg).toBeCloseTo(998.2, 6);
    expect(s.stable).toBe(true);
    const i = await r.balance.readImmediate();
    expect(i.massMg).toBeCloseTo(998.2, 6);
    expect((await r.balance.serialNumber()).length).toBeGreaterThan(5);
  });

  it('waits for stability while the load moves, then reads it', async () => {
    let nl = 0;
    const r = rig(protocol, { settlingMs: 500 }, () => nl);
    await r.balance.zero();
    nl = 500_000; // a sudden 0.5 mL: the display lags and is unstable for a few seconds
    const i = await r.balance.readImmediate();
    expect(i.stable).toBe(false);
    const t0 = r.time.nowMs();
    const s = await r.balance.readStable();
    expect(s.stable).toBe(true);
    expect(r.time.nowMs() - t0).toBeGreaterThan(1_000);
    expect(s.massMg).toBeGreaterThan(499 - 1);
  });

  it('reports overload and underload as E901 / E902', async () => {
    const r = rig(protocol, { capacityMg: 60_000 });
    r.vb.addMass(0, 20_000); // 50 g beaker + 20 g > 60 g
    r.time.advance(30_000);
    await expect(r.balance.readImmediate()).rejects.toMatchObject({ code: 901 });
    r.vb.addMass(r.time.nowMs(), -20_000);
    r.vb.panRemoved = true;
    await expect(r.balance.readImmediate()).rejects.toMatchObject({ code: 902 });
  });

  it('says E903 when the balance never settles, E900 when it is silent, E907 when garbled', async () => {
    const r = rig(protocol);
    r.vb.shaking = true;
    const t0 = r.time.nowMs();
    await expect(r.balance.readStable()).rejects.toMatchObject({ code: 903 });
    expect(r.time.nowMs() - t0).toBeLessThan(60_000); // virtual time only
    r.vb.shaking = false;
    r.vb.notAnswering = true;
    await expect(r.balance.readImmediate()).rejects.toMatchObject({ code: 900 });
    r.vb.notAnswering = false;
    r.vb.garbleReplies = 1;
    await expect(r.balance.readImmediate()).rejects.toMatchObject({ code: 907 });
    await expect(r.balance.readImmediate()).resolves.toMatchObject({ stable: true });
  });

  it('auto-detects the protocol', async () => {
    const r = rig(protocol);
    expect(await detectProtocol(r.port, { detectTimeoutMs: 200 })).toBe(protocol);
    const b = await connectBalance(r.port, 'auto', { detectTimeoutMs: 200, clock: virtualDriverClock(r.time) });
    expect(b.protocol).toBe(protocol);
    expect((await b.readImmediate()).massMg).toBe(0);
  });
});

describe('framing on the wire', () => {
  it('MT-SICS commands end in CR LF; SBI is ESC + letter; Ohaus letters + CR LF', async () => {
    for (const [protocol, expected] of [
      ['mt-sics', ['S\r\n', 'SI\r\n', 'Z\r\n', 'T\r\n', 'I4\r\n']],
      ['sbi', ['\x1bP\r\n', '\x1bP\r\n', '\x1bV\r\n', '\x1bU\r\n', '\x1bx2_\r\n']],
      ['ohaus', ['SP\r\n', 'IP\r\n', 'Z\r\n', 'T\r\n', 'PSN\r\n']],
    ] as const) {
      const r = rig(protocol);
      await r.balance.readStable();
      await r.balance.readImmediate();
      await r.balance.zero();
      await r.balance.tare();
      await r.balance.serialNumber();
      expect(r.record, protocol).toEqual(expected);
    }
  });

  it('MT-SICS answers ES to an unknown command and acts only on CR LF', async () => {
    const r = rig('mt-sics');
    expect(r.device.receive('XYZ\r\n', 0)).toBe('ES\r\n');
    expect(r.device.receive('S', 0)).toBe(''); // no CR LF yet: nothing
    expect(r.device.receive('I\r\n', 0)).toMatch(/^S S +0\.0000 g\r\n$/);
  });

  it('MT-SICS SIR streams readings through poll until @', () => {
    const r = rig('mt-sics');
    expect(r.device.receive('SIR\r\n', 0)).toMatch(/^S S +0\.0000 g\r\n$/);
    const burst = r.device.poll!(450);
    expect(burst.split('\r\n').filter(Boolean)).toHaveLength(4); // at 100, 200, 300, 400 ms
    expect(r.device.receive('@\r\n', 500)).toBe('I4 A "B912345678"\r\n');
    expect(r.device.poll!(2_000)).toBe('');
  });

  it('Ohaus CP streams until 0P; SP answers ES after 40 s unsteady', () => {
    const r = rig('ohaus');
    r.device.receive('CP\r\n', 0);
    expect(r.device.poll!(1_000).split('\r\n').filter(Boolean).length).toBe(5);
    r.device.receive('0P\r\n', 1_000);
    expect(r.device.poll!(5_000)).toBe('');
    r.vb.shaking = true;
    expect(r.device.receive('SP\r\n', 5_000)).toBe('');
    expect(r.device.poll!(44_000)).toBe('');
    expect(r.device.poll!(45_000)).toBe('ES\r\n');
  });

  it('SBI ignores unknown sequences and waits for the rest of ESC x2_', () => {
    const r = rig('sbi');
    expect(r.device.receive('\x1bQ\r\n', 0)).toBe('');
    expect(r.device.receive('\x1bx', 0)).toBe('');
    expect(r.device.receive('2_', 0)).toBe('    0039502241\r\n');
    expect(r.device.receive('\x1bP', 0)).toBe('+   0.0000 g  \r\n');
  });

  it('detection fails with E909 when nothing answers', async () => {
    const r = rig('mt-sics');
    r.vb.notAnswering = true;
    await expect(detectProtocol(r.port, { detectTimeoutMs: 100 })).rejects.toMatchObject({ code: 909 });
  });
});

describe('over @serialport/binding-mock', () => {
  afterEach(() => MockBinding.reset());

  /** A mock port whose writes go to the emulator and whose replies come back as received data. */
  async function mockPort(path: string, device: SerialDevice, nowMs: () => number) {
    MockBinding.createPort(path, { echo: false, record: true });
    let mock: MockPortBinding | undefined;
    const binding = {
      list: () => MockBinding.list(),
      open: async (o: Parameters<typeof MockBinding.open>[0]) => {
        const m = await MockBinding.open(o);
        const write = m.write.bind(m);
        m.write = async (buf: Buffer) => {
          await write(buf);
          const reply = device.receive(buf.toString('latin1'), nowMs());
          if (reply) m.emitData(Buffer.from(reply, 'latin1'));
        };
        mock = m;
        return m;
      },
    };
    const port = await openLinePort(path, { baud: 9600, binding });
    return { port, mock: () => mock! };
  }

  it.each(PROTOCOLS)('%s: the driver reads, zeroes and identifies through a real LinePort', async (protocol) => {
    const vb = new VirtualBalance({ noiseMg: 0, deliveredNl: () => 250_000 });
    const { port, mock } = await mockPort(`/dev/mock-${protocol}`, emulator(protocol, vb), () => 60_000);
    const b = await connectBalance(port, 'auto', { detectTimeoutMs: 200, replyTimeoutMs: 500 });
    expect(b.protocol).toBe(protocol);
    await b.zero();
    expect((await b.readImmediate()).massMg).toBe(0);
    expect(await b.serialNumber()).toMatch(/^[A-Z0-9]+$/);
    const rec = mock().recording.toString('latin1');
    expect(rec).toContain(protocol === 'sbi' ? '\x1bV\r\n' : 'Z\r\n');
    await port.close();
  });

  it('a raw MT-SICS reply injected on the line is parsed with its unit', async () => {
    MockBinding.createPort('/dev/mock-raw', { echo: false, record: true });
    let mock: MockPortBinding | undefined;
    const binding = { list: () => MockBinding.list(), open: async (o: Parameters<typeof MockBinding.open>[0]) => (mock = await MockBinding.open(o)) };
    const port = await openLinePort('/dev/mock-raw', { baud: 9600, binding });
    const b = createBalance(port, 'mt-sics', { replyTimeoutMs: 500 });
    const read = b.readImmediate();
    await new Promise((resolve) => setImmediate(resolve));
    mock!.emitData('S D   1234.5 mg\r\n');
    await expect(read).resolves.toEqual({ massMg: 1234.5, stable: false, raw: 'S D   1234.5 mg' });
    const next = b.readStable();
    await new Promise((resolve) => setImmediate(resolve));
    mock!.emitData('EL\r\n');
    await expect(next).rejects.toBeInstanceOf(HostError);
    expect(mock!.recording.toString('latin1')).toBe('SI\r\nS\r\n');
    await port.close();
  });
});

describe('MT-SICS: a reply to another command still in flight', () => {
  /** A port that answers each command with the lines `script` gives for it, as a balance would. */
  function scripted(script: (command: string) => string[]) {
    const queue: string[] = [];
    const port: LinePort = {
      path: '/dev/ttyBALANCE',
      closed: false,
      write: async (text: string) => void queue.push(...script(text.trim())),
      readLine: async () => {
        const l = queue.shift();
        if (l === undefined) throw new SerialError('timeout', '/dev/ttyBALANCE', 'no line');
        return l;
      },
      drain: () => queue.splice(0),
      onLine: () => undefined,
      close: async () => undefined,
    };
    return new MtSicsBalance(port, { replyTimeoutMs: 1_000, stableTimeoutMs: 5_000 });
  }

  it("skips a killed station's late S answer and reads Z's own (a resumed station's calibration)", async () => {
    // The S the killed station sent is answered after the resumed station's drain, before Z's reply.
    const b = scripted((c) => (c === 'Z' ? ['S S     0.4991 g', 'Z A'] : c === 'S' ? ['T S     0.0000 g', 'S S     1.2345 g'] : []));
    await expect(b.zero()).resolves.toBeUndefined();
    expect((await b.readStable()).massMg).toBeCloseTo(1234.5, 6);
  });

  it('still refuses a reply that is neither its own nor another command’s (E907), and a silent one (E900)', async () => {
    await expect(scripted(() => ['?!#garbage']).zero()).rejects.toMatchObject({ code: 907 });
    await expect(scripted(() => ['S S     0.4991 g']).zero()).rejects.toMatchObject({ code: 900 });
  });
});
