// The programming link as the device wires it (firmware/app/main.ts): a virtual pump, the UART
// driver on the mock ECMA-419 Serial with the ESP32's 128-byte FIFOs at wire speed on the
// pump's own virtual clock, and the ProtocolLink answering only as the output queue has room
// and emptying the RX FIFO between lines. The host end is raw bytes: what a serial terminal,
// a script or a flood would send. No Node APIs.

import { FIRMWARE_VERSION } from '../../firmware/app/assemble';
import { reason } from '../../firmware/core/events';
import { Uart } from '../../firmware/drivers/uart';
import { Auth, MemoryKeyStore } from '../../firmware/protocol/auth';
import { ProtocolLink } from '../../firmware/protocol/link';
import type { SerialLink, SerialLinkOptions } from '../sim/serial-mocks';
import { createSerialLink } from '../sim/serial-mocks';
import type { VirtualPump, VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import { exampleKey, seededEntropy } from './virtual-link';
import { nobleDigest } from './digest-noble';

export interface UartLinkedPump {
  readonly vp: VirtualPump;
  readonly link: ProtocolLink;
  readonly uart: Uart;
  readonly wire: SerialLink;
  /** Every line the pump transmitted so far (replies and event lines), without LF. */
  lines(): string[];
}

export interface UartLinkOptions {
  /** The wire: chunking, read latency (a busy device). The clock is the pump's. */
  readonly serial?: Omit<SerialLinkOptions, 'clock'>;
  /** The UART driver's output queue (default 1024, as on the device). */
  readonly outputBytes?: number;
}

export function createUartLinkedPump(options: VirtualPumpOptions, wiring: UartLinkOptions = {}): UartLinkedPump {
  const vp = createVirtualPump(options);
  const keys = new MemoryKeyStore();
  for (const r of ['patient', 'clinician', 'service'] as const) keys.set(r, exampleKey(r));
  const auth = new Auth({
    entropy: seededEntropy(7),
    digest: nobleDigest,
    keys,
    onAuthFailure: (_now, role, why, lockMs) => vp.controller.note('security', reason('AUTH_FAILED', `${role}: ${why}`), { role, why, lockMs }),
  });
  const wire = createSerialLink({ ...wiring.serial, clock: vp.clock });
  const uart = new Uart({ Serial: wire.Serial, port: 1, receive: 16, transmit: 17, outputBytes: wiring.outputBytes });
  const link = new ProtocolLink({
    controller: vp.controller,
    auth,
    firmwareVersion: FIRMWARE_VERSION,
    write: (line) => uart.write(`${line}\r\n`),
    outputRoom: () => uart.outputRoom,
    pollInput: () => uart.poll(),
  });
  uart.onBytes = (bytes) => link.receive(bytes);
  uart.onRoom = () => link.outputDrained();
  return {
    vp,
    link,
    uart,
    wire,
    lines: () => wire.host.received.split('\r\n').slice(0, -1),
  };
}
