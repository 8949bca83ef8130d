// The flow sensor drivers against their host models: the SF06-LF on a mock I2C bus (CRC, start
// and stop, faults, flags, plausibility) and the pulse-output flow sensor on PinBus pins.
import { describe, expect, it } from 'vitest';
import { PulseFlow } from '../firmware/drivers/pulse-flow';
import type { Sf06Model } from '../firmware/drivers/sf06-lf';
import { sensirionCrc8, SF06_MODELS, Sf06Flow } from '../firmware/drivers/sf06-lf';
import type { FlowRead } from '../firmware/ports/flow-sensor';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import type { Sf06Conditions } from '../host/sim/sensor-mocks';
import { I2cBus, Sf06Device } from '../host/sim/sensor-mocks';
import { VirtualClock } from '../host/sim/virtual-clock';

function sampleOf(r: FlowRead) {
  if (!r.ok) throw new Error(`expected a sample, got ${r.fault}: ${r.detail}`);
  return r.sample;
}

// ---- SF06-LF ---------------------------------------------------------------------------------

function sf06(model: Sf06Model = 'SLF3S-0600F', medium?: 'water' | 'ipa') {
  const liquid: { -readonly [K in keyof Sf06Conditions]: Sf06Conditions[K] } = {
    flowNlPerMin: 0,
    temperatureC: 23,
    airInLine: false,
    highFlow: false,
  };
  const bus = new I2cBus();
  const device = new Sf06Device({ model, source: () => ({ ...liquid }) });
  bus.attach(0x08, device);
  const sensor = new Sf06Flow({ I2C: bus.I2C, data: 21, clock: 22, model, medium });
  return { bus, device, sensor, liquid };
}

describe('SF06-LF flow sensor', () => {
  it("computes Sensirion's CRC-8 (the datasheet example: 0xBEEF gives 0x92)", () => {
    expect(sensirionCrc8(Uint8Array.of(0xbe, 0xef))).toBe(0x92);
    expect(sensirionCrc8([0x00, 0x00])).toBe(0x81);
    expect(sensirionCrc8(Uint8Array.of(1, 2, 0xbe, 0xef, 3), 2, 4)).toBe(0x92);
  });

  it.each([
    // model, true flow (nl/min), what the driver reports (rounded to the raw resolution)
    ['SLF3S-0600F', 123_400, 123_400],
    ['SLF3S-0600F', 123_456, 123_500], // 100 nl/min per count
    ['SLF3S-0600F', -50_000, -50_000],
    ['SLF3S-1300F', 10_000_000, 10_000_000],
    ['SLF3S-1300F', 1_234_567, 1_234_000], // 2000 nl/min per count
    ['LD20-0600L', 200_000, 200_000], // 12 mL/h = 14400 counts exactly
    ['LD20-0600L', 100, 97], // 7 counts of 125/9 nl/min
    ['LD20-0600L', -1_000, -1_000], // -72 counts
  ] as const)('scales %s: %d nl/min reads %d', (model, trueFlow, reported) => {
    const { sensor, liquid } = sf06(model);
    liquid.flowNlPerMin = trueFlow;
    liquid.temperatureC = 36.5;
    sensor.start();
    const s = sampleOf(sensor.read());
    expect(s.flowNlPerMin).toBe(reported);
    expect(s.temperatureCentiC).toBe(3_650);
    expect(sensor.model).toBe(model);
    expect(sensor.fullScaleNlPerMin).toBe(SF06_MODELS[model].fullScaleNlPerMin);
  });

  it('reads zero flow as 0, not -0', () => {
    const { sensor } = sf06('LD20-0600L');
    sensor.start();
    expect(Object.is(sampleOf(sensor.read()).flowNlPerMin, 0)).toBe(true);
  });

  it('starts with the water or IPA command, stops with 0x3FF9, and touches the bus only once started', () => {
    const { bus, device, sensor } = sf06();
    const r = sensor.read();
    expect(r).toMatchObject({ ok: false, fault: 'not-started' });
    expect(bus.transactions).toBe(0);
    sensor.start();
    expect(device.mode).toBe('water');
    sensor.stop();
    expect(device.mode).toBe('idle');
    expect(sensor.read()).toMatchObject({ ok: false, fault: 'not-started' });
    expect(device.commands).toEqual([0x3608, 0x3ff9]);

    const ipa = sf06('SLF3S-1300F', 'ipa');
    ipa.sensor.start();
    expect(ipa.device.commands).toEqual([0x3615]);
    ipa.sensor.close();
    expect(ipa.device.mode).toBe('idle');
  });

  it('reports a bad CRC as a crc fault and never passes the frame on', () => {
    const { device, sensor, liquid } = sf06();
    sensor.start();
    liquid.flowNlPerMin = 500_000;
    device.corruptCrc = true;
    for (let i = 0; i < 20; i++) {
      const r = sensor.read();
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.fault).toBe('crc');
        expect(r.detail).toMatch(/word 0 CRC/);
      }
    }
    // The start command it re-sends after each failure is refused by a measuring sensor.
    expect(device.mode).toBe('water');
    device.corruptCrc = false;
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(500_000);
  });

  it('reports an unplugged sensor as no-answer, and restarts it once it answers again', () => {
    const { device, sensor, liquid } = sf06();
    sensor.start();
    liquid.flowNlPerMin = 300_000;
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(300_000);
    device.unplugged = true;
    for (let i = 0; i < 3; i++) expect(sensor.read()).toMatchObject({ ok: false, fault: 'no-answer' });
    // Back with power, but idle: the read fails, the driver re-sends start, the next read works.
    device.unplugged = false;
    expect(device.mode).toBe('idle');
    expect(sensor.read()).toMatchObject({ ok: false, fault: 'no-answer' });
    expect(device.mode).toBe('water');
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(300_000);
  });

  it('answers no-answer when nothing is at the address, and start() does not throw', () => {
    const bus = new I2cBus();
    const sensor = new Sf06Flow({ I2C: bus.I2C, data: 21, clock: 22, model: 'SLF3S-0600F' });
    expect(() => sensor.start()).not.toThrow();
    const r = sensor.read();
    expect(r).toMatchObject({ ok: false, fault: 'no-answer' });
    if (!r.ok) expect(r.detail).toMatch(/read failed/);
  });

  it('shows a stuck sensor as identical samples while the liquid changes', () => {
    const { device, sensor, liquid } = sf06();
    sensor.start();
    liquid.flowNlPerMin = 100_000;
    const first = sampleOf(sensor.read());
    device.stuck = true;
    const seen = [];
    for (let i = 1; i <= 5; i++) {
      liquid.flowNlPerMin = 100_000 + i * 10_000;
      liquid.temperatureC = 23 + i;
      seen.push(sampleOf(sensor.read()));
    }
    for (const s of seen) expect(s).toEqual(first);
    device.stuck = false;
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(150_000);
  });

  it('passes the air-in-line and high-flow flags on', () => {
    const { sensor, liquid } = sf06();
    sensor.start();
    liquid.flowNlPerMin = 20_000;
    expect(sampleOf(sensor.read())).toMatchObject({ airInLine: false, highFlow: false });
    liquid.airInLine = true;
    expect(sampleOf(sensor.read())).toMatchObject({ airInLine: true, highFlow: false });
    liquid.airInLine = false;
    liquid.highFlow = true;
    expect(sampleOf(sensor.read())).toMatchObject({ airInLine: false, highFlow: true });
  });

  it('calls flow beyond full scale, either way, or a temperature outside 0-80 C implausible', () => {
    const { sensor, liquid } = sf06('SLF3S-0600F');
    sensor.start();
    liquid.flowNlPerMin = 2_000_000;
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(2_000_000);
    for (const flow of [2_000_100, -2_100_000]) {
      liquid.flowNlPerMin = flow;
      expect(sensor.read()).toMatchObject({ ok: false, fault: 'implausible' });
    }
    liquid.flowNlPerMin = 0;
    for (const [t, ok] of [
      [0, true],
      [80, true],
      [-0.5, false],
      [80.5, false],
      [120, false],
    ] as const) {
      liquid.temperatureC = t;
      const r = sensor.read();
      expect(r.ok, `${t} C`).toBe(ok);
      if (!r.ok) expect(r.fault).toBe('implausible');
    }
  });

  it('refuses a second driver on the same address, as the ESP32 does', () => {
    const { bus } = sf06();
    expect(() => new Sf06Flow({ I2C: bus.I2C, data: 21, clock: 22, model: 'SLF3S-0600F' })).toThrow(/duplicate address/);
  });
});

