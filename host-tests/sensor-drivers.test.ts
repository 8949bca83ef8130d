// The sensor, annunciator and fault-input drivers against their host models: the SF06-LF flow
// sensor on a mock I2C bus, the HX711 bit-banged on PinBus pins, the battery ADC, end-stops,
// the buzzer and LED patterns on the virtual clock, and the stepper's fault and stall inputs.
import { describe, expect, it } from 'vitest';
import { AdcBattery } from '../firmware/drivers/battery-adc';
import {
  BuzzerLed,
  HEARTBEAT_LED,
  HIGH_BUZZER,
  HIGH_LED,
  LOW_BUZZER,
  MEDIUM_BUZZER,
} from '../firmware/drivers/annunciator';
import { EndStops } from '../firmware/drivers/end-stops';
import { Hx711Force } from '../firmware/drivers/hx711';
import { PulseFlow } from '../firmware/drivers/pulse-flow';
import { PulseStepper } from '../firmware/drivers/pulse-stepper';
import { sensirionCrc8, SF06_MODELS, Sf06Flow, type Sf06Model } from '../firmware/drivers/sf06-lf';
import { type FlowRead } from '../firmware/ports/flow-sensor';
import { type ForceRead } from '../firmware/ports/sensors';
import { type StepperFault } from '../firmware/ports/stepper';
import { createIoMocks, type MockPwm, PinBus } from '../host/sim/io-mocks';
import { createAnalogMocks, Hx711Device, I2cBus, type Sf06Conditions, Sf06Device } from '../host/sim/sensor-mocks';
import { VirtualClock } from '../host/sim/virtual-clock';

function sampleOf(r: FlowRead) {
  if (!r.ok) throw new Error(`expected a sample, got ${r.fault}: ${r.detail}`);
  return r.sample;
}

