// The UART driver against the mock ECMA-419 Serial: every onReadable empties the 128-byte FIFO
// so bursts under the FIFO size per callback arrive whole, output waits in the driver's queue
// and goes out as onWritable reports room, and the mock itself loses what a real FIFO would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Uart, UART_FIFO_BYTES } from '../firmware/drivers/uart';
import type { SerialConstructor, SerialDevice, SerialOptions } from '../firmware/ports/io';
import type { LineEvent } from '../firmware/protocol/line-reader';
import { LineReader } from '../firmware/protocol/line-reader';
import type { SerialLinkOptions } from '../host/sim/serial-mocks';
import { createSerialLink, FIFO_BYTES } from '../host/sim/serial-mocks';
import { VirtualClock } from '../host/sim/virtual-clock';

const PINS = { receive: 16, transmit: 17 };

function bench(link: Omit<SerialLinkOptions, 'clock'> = {}, sync = false, outputBytes?: number) {
  const clock = new VirtualClock();
  const wire = createSerialLink(sync ? link : { ...link, clock });
  const uart = new Uart({ Serial: wire.Serial, port: 1, ...PINS, outputBytes });
  const reader = new LineReader();
  const events: LineEvent[] = [];
  const chunks: number[] = [];
  uart.onBytes = (bytes) => {
    chunks.push(bytes.length);
    reader.push(bytes);
    for (let e = reader.next(); e; e = reader.next()) events.push(e);
  };
  const lines = (): string[] => events.flatMap((e) => (e.kind === 'line' ? [e.text] : []));
  return { clock, wire, uart, events, chunks, lines };
}

const commandLines = (n: number): string[] => Array.from({ length: n }, (_, i) => `${i + 1} STATUS *${(i * 7919).toString(16).padStart(4, '0').slice(-4).toUpperCase()}`);

