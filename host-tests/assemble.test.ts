// The device's own glue, on the host: firmware/app/assemble.ts is the one composition root the
// ESP32 (main.ts), the virtual board and the Linux targets all call, so what main.ts used to
// do alone (the service button and its debounce, the service pin at boot, the link's keys and
// lockout in NVS, the UART at the stored NE-1000 baud, refusing to start on a pin that cannot
// be driven) is exercised here through the virtual pump's mock IO, in virtual time.
import { describe, expect, it } from 'vitest';
import type { BoardIo, LineTransport } from '../firmware/app/assemble';
import { assemble, FIRMWARE_VERSION, SERVICE_DEBOUNCE_MS } from '../firmware/app/assemble';
import { boardPin } from '../firmware/app/board';
import library from '../firmware/app/examples/library.example.json';
import mechanics from '../firmware/app/examples/mechanics.example.json';
import prescription from '../firmware/app/examples/prescription.example.json';
import { DEFAULT_BAUD } from '../firmware/drivers/uart';
import type { Role } from '../firmware/protocol/auth';
import { defaultSettings } from '../firmware/protocol/ne1000/settings';
import { lineBytes } from '../firmware/shared/crc';
import { ProtocolClient } from '../host/protocol/client';
import { nobleDigest } from '../host/protocol/digest-noble';
import { exampleKey, seededEntropy } from '../host/protocol/virtual-link';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import { createAnalogMocks, I2cBus } from '../host/sim/sensor-mocks';
import { createSerialLink } from '../host/sim/serial-mocks';
import { VirtualClock } from '../host/sim/virtual-clock';
import type { VirtualPump, VirtualPumpOptions } from '../host/sim/virtual-pump';
import { createVirtualPump } from '../host/sim/virtual-pump';
import { MockKeyValueStore } from '../host/storage/kv-mock';

const CONFIG = { mechanics, library, prescription };
const SERVICE = boardPin('service');
const PRESSED: 0 | 1 = (SERVICE.activeLow ?? true) ? 0 : 1;
const RELEASED: 0 | 1 = PRESSED === 0 ? 1 : 0;
const WRONG = new Uint8Array(32).fill(0x5a);

/** A press and release of the service button on the virtual rig's wires. */
function press(vp: VirtualPump): void {
  vp.bus.setInput(SERVICE.gpio, PRESSED);
  vp.bus.setInput(SERVICE.gpio, RELEASED);
}

/** The line a test talks on: what the firmware writes is collected, a line in is answered at once. */
class TestLine implements LineTransport {
  onBytes: ((bytes: Uint8Array) => void) | undefined = undefined;
  text = '';
  write(text: string): void {
    this.text += text;
  }
  writeBytes(bytes: Uint8Array): void {
    this.text += String.fromCharCode(...bytes);
  }
  send(line: string): string[] {
    this.text = '';
    this.onBytes?.(lineBytes(`${line}\n`));
    return this.text.split('\r\n').slice(0, -1);
  }
}

/** A virtual pump with the programming link as the device wires it, keys provisioned. */
function linked(extra: Partial<VirtualPumpOptions> = {}): { vp: VirtualPump; line: TestLine; client: ProtocolClient } {
  const line = new TestLine();
  const vp = createVirtualPump({ ...CONFIG, storage: new MockKeyValueStore(), programming: { entropy: seededEntropy(7), digest: nobleDigest, transport: line }, ...extra });
  for (const r of ['patient', 'clinician', 'service'] as Role[]) vp.programming!.keys.set(r, exampleKey(r));
  return { vp, line, client: new ProtocolClient((l) => line.send(l), seededEntropy(11)) };
}

const codes = (vp: VirtualPump): string[] => vp.events.map((e) => e.reason.code);

