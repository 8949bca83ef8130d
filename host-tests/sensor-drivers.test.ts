// The load-cell, battery, end-stop, annunciator and fault-input drivers against their host
// models: the HX711 bit-banged on PinBus pins, the battery ADC, end-stops, the buzzer and LED
// patterns on the virtual clock, and the stepper's fault and stall inputs.
import { describe, expect, it } from 'vitest';
import { AdcBattery } from '../firmware/drivers/battery-adc';
import { BuzzerLed, HEARTBEAT_LED, HIGH_BUZZER, HIGH_LED, LOW_BUZZER, MEDIUM_BUZZER } from '../firmware/drivers/annunciator';
import { EndStops } from '../firmware/drivers/end-stops';
import { Hx711Force } from '../firmware/drivers/hx711';
import { PulseStepper } from '../firmware/drivers/pulse-stepper';
import type { ForceRead } from '../firmware/ports/sensors';
import type { StepperFault } from '../firmware/ports/stepper';
import type { MockPwm } from '../host/sim/io-mocks';
import { createIoMocks, PinBus } from '../host/sim/io-mocks';
import { createAnalogMocks, Hx711Device } from '../host/sim/sensor-mocks';
import { VirtualClock } from '../host/sim/virtual-clock';

function forceOf(r: ForceRead): number {
  if (!r.ok) throw new Error(`expected a force, got ${r.fault}: ${r.detail}`);
  return r.forceMilliNewton;
}

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
      expect(buzzerOnsets(pwm, 1_000 + burst * repeatMs, 1_000 + (burst + 1) * repeatMs)).toEqual(pattern.onsetsMs.map((t) => 1_000 + burst * repeatMs + t));
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

  it('ignores a driver-fault edge whose line is already inactive again (the GPIO 36/39 ADC glitch), but not a short stall', () => {
    const levels = new Map<number, 0 | 1>([
      [16, 1],
      [17, 0],
    ]);
    const handlers = new Map<number, () => void>();
    class GlitchDigital {
      static readonly Output = 'output';
      static readonly Input = 'input';
      static readonly InputPullUp = 'input-pull-up';
      static readonly InputPullDown = 'input-pull-down';
      static readonly Rising = 1;
      static readonly Falling = 2;
      readonly #pin: number;
      constructor(o: { pin: number; onReadable?: () => void }) {
        this.#pin = o.pin;
        if (o.onReadable) handlers.set(o.pin, o.onReadable);
      }
      read(): 0 | 1 {
        return levels.get(this.#pin) ?? 0;
      }
      write(): void {}
      close(): void {}
    }
    const clock = new VirtualClock();
    const stepper = new PulseStepper({ Digital: GlitchDigital as never, timer: clock, ticks: clock, pins: PINS, faultPin: { gpio: 16 }, stallPin: { gpio: 17, activeLow: false } });
    const faults: string[] = [];
    stepper.onFault = (f) => faults.push(f.kind);
    handlers.get(16)!(); // the edge is seen, but nFAULT already reads high again
    expect(faults).toEqual([]);
    handlers.get(17)!(); // a DIAG pulse already over: still reported
    expect(faults).toEqual(['stall']);
    levels.set(16, 0);
    handlers.get(16)!(); // a real fault holds the line low
    expect(faults).toEqual(['stall', 'driver-fault']);
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
