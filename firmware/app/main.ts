// The device's entry: the ESP32's IO classes, clocks, NVS and log partition handed to the one
// composition root (assemble.ts), with the example configuration for a new board, the
// programming link on UART1, and every event to the debug console. What is only the ESP32's
// lives here: which modules give the IO, and the entropy source's place in the boot order.
// Everything else the device does at boot is in assemble.ts, which the host's tests run too.

import { formatError } from '../core/errors';
import { createDeviceEntropy } from '../drivers/entropy-device';
import { nativeCrc16 } from '../drivers/crc-native';
import { nativeDigest } from '../drivers/digest-native';
import { Analog, Digital, I2C, microseconds, PulseCount, PWM, Serial, ticks, timer } from '../drivers/esp32-io';
import { FlashPartitionDriver } from '../drivers/flash-partition';
import { NvsStore } from '../drivers/nvs-store';
import library from './examples/library.example.json';
import mechanics from './examples/mechanics.example.json';
import prescription from './examples/prescription.example.json';
import { useNativeCrc16 } from '../shared/crc';
import { assemble, eventLine } from './assemble';

// Frame and record CRCs in C from here on (before NVS is read at boot).
useNativeCrc16(nativeCrc16);

// The nonces' entropy, seeded from the hardware source now: it borrows the SAR ADC, which must
// be given back before the battery's ADC (opened in assemble) is (firmware/native/entropy/README.md).
const entropy = createDeviceEntropy();

// Boot from what NVS holds (the examples on a new board); the restart policy is in boot.ts.
const assembled = assemble({
  io: { Digital, PWM, I2C, Analog, PulseCount, Serial, timer, ticks, microseconds },
  config: { mechanics, library, prescription },
  storage: { kv: new NvsStore(), flash: new FlashPartitionDriver() },
  onEvent: (e) => trace(`${eventLine(e)}\n`),
  programming: { entropy, digest: nativeDigest },
});
// The stepper was built with its power stage off, so nothing moves.
if (!assembled.ok) trace(`not started: ${formatError(assembled.error)}\n`);