describe('the service button after boot (assemble.ts)', () => {
  it('a press acknowledges the active alarms, and delivery holds until it does', () => {
    const vp = createVirtualPump(CONFIG);
    vp.runFor(60_000);
    vp.controller.raiseAlarm('UNEXPECTED_RESET', 'a test reset');
    expect(vp.controller.pump.alarms.list().map((a) => a.name)).toEqual(['UNEXPECTED_RESET']);
    vp.runFor(1_000);
    // Releasing is not a press: the edge that counts is the one into the active level.
    vp.bus.setInput(SERVICE.gpio, RELEASED);
    expect(vp.controller.pump.alarms.list()).toHaveLength(1);
    press(vp);
    expect(vp.controller.pump.alarms.list()).toEqual([]);
    expect(vp.controller.status().state).toBe('running');
  });

  it(`a second press within ${SERVICE_DEBOUNCE_MS} ms is contact bounce; one after it counts`, () => {
    const vp = createVirtualPump(CONFIG);
    vp.runFor(60_000);
    vp.controller.raiseAlarm('UNEXPECTED_RESET', 'first');
    press(vp);
    expect(vp.controller.pump.alarms.list()).toEqual([]);
    vp.controller.raiseAlarm('UNEXPECTED_RESET', 'second');
    vp.runFor(SERVICE_DEBOUNCE_MS - 1);
    press(vp);
    // One press must never count twice: the bounce acknowledges nothing.
    expect(vp.controller.pump.alarms.list().map((a) => a.name)).toEqual(['UNEXPECTED_RESET']);
    vp.runFor(1);
    press(vp);
    expect(vp.controller.pump.alarms.list()).toEqual([]);
  });

  it('a press clears an AUTH lockout (physical presence), as an event', () => {
    const { vp, client } = linked();
    for (let i = 0; i < 3; i++) expect(client.login('clinician', WRONG).code).toBe(510);
    expect(vp.programming!.auth.lockedMs(vp.controller.now())).toBeGreaterThan(0);
    expect(client.login('clinician', exampleKey('clinician')).code).toBe(511);
    press(vp);
    expect(codes(vp)).toContain('AUTH_LOCK_CLEARED');
    expect(vp.programming!.auth.failures).toBe(0);
    expect(client.login('clinician', exampleKey('clinician')).ok).toBe(true);
  });
});

describe('the service pin at boot (assemble.ts)', () => {
  it('held through the boot: the provisioning window opens, as an event', () => {
    const { vp } = linked({ serviceHeldAtBoot: true });
    expect(codes(vp)).toContain('PROVISIONING_OPEN');
    expect(vp.programming!.auth.provisioningOpen(vp.controller.now())).toBe(true);
  });

  it('held through the boot in the NE-1000 mode: back to native, as a LINK_MODE_SET event', () => {
    const kv = new MockKeyValueStore();
    const first = linked({ storage: kv });
    first.vp.programming!.router.setMode('ne1000');
    first.vp.persistence!.shutdown();
    const { vp, client } = linked({ storage: kv, serviceHeldAtBoot: true });
    vp.runFor(1_000);
    expect(vp.programming!.router.mode).toBe('native');
    expect(vp.events.filter((e) => e.reason.code === 'LINK_MODE_SET').map((e) => e.data['mode'])).toEqual(['native']);
    expect(client.query('VERSION').ok).toBe(true); // the native protocol answers
  });

  it('not held: no window', () => {
    const { vp } = linked();
    expect(codes(vp)).not.toContain('PROVISIONING_OPEN');
    expect(vp.programming!.auth.provisioningOpen(vp.controller.now())).toBe(false);
  });
});

describe('the programming link as assembled', () => {
  it('answers VERSION with the one firmware version', () => {
    const { client } = linked();
    expect(client.query('VERSION').fields).toEqual({ fw: FIRMWARE_VERSION, proto: '1' });
  });

  it('keeps the keys in NVS: a board booted from the same NVS accepts them', () => {
    const kv = new MockKeyValueStore();
    const first = linked({ storage: kv });
    expect(first.client.login('clinician', exampleKey('clinician')).ok).toBe(true);
    first.vp.persistence!.shutdown();
    const line = new TestLine();
    const second = createVirtualPump({ ...CONFIG, storage: kv, programming: { entropy: seededEntropy(8), digest: nobleDigest, transport: line } });
    const client = new ProtocolClient((l) => line.send(l), seededEntropy(12));
    expect(second.programming!.keys.get('clinician')).toEqual(exampleKey('clinician'));
    expect(client.login('clinician', exampleKey('clinician')).ok).toBe(true);
  });
});

/** The board's IO on mocks, without the rig: for what only assemble() itself decides. */
function mockIo(clock: VirtualClock, bus = new PinBus()): BoardIo {
  const io = createIoMocks(clock, bus);
  const analog = createAnalogMocks({ [boardPin('battery').gpio]: () => 1_800 });
  return { Digital: io.Digital, PWM: io.PWM, I2C: new I2cBus().I2C, Analog: analog.Analog, timer: clock, ticks: clock };
}