describe('Uart: receiving', () => {
  it('opens the port in buffer format at 115200 on the given pins', () => {
    const { wire } = bench();
    expect(wire.opened).toMatchObject({ port: 1, receive: 16, transmit: 17, baud: 115_200, format: 'buffer' });
  });

  it('takes a burst at wire speed without loss, each callback well under the FIFO size', () => {
    const { clock, wire, uart, lines, chunks } = bench();
    const sent = commandLines(40);
    wire.host.send(sent.map((l) => `${l}\r\n`).join(''));
    clock.runFor(1_000);
    expect(lines()).toEqual(sent);
    expect(wire.stats.overrunBytes).toBe(0);
    expect(uart.droppedInBytes).toBe(0);
    expect(Math.max(...chunks)).toBeLessThan(FIFO_BYTES);
  });

  it('takes a burst of up to a full FIFO in one callback', () => {
    const { clock, wire, lines, chunks } = bench({ chunkBytes: 128, chunkIntervalMs: 10 });
    const sent = commandLines(30);
    wire.host.send(sent.map((l) => `${l}\n`).join(''));
    clock.runFor(1_000);
    expect(lines()).toEqual(sent);
    expect(wire.stats.overrunBytes).toBe(0);
    expect(chunks.filter((n) => n === 128).length).toBeGreaterThan(0);
  });

  it('takes bytes one at a time', () => {
    const { clock, wire, lines, chunks } = bench({ chunkBytes: 1, chunkIntervalMs: 1 });
    wire.host.send('HELLO\nSTATUS\n');
    clock.runFor(20);
    expect(lines()).toEqual(['HELLO', 'STATUS']);
    expect(chunks.every((n) => n === 1)).toBe(true);
  });

  it('drains the FIFO as soon as it is readable, even when the device is slow to be called', () => {
    // Chunks of 64 bytes 1 ms apart, onReadable 1 ms late: two chunks meet in the FIFO.
    const { clock, wire, lines } = bench({ chunkBytes: 64, chunkIntervalMs: 1, readLatencyMs: 1 });
    const sent = commandLines(20);
    wire.host.send(sent.map((l) => `${l}\n`).join(''));
    clock.runFor(100);
    expect(lines()).toEqual(sent);
    expect(wire.stats.overrunBytes).toBe(0);
    expect(wire.stats.rxHighWater).toBeLessThanOrEqual(FIFO_BYTES);
  });

  it('loses what a real FIFO would when the device is too slow, and the reader recovers', () => {
    const { clock, wire, events, lines } = bench({ chunkBytes: 100, chunkIntervalMs: 0, readLatencyMs: 5 });
    const burst = commandLines(10)
      .map((l) => `${l}\n`)
      .join(''); // about 160 bytes at once
    wire.host.send(burst);
    clock.runFor(20);
    expect(wire.stats.overrunBytes).toBe(burst.length - FIFO_BYTES);
    expect(wire.stats.deliveredBytes).toBe(FIFO_BYTES);
    wire.host.send('\nSTOP\n');
    clock.runFor(20);
    expect(lines()).toContain('STOP');
    expect(events.every((e) => e.kind === 'line')).toBe(true); // lost bytes merge lines, not break the reader
  });

  it('loses nothing for any lines and chunking that keep each callback within the FIFO', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 119, unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 128 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (sent, chunkBytes, chunkIntervalMs, crlf) => {
          const { clock, wire, uart, lines, chunks } = bench({ chunkBytes, chunkIntervalMs });
          wire.host.send(sent.map((l) => `${l}${crlf ? '\r' : ''}\n`).join(''));
          clock.runFor(10_000);
          expect(lines()).toEqual(sent);
          expect(wire.stats.overrunBytes).toBe(0);
          expect(uart.droppedInBytes).toBe(0);
          expect(Math.max(...chunks)).toBeLessThanOrEqual(chunkBytes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts bytes that arrive while nothing listens', () => {
    const { clock, wire, uart } = bench();
    uart.onBytes = undefined;
    wire.host.send('STATUS\n');
    clock.runFor(10);
    expect(uart.droppedInBytes).toBe(7);
  });

  it('refuses UART 0, the debug console', () => {
    const wire = createSerialLink();
    expect(() => new Uart({ Serial: wire.Serial, port: 0 as 1, ...PINS })).toThrow(RangeError);
    expect(wire.opened).toBeUndefined();
  });
});

describe('Uart: sending', () => {
  it('writes at most the TX FIFO room at once and the rest on onWritable', () => {
    const { clock, wire, uart } = bench();
    const text = `${'R'.repeat(299)}\n`;
    uart.write(text);
    expect(uart.outputQueued).toBe(text.length - UART_FIFO_BYTES);
    clock.runFor(100);
    expect(wire.host.received).toBe(text);
    expect(uart.outputQueued).toBe(0);
    expect(wire.stats.writableCalls).toBeGreaterThanOrEqual(2);
  });

  it('keeps writes in order across many small lines and the queue wrapping around', () => {
    const { clock, wire, uart } = bench({}, false, 256);
    const sent: string[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 3; i++) {
        const line = `OK n=${round * 3 + i} ${'x'.repeat(30)}\n`;
        uart.write(line);
        sent.push(line);
      }
      clock.runFor(20);
    }
    expect(wire.host.received).toBe(sent.join(''));
    expect(uart.droppedOutBytes).toBe(0);
  });

  it('drops a write whole when the queue is full, counts it, and never throws', () => {
    const { clock, wire, uart } = bench({}, false, 200);
    uart.write(`${'a'.repeat(99)}\n`); // all 100 straight into the empty TX FIFO
    uart.write(`${'b'.repeat(149)}\n`); // 28 more fit there, 122 of 200 wait in the queue
    uart.write(`${'c'.repeat(99)}\n`); // 100 > 78 free: dropped whole
    expect(uart.droppedOutBytes).toBe(100);
    uart.write(`${'d'.repeat(9)}\n`);
    clock.runFor(100);
    expect(wire.host.received).toBe(`${'a'.repeat(99)}\n${'b'.repeat(149)}\n${'d'.repeat(9)}\n`);
  });

  it('sends characters outside ASCII as "?"', () => {
    const { clock, wire, uart } = bench();
    uart.write('temp=37\u00b0C\n');
    clock.runFor(10);
    expect(wire.host.received).toBe('temp=37?C\n');
  });

  it('never overfills the mock TX FIFO (which throws "output full" as the ESP32 does)', () => {
    const clock = new VirtualClock();
    const wire = createSerialLink({ clock });
    let refused = 0;
    const Counting = class extends wire.Serial {
      override write(buffer: Uint8Array): void {
        try {
          super.write(buffer);
        } catch (e) {
          refused++;
          throw e;
        }
      }
    };
    const uart = new Uart({ Serial: Counting, port: 2, ...PINS });
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) uart.write(`EVENT ${round}.${i} ${'e'.repeat(25 + round)}\n`);
      clock.runFor(5 + (round % 3));
    }
    clock.runFor(500);
    expect(wire.host.received.split('\n').length - 1).toBe(30);
    expect(uart.droppedOutBytes).toBe(0);
    expect(refused).toBe(0);
  });

  it('answers lines read from the link (echo), synchronously with no clock', () => {
    const { wire, uart } = bench({ chunkBytes: 16 }, true);
    const reader = new LineReader();
    uart.onBytes = (bytes) => {
      reader.push(bytes);
      for (let e = reader.next(); e; e = reader.next()) if (e.kind === 'line') uart.write(`OK ${e.text}\n`);
    };
    wire.host.send('HELLO\nSTATUS\n');
    expect(wire.host.received).toBe('OK HELLO\nOK STATUS\n');
    // A long answer flows through onWritable without any clock.
    wire.host.clearReceived();
    uart.write(`${'z'.repeat(400)}\n`);
    expect(wire.host.received).toBe(`${'z'.repeat(400)}\n`);
  });

  it('drops writes after close', () => {
    const { wire, uart } = bench();
    uart.close();
    expect(wire.opened).toBeUndefined();
    uart.write('late\n');
    expect(uart.droppedOutBytes).toBe(5);
  });
});

