// The device's composition root: the ESP32's IO into the drivers (stepper with its fault and
// stall lines, SF06 flow sensor, battery ADC, end-stops, buzzer and LED, the dose guard's step
// counter, and the HX711 load cell and the pinch valve where the pin map fits them), those
// into the controller with the example configuration or what storage restored, the
// programming protocol on UART1, and every event to the debug console.

import { formatError, ok } from '../core/errors';
import { type PumpEvent } from '../core/events';
import { BuzzerLed } from '../drivers/annunciator';
import { AdcBattery } from '../drivers/battery-adc';
import { EndStops } from '../drivers/end-stops';
import { createDeviceEntropy } from '../drivers/entropy-device';
import { nativeDigest } from '../drivers/digest-native';
import { Analog, Digital, I2C, microseconds, PulseCount, PWM, Serial, ticks, timer } from '../drivers/esp32-io';
import { Hx711Force } from '../drivers/hx711';
import { openPinchValve } from '../drivers/pinch-valve';
import { PulseStepper } from '../drivers/pulse-stepper';
import { Sf06Flow } from '../drivers/sf06-lf';
import { openPcntStepCounter } from '../drivers/step-counter';
import { FlashPartitionDriver } from '../drivers/flash-partition';
import { NvsStore } from '../drivers/nvs-store';
import { Uart } from '../drivers/uart';
import { Persistence, StoredKeys } from '../storage/persistence';
import { ProtocolLink } from '../protocol/link';
import { boardPin } from './board';
import library from './examples/library.example.json';
import mechanics from './examples/mechanics.example.json';
import prescription from './examples/prescription.example.json';
import { bootController } from './boot';
import { SerialRouter, storedNeBaud } from '../protocol/ne1000/router';
import { createAuth, physicalPresence, servicePinAtBoot } from './security';

/** Load-cell scale for a 5 kg cell at gain 128: calibrate yours (hardware/README.md). */
const HX711_MN_PER_COUNT = 0.5;

function printEvent(e: PumpEvent): void {
  trace(`${e.at} ${e.type} ${e.reason.code}: ${e.reason.text} ${JSON.stringify(e.data)}\n`);
}

// The nonces' entropy, seeded from the hardware source now: it borrows the SAR ADC, which must
// be given back before the battery's ADC below is opened (firmware/native/entropy/README.md).
const entropy = createDeviceEntropy();

const gpio = (name: string): number => boardPin(name).gpio;
const enable = boardPin('enable');
const divider = boardPin('battery').divider ?? [2, 1];

const stepper = new PulseStepper({
  Digital,
  PWM,
  timer,
  ticks,
  microseconds,
  pins: { step: gpio('step'), dir: gpio('dir'), enable: enable.gpio },
  enableActiveLow: enable.activeLow ?? true,
  faultPin: boardPin('fault'),
  stallPin: boardPin('stall'),
});
const flow = new Sf06Flow({ I2C, data: gpio('i2cSda'), clock: gpio('i2cScl'), model: 'SLF3S-0600F' });
const battery = new AdcBattery({ Analog, pin: gpio('battery'), divider: { numerator: divider[0]!, denominator: divider[1]! } });
const endStops = new EndStops({ Digital, pins: { syringeEmpty: boardPin('syringeEmpty'), plungerHome: boardPin('plungerHome') } });
const annunciator = new BuzzerLed({ PWM, Digital, timer, pins: { buzzer: gpio('buzzer'), led: gpio('led') } });
const force =
  boardPin('hx711Sck').fitted === false ? undefined : new Hx711Force({ Digital, pins: { sck: gpio('hx711Sck'), dout: gpio('hx711Dout') }, ticks, scaleMilliNewtonPerCount: HX711_MN_PER_COUNT });