function forceOf(r: ForceRead): number {
  if (!r.ok) throw new Error(`expected a force, got ${r.fault}: ${r.detail}`);
  return r.forceMilliNewton;
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

// ---- HX711 -----------------------------------------------------------------------------------

describe('HX711 load cell', () => {
  const PINS = { sck: 13, dout: 14 };

  function loadCell(o: { tareCounts?: number; offsetCounts?: number } = {}) {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const load = { mN: 0 };
    const device = new Hx711Device({
      bus,
      timer: clock,
      pins: PINS,
      source: () => load.mN,
      countsPerMilliNewton: 8,
      offsetCounts: o.offsetCounts ?? 1_000,
    });
    const cell = new Hx711Force({
      Digital: io.Digital,
      pins: PINS,
      ticks: clock,
      scaleMilliNewtonPerCount: 1 / 8,
      tareCounts: o.tareCounts ?? 1_000,
    });
    return { clock, io, device, cell, load };
  }

  it('reads signed 24-bit counts as tared mN', () => {
    const { clock, cell, load } = loadCell();
    load.mN = 2_500;
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(2_500);
    expect(cell.counts).toBe(21_000);
    load.mN = -1_234;
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(-1_234);
    expect(cell.counts).toBe(-1_234 * 8 + 1_000);
    load.mN = -200_000; // well below zero counts: two's complement all the way
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(-200_000);
  });

  it('tares to the current load', () => {
    const { clock, cell, load } = loadCell({ tareCounts: 0, offsetCounts: 4_321 });
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(540); // round(4321 / 8)
    expect(cell.tare()).toBe(true);
    expect(cell.tareCounts).toBe(4_321);
    expect(forceOf(cell.read())).toBe(0);
    load.mN = 750;
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(750);
  });

  it('clocks 25 pulses per read, keeping channel A at gain 128', () => {
    const { clock, io, device, cell, load } = loadCell();
    load.mN = 100;
    for (let i = 0; i < 3; i++) {
      clock.runFor(100);
      const sck = io.digitals.find((d) => d.pin === PINS.sck)!;
      const before = sck.writeCount;
      expect(forceOf(cell.read())).toBe(100);
      expect(sck.writeCount - before).toBe(50); // 25 high-low pairs
      expect(device.lastReadoutPulses).toBe(25);
      expect(device.gain).toBe(128);
    }
    expect(sckLow(io)).toBe(true);
  });

  it('keeps the last conversion while DOUT is high, then reports no-answer', () => {
    const { clock, device, cell, load } = loadCell();
    const first = cell.read();
    expect(first).toMatchObject({ ok: false, fault: 'no-answer' });
    if (!first.ok) expect(first.detail).toMatch(/no conversion yet/);
    load.mN = 40;
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(40);
    device.unplugged = true;
    clock.runFor(500);
    expect(forceOf(cell.read())).toBe(40);
    clock.runFor(1);
    const r = cell.read();
    expect(r).toMatchObject({ ok: false, fault: 'no-answer' });
    if (!r.ok) expect(r.detail).toMatch(/DOUT high/);
    device.unplugged = false;
    clock.runFor(100);
    expect(forceOf(cell.read())).toBe(40);
  });

  it('calls the saturation codes implausible', () => {
    const { clock, cell, load, device } = loadCell();
    load.mN = 2_000_000; // 16e6 counts: clamps at 0x7FFFFF
    clock.runFor(100);
    expect(cell.read()).toMatchObject({ ok: false, fault: 'implausible' });
    expect(cell.counts).toBe(0x7f_ffff);
    load.mN = -2_000_000;
    clock.runFor(100);
    expect(cell.read()).toMatchObject({ ok: false, fault: 'implausible' });
    expect(cell.counts).toBe(-0x80_0000);
    expect(cell.tare()).toBe(false);
    expect(device.countsFor(0)).toBe(1_000);
  });
});

function sckLow(io: ReturnType<typeof createIoMocks>): boolean {
  return io.digitals.find((d) => d.pin === 13)!.read() === 0;
}

// ---- Battery ---------------------------------------------------------------------------------

describe('battery ADC', () => {
  it('turns the scaled reading back into pin mV and applies the divider in integers', () => {
    const pin = { mv: 0 };
    const { Analog } = createAnalogMocks({ 34: () => pin.mv });
    const battery = new AdcBattery({ Analog, pin: 34, divider: { numerator: 2, denominator: 1 } });
    for (const batteryMv of [3_000, 3_300, 3_500, 3_700, 4_200]) {
      pin.mv = batteryMv / 2;
      const mv = battery.readMillivolts();
      expect(Number.isInteger(mv)).toBe(true);
      expect(Math.abs(mv - batteryMv)).toBeLessThanOrEqual(2); // one 0.6 mV count, doubled
    }
    pin.mv = 1_850;
    expect(battery.readMillivolts()).toBe(3_700);
    battery.close();
  });

  it('takes ratios such as 100k over 47k (147/47)', () => {
    const { Analog } = createAnalogMocks({ 35: () => (4_000 * 47) / 147 });
    const battery = new AdcBattery({ Analog, pin: 35, divider: { numerator: 147, denominator: 47 } });
    expect(Math.abs(battery.readMillivolts() - 4_000)).toBeLessThanOrEqual(2);
  });

  it('rejects a divider that is not an integer ratio of at least 1', () => {
    const { Analog } = createAnalogMocks({ 34: () => 0 });
    expect(() => new AdcBattery({ Analog, pin: 34, divider: { numerator: 1, denominator: 2 } })).toThrow(RangeError);
    expect(() => new AdcBattery({ Analog, pin: 34, divider: { numerator: 2.5, denominator: 1 } })).toThrow(RangeError);
  });
});

// ---- End-stops -------------------------------------------------------------------------------

describe('end-stops', () => {
  it('reads active-low switches with pull-ups and calls onChange on each edge', () => {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const stops = new EndStops({ Digital: io.Digital, pins: { syringeEmpty: { gpio: 18 }, plungerHome: { gpio: 19, activeLow: false } } });
    let changes = 0;
    stops.onChange = () => changes++;
    expect(io.digitals.map((d) => d.mode)).toEqual(['input-pull-up', 'input-pull-down']);
    expect(stops.syringeEmpty).toBe(false);
    expect(stops.plungerHome).toBe(false);

    bus.setInput(18, 0);
    expect(stops.syringeEmpty).toBe(true);
    expect(changes).toBe(1);
    bus.setInput(18, 0); // no edge
    expect(changes).toBe(1);
    bus.setInput(19, 1);
    expect(stops.plungerHome).toBe(true);
    expect(changes).toBe(2);
    bus.setInput(18, 1);
    bus.setInput(19, 0);
    expect(changes).toBe(4);
    expect(stops.syringeEmpty).toBe(false);
    expect(stops.plungerHome).toBe(false);

    stops.close();
    bus.setInput(18, 0);
    expect(changes).toBe(4);
  });
});

// ---- Annunciator -----------------------------------------------------------------------------

describe('buzzer and LED', () => {
  const BUZZER = 25;
  const LED = 2;

  function annunciator() {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const a = new BuzzerLed({ PWM: io.PWM, Digital: io.Digital, timer: clock, pins: { buzzer: BUZZER, led: LED } });
    const pwm = io.pwms[0]!;
    const led = io.digitals.find((d) => d.pin === LED)!;
    return { clock, a, pwm, led };
  }

  /** Times the buzzer turned on in [from, to). */
  function buzzerOnsets(pwm: MockPwm, from: number, to: number): number[] {
    const out: number[] = [];
    let prev = 0;
    for (const c of pwm.changes) {
      if (c.duty > 0 && prev === 0 && c.atMs >= from && c.atMs < to) out.push(c.atMs);
      prev = c.duty;
    }
    return out;
  }

  function ledOnsets(led: ReturnType<typeof annunciator>['led'], from: number, to: number): number[] {
    return led.writes.filter((w, i, all) => w.value === 1 && (i === 0 || all[i - 1]!.value === 0) && w.atMs >= from && w.atMs < to).map((w) => w.atMs);
  }

  it('sounds 2.7 kHz at 50% duty', () => {
    const { a, pwm } = annunciator();
    expect(pwm.hz).toBe(2_700);
    a.show('high');
    expect(pwm.duty).toBe(2 ** (pwm.resolution - 1));
  });

  it.each([
    ['high', HIGH_BUZZER, 10, 5_000],
    ['medium', MEDIUM_BUZZER, 3, 8_000],
    ['low', LOW_BUZZER, 2, 16_000],
  ] as const)('plays %s priority: its burst of pulses, repeated', (priority, pattern, pulses, repeatMs) => {
    const { clock, a, pwm } = annunciator();
    clock.runFor(1_000);
    a.show(priority);
    clock.runFor(4 * repeatMs);
    expect(pattern.onsetsMs).toHaveLength(pulses);
    expect(pattern.repeatMs).toBe(repeatMs);
    const onsets = buzzerOnsets(pwm, 0, Infinity);
    expect(onsets).toHaveLength(4 * pulses + 1); // four bursts, and the fifth begun at the end
    for (let burst = 0; burst < 4; burst++) {
      expect(buzzerOnsets(pwm, 1_000 + burst * repeatMs, 1_000 + (burst + 1) * repeatMs)).toEqual(
        pattern.onsetsMs.map((t) => 1_000 + burst * repeatMs + t),
      );
    }
    // Each pulse lasts pulseMs.
    const offs = pwm.changes.filter((c) => c.duty === 0 && c.atMs > 1_000).map((c) => c.atMs);
    expect(offs.slice(0, pulses)).toEqual(pattern.onsetsMs.map((t) => 1_000 + t + pattern.pulseMs));
  });

  it('keeps the buzzer silent and beats the LED every 4 s with no alarm', () => {
    const { clock, a, pwm, led } = annunciator();
    a.show('none');
    clock.runFor(20_000);
    expect(buzzerOnsets(pwm, 0, Infinity)).toEqual([]);
    expect(ledOnsets(led, 0, 20_000)).toEqual([0, 4_000, 8_000, 12_000, 16_000]);
    const offAfterFirst = led.writes.find((w) => w.value === 0 && w.atMs > 0)!;
    expect(offAfterFirst.atMs).toBe(HEARTBEAT_LED.pulseMs);
  });

  it('flashes the LED fast for high priority and keeps it steady for low', () => {
    const { clock, a, led } = annunciator();
    a.show('high');
    clock.runFor(2_000);
    expect(ledOnsets(led, 0, 2_000)).toEqual([0, 500, 1_000, 1_500]);
    expect(HIGH_LED.repeatMs).toBe(500);
    a.show('low');
    const at = clock.nowMs;
    clock.runFor(30_000);
    expect(led.read()).toBe(1);
    expect(led.writes.filter((w) => w.atMs > at)).toEqual([]);
  });

  it('leaves a pattern running when show() repeats the same priority', () => {
    const { clock, a, pwm } = annunciator();
    a.show('medium');
    for (let t = 0; t < 8_000; t += 100) {
      clock.runFor(100);
      a.show('medium');
    }
    expect(buzzerOnsets(pwm, 0, 8_000)).toEqual(MEDIUM_BUZZER.onsetsMs);
  });

  it('silences the buzzer until a different priority, the LED carrying on', () => {
    const { clock, a, pwm, led } = annunciator();
    a.show('high');
    clock.runFor(300); // in the second pulse
    expect(pwm.duty).toBeGreaterThan(0);
    a.silence();
    expect(pwm.duty).toBe(0);
    expect(a.silenced).toBe(true);
    a.show('high');
    clock.runFor(20_000);
    expect(buzzerOnsets(pwm, 300, Infinity)).toEqual([]);
    expect(ledOnsets(led, 300, 20_300).length).toBe(40);
    a.show('medium');
    expect(a.silenced).toBe(false);
    expect(pwm.duty).toBeGreaterThan(0);
    a.show('none');
    expect(pwm.duty).toBe(0);
    const quietFrom = clock.nowMs + 1;
    clock.runFor(20_000);
    expect(buzzerOnsets(pwm, quietFrom, Infinity)).toEqual([]);
    expect(clock.pendingTimers).toBeLessThanOrEqual(2); // the heartbeat's repeat (and its pulse)
  });
});

// ---- Stepper fault and stall inputs ----------------------------------------------------------

describe('stepper fault and stall inputs', () => {
  const PINS = { step: 26, dir: 27, enable: 25 };

  function stepperWithInputs() {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    const stepper = new PulseStepper({
      Digital: io.Digital,
      PWM: io.PWM,
      timer: clock,
      ticks: clock,
      pins: PINS,
      faultPin: { gpio: 16 },
      stallPin: { gpio: 17, activeLow: false },
    });
    const faults: StepperFault[] = [];
    stepper.onFault = (f) => faults.push(f);
    return { clock, bus, io, stepper, faults };
  }

  it('calls onFault on the active edge of each input, and leaves stopping to the controller', () => {
    const { clock, bus, stepper, faults } = stepperWithInputs();
    expect(stepper.faultActive).toBe(false);
    expect(stepper.stallActive).toBe(false);
    stepper.enable(true);
    stepper.run({ count: 100, intervalUs: 20_000 });
    clock.runFor(100);

    bus.setInput(16, 0); // nFAULT low
    expect(faults).toHaveLength(1);
    expect(faults[0]!.kind).toBe('driver-fault');
    expect(faults[0]!.detail).toMatch(/GPIO 16 went low \(still active\)/);
    expect(stepper.faultActive).toBe(true);
    expect(stepper.busy).toBe(true);
    bus.setInput(16, 1); // released: not a fault
    expect(faults).toHaveLength(1);
    expect(stepper.faultActive).toBe(false);

    bus.setInput(17, 1); // DIAG high
    expect(faults.map((f) => f.kind)).toEqual(['driver-fault', 'stall']);
    expect(stepper.stallActive).toBe(true);
    bus.setInput(17, 0);
    expect(faults).toHaveLength(2);
  });

  it('reads a line already active at boot through the getters', () => {
    const clock = new VirtualClock();
    const bus = new PinBus();
    const io = createIoMocks(clock, bus);
    bus.setInput(16, 0);
    const stepper = new PulseStepper({ Digital: io.Digital, timer: clock, ticks: clock, pins: PINS, faultPin: { gpio: 16 } });
    expect(stepper.faultActive).toBe(true);
    expect(stepper.stallActive).toBe(false);
    stepper.close();
    expect(io.digitals.every((d) => d.closed)).toBe(true);
  });

  it('opens inputs with the pull that reads inactive when unwired', () => {
    const { io } = stepperWithInputs();
    expect(io.digitals.filter((d) => d.pin === 16 || d.pin === 17).map((d) => [d.pin, d.mode])).toEqual([
      [16, 'input-pull-up'],
      [17, 'input-pull-down'],
    ]);
  });
});