describe('assemble() on its own', () => {
  it('opens the UART at the stored NE-1000 baud rate, and at the default without it', () => {
    const kv = new MockKeyValueStore();
    const programming = { entropy: seededEntropy(1), digest: nobleDigest };
    const fitted = { flow: false, valve: false, loadCell: false };
    // The host end of the mock wire refuses a port opened at another rate.
    const boot = (hostBaud: number): number | undefined => {
      const clock = new VirtualClock();
      const wire = createSerialLink({ clock, baud: hostBaud });
      const r = assemble({ io: { ...mockIo(clock), Serial: wire.Serial }, fitted, config: CONFIG, storage: { kv }, programming });
      expect(r.ok).toBe(true);
      if (r.ok) r.value.programming!.router.setMode('ne1000');
      return wire.opened?.baud;
    };
    expect(boot(DEFAULT_BAUD)).toBe(DEFAULT_BAUD);
    // The first boot stored the NE-1000 mode: the next opens at its baud rate.
    expect(boot(defaultSettings(0).baud)).toBe(defaultSettings(0).baud);
    expect(defaultSettings(0).baud).not.toBe(DEFAULT_BAUD);
  });

  it('the service button held at boot brings back the native protocol at the default baud rate, stored', () => {
    const kv = new MockKeyValueStore();
    const programming = { entropy: seededEntropy(1), digest: nobleDigest };
    const fitted = { flow: false, valve: false, loadCell: false };
    const boot = (hostBaud: number, held: boolean) => {
      const clock = new VirtualClock();
      const bus = new PinBus();
      if (held) bus.setInput(SERVICE.gpio, PRESSED);
      const wire = createSerialLink({ clock, baud: hostBaud });
      const r = assemble({ io: { ...mockIo(clock, bus), Serial: wire.Serial }, fitted, config: CONFIG, storage: { kv }, programming });
      if (!r.ok) throw new Error(r.error.message);
      return { baud: wire.opened?.baud, mode: r.value.programming!.router.mode, router: r.value.programming!.router };
    };
    boot(DEFAULT_BAUD, false).router.setMode('ne1000');
    const ne = defaultSettings(0).baud;
    expect(boot(ne, false).mode).toBe('ne1000'); // kept across a boot
    const held = boot(DEFAULT_BAUD, true);
    expect(held.baud).toBe(DEFAULT_BAUD);
    expect(held.mode).toBe('native');
    // Stored: the next boot, button released, stays native.
    expect(boot(DEFAULT_BAUD, false).mode).toBe('native');
  });

  it('a valve pin that cannot drive its gate: a numbered error (E103), and nothing starts', () => {
    const clock = new VirtualClock();
    const io = mockIo(clock);
    const pin = (name: string) => (name === 'valve' ? { ...boardPin('valve'), gpio: 99 } : boardPin(name));
    const r = assemble({ io, pin, fitted: { flow: false, valve: true, loadCell: false }, config: CONFIG });
    expect(r.ok ? 'started' : r.error.code).toBe(103);
  });

  it('the dose guard counts with the PCNT from io.PulseCount, and a bad step-sense pin refuses to start', () => {
    const clock = new VirtualClock();
    const opened: { signal: number; control: number }[] = [];
    class PulseCount {
      constructor(o: { signal: number; control: number }) {
        opened.push(o);
      }
      read(): number {
        return 0;
      }
    }
    const fitted = { flow: false, valve: false, loadCell: false };
    const r = assemble({ io: { ...mockIo(clock), PulseCount }, fitted, config: CONFIG });
    expect(r.ok && r.value.controller.guard !== undefined).toBe(true);
    expect(opened).toEqual([{ signal: boardPin('stepSense').gpio, control: boardPin('stepSenseDelayed').gpio, onReadable: expect.any(Function) }]);
    const same = (name: string) => (name === 'stepSenseDelayed' ? boardPin('stepSense') : boardPin(name));
    const refused = assemble({ io: { ...mockIo(new VirtualClock()), PulseCount }, pin: same, fitted, config: CONFIG });
    expect(refused.ok ? 'started' : refused.error.code).toBe(103);
  });
});