// The normally-closed pinch valve, where built in: a pin map entry that cannot drive its gate
// is a numbered error, and delivery does not start (the valve, unpowered, stays shut).
const valvePin = boardPin('valve');
const valve = valvePin.fitted === false ? ok(undefined) : openPinchValve({ Digital, pin: valvePin });

// The dose guard's own count of the STEP pulses (PCNT on STEP and its 1 us delayed copy,
// hardware/README.md): part of every rig built per the BOM, so not optional. A pin map entry
// the PCNT cannot use is a numbered error, and delivery does not start.
const stepCounter = openPcntStepCounter({ PulseCount, signal: gpio('stepSense'), control: gpio('stepSenseDelayed') });

// Boot from what NVS holds (the examples on a new board); the restart policy is in boot.ts.
const persistence = new Persistence(new NvsStore(), new FlashPartitionDriver());
const refused = !valve.ok ? valve : !stepCounter.ok ? stepCounter : undefined;
const ports = {
  stepper,
  ticks,
  timer,
  flow,
  battery,
  endStops,
  annunciator,
  ...(force && { force }),
  ...(valve.ok && valve.value && { valve: valve.value }),
  ...(stepCounter.ok && { stepCounter: stepCounter.value }),
};
const created = refused ?? bootController(ports, { mechanics, library, prescription }, persistence, (c) => c.subscribe(printEvent));
if (created.ok) {
  const controller = created.value;
  // AUTH's lockout is kept in NVS: a power cycle does not clear it (security.ts).
  const auth = createAuth({ controller, entropy, digest: nativeDigest, keys: new StoredKeys(persistence.records), records: persistence.records });
  const service = boardPin('service');
  const pin = new Digital({ pin: service.gpio, mode: Digital.InputPullUp });
  // Held at boot: keys may be set without a session for 120 s, and an AUTH lockout is cleared.
  if (pin.read() === ((service.activeLow ?? true) ? 0 : 1)) servicePinAtBoot(auth, controller);
  pin.close();
  // After boot, a press of the service button acknowledges the active alarms: a person at the
  // rig can clear UNEXPECTED_RESET (or any alarm whose cause is gone) without a programmer. It
  // clears an AUTH lockout too (physical presence: someone failing AUTH on purpose cannot keep
  // clinicians out). Presses within 500 ms of the last are contact bounce.
  let lastPress = -1_000;
  const button: { close(): void } = new Digital({
    pin: service.gpio,
    mode: Digital.InputPullUp,
    edge: (service.activeLow ?? true) ? Digital.Falling : Digital.Rising,
    onReadable: () => {
      const now = controller.now();
      if (now - lastPress < 500) return;
      lastPress = now;
      physicalPresence(auth, controller);
      if (controller.pump.alarms.list().length > 0) controller.acknowledge();
    },
  });
  void button;
  const uart = new Uart({ Serial, port: 1, receive: gpio('uartRx'), transmit: gpio('uartTx'), ...storedNeBaud(persistence.records) });
  // LOG reads the flash log through the link (pumpctl log, plot): present once boot opened it.
  const link = new ProtocolLink({
    controller,
    auth,
    firmwareVersion: '0.1.0',
    // CRLF: every terminal shows it as a line, without a staircase.
    write: (line) => uart.write(`${line}\r\n`),
    // Replies only as the output queue has room, and the RX FIFO emptied between lines.
    outputRoom: () => uart.outputRoom,
    pollInput: () => uart.poll(),
    ...(persistence.log && { log: persistence.log }),
  });
  // The native protocol, or the NE-1000 one when the stored mode says so (docs/ne1000.md).
  const router = new SerialRouter({ controller, link, records: persistence.records, timer, writeBytes: (b) => uart.writeBytes(b), firmwareVersion: '0.1.0' });
  uart.onBytes = (bytes) => router.receive(bytes);
  uart.onRoom = () => link.outputDrained();
} else {
  // The stepper was built with its power stage off, so nothing moves.
  trace(`not started: ${formatError(created.error)}\n`);
}