describe('serial mock: the ESP32 Serial it stands for', () => {
  function open(link: SerialLinkOptions = {}) {
    const wire = createSerialLink(link);
    const calls: string[] = [];
    const options: SerialOptions = {
      port: 2,
      ...PINS,
      baud: 115_200,
      format: 'buffer',
      onReadable: (n) => calls.push(`readable ${n}`),
      onWritable: (n) => calls.push(`writable ${n}`),
    };
    const Serial: SerialConstructor = wire.Serial;
    const device: SerialDevice = new Serial(options);
    return { wire, calls, device, Serial, options };
  }

  it('read(buffer) takes at most the buffer and gives undefined when empty', () => {
    const { wire, device } = open({ chunkBytes: 64 });
    wire.host.send('0123456789');
    const small = new Uint8Array(4);
    expect(device.read(small)).toBe(4);
    expect(String.fromCharCode(...small)).toBe('0123');
    const big = new Uint8Array(128);
    expect(device.read(big)).toBe(6);
    expect(device.read(big)).toBeUndefined();
  });

  it('write throws "output full" past the TX FIFO room', () => {
    const clock = new VirtualClock();
    const { device } = open({ clock });
    device.write(new Uint8Array(100));
    expect(() => device.write(new Uint8Array(29))).toThrow('output full');
  });

  it('posts onWritable at open, never inside the constructor', () => {
    const clock = new VirtualClock();
    const { calls } = open({ clock });
    expect(calls).toEqual([]);
    clock.runFor(0);
    expect(calls).toEqual(['writable 128']);
  });

  it('refuses a second open, another baud, or format "number"', () => {
    const { Serial, options, device } = open();
    expect(() => new Serial(options)).toThrow('port in use');
    device.close();
    expect(() => new Serial({ ...options, baud: 9600 })).toThrow(RangeError);
    expect(() => new Serial({ ...options, format: 'number' as 'buffer' })).toThrow(RangeError);
  });

  it('counts bytes sent to a closed port', () => {
    const { wire, device } = open();
    device.close();
    wire.host.send('lost');
    expect(wire.stats.unheardBytes).toBe(4);
  });
});