// ---- Pulse flow sensor -----------------------------------------------------------------------

describe('pulse-output flow sensor', () => {
  function pulses() {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const PIN = 23;
    const sensor = new PulseFlow({
      Digital: io.Digital,
      pin: { gpio: PIN, activeLow: false },
      microseconds: clock.microseconds,
      nlPerPulse: 1_000,
      fullScaleNlPerMin: 2_000_000,
    });
    const pulseAt = (ms: number) => {
      clock.runUntil(ms);
      bus.setInput(PIN, 1);
      bus.setInput(PIN, 0);
    };
    return { clock, sensor, pulseAt };
  }

  it('measures nlPerPulse / period, decays once pulses are overdue, and reads 0 after the timeout', () => {
    const { clock, sensor, pulseAt } = pulses();
    expect(sensor.read()).toMatchObject({ ok: false, fault: 'not-started' });
    sensor.start();
    pulseAt(0);
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(0); // one pulse measures nothing yet
    for (let k = 1; k <= 6; k++) pulseAt(k * 100); // 10 Hz: 600,000 nl/min
    expect(sampleOf(sensor.read())).toEqual({ flowNlPerMin: 600_000, temperatureCentiC: undefined, airInLine: false, highFlow: false });
    clock.runFor(140);
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(600_000);
    clock.runFor(60); // 200 ms without a pulse: at most 1000 nl in 200 ms
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(300_000);
    clock.runFor(5_000);
    expect(sampleOf(sensor.read()).flowNlPerMin).toBe(0);
  });

  it('calls a rate beyond full scale implausible', () => {
    const { sensor, pulseAt } = pulses();
    sensor.start();
    for (let k = 0; k < 5; k++) pulseAt(k * 20); // 50 Hz: 3,000,000 nl/min
    expect(sensor.read()).toMatchObject({ ok: false, fault: 'implausible' });
  });
});
