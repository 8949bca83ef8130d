// link.stopsLost: framed STOPs sent behind random bursts (up to 64 KB of random bytes, short
// lines, NULs, queries, overlong lines, and mixes) that a STOP must survive, on the two paths
// a line takes into the firmware:
// - the link as the virtual board drives it: the whole burst and the STOP in one receive();
// - the device's wiring: the UART driver on the mock ESP32 UART (128-byte RX FIFO, 115200
//   baud, onReadable 0 to 9 ms late as a busy loop makes it), replies paced by the driver's
//   1 KB output queue.
// A STOP counts as lost when the pump is not paused afterwards or no `OK state=paused` came
// back for its sequence number.
//
// What it proves: no content or length of burst in front of a STOP keeps the firmware's line
// handling (reader, priority queue, back-pressure) from acting on it and answering, provided
// the UART's FIFO is emptied within the 11 ms it takes to fill. What it does not prove: that
// the ESP32 empties it that fast. Line handling costs no virtual time here; on the board the
// link empties the FIFO between lines (pollInput), so the bound is one line's handling time
// plus the event loop's latency, which has not been measured on hardware. Bytes the FIFO
// itself overruns are counted apart (link.fifoOverrunBytes) and must stay 0 for the figure to
// mean anything.
import library from '../../firmware/app/examples/library.example.json';
import { withCrc } from '../../firmware/protocol/frame';
import { createUartLinkedPump } from '../protocol/uart-link';
import { createLinkedPump } from '../protocol/virtual-link';
import { Prng } from '../sim/prng';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const PUMP = {
  mechanics: RIG,
  library,
  reservoirNl: 8_000_000,
  prescription: { name: 'bench', drug: { name: 'water-bench', concentrationUgPerMl: 1_000_000 }, mode: 'continuous', rateNlPerDay: 1_000_000 },
};

/** A random burst: one of the shapes, or a mix, up to 64 KB. */
function burst(prng: Prng): string {
  const target = 1 + Math.floor(prng.nextUint32() % 65_536) * (prng.nextUint32() % 4 === 0 ? 1 : 0.05);
  const parts: string[] = [];
  let length = 0;
  const shape = prng.nextUint32() % 6;
  while (length < target) {
    const kind = shape === 5 ? prng.nextUint32() % 5 : shape;
    let piece: string;
    if (kind === 0) piece = 'X\n';
    else if (kind === 1) piece = '\0\n';
    else if (kind === 2) piece = 'STATUS\n';
    else if (kind === 3) piece = `${'L'.repeat(100 + (prng.nextUint32() % 200))}\n`;
    else piece = Array.from({ length: 1 + (prng.nextUint32() % 64) }, () => String.fromCharCode(prng.nextUint32() & 0xff)).join('');
    parts.push(piece);
    length += piece.length;
  }
  return parts.join('').slice(0, Math.ceil(target));
}

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

export function benchLinkStops(linkTrials = 400, uartTrials = 150, seed = 2026_1204): Record<string, number> {
  const prng = new Prng(seed);
  let lost = 0;
  let overrun = 0;
  let burstBytes = 0;
  for (let i = 0; i < linkTrials + uartTrials; i++) {
    const seq = 1 + (prng.nextUint32() % 65_000);
    const stop = withCrc(`${seq} STOP`);
    const text = `${burst(prng)}\n${stop}\n`;
    burstBytes += text.length;
    const answered = (lines: readonly string[]): boolean => lines.some((l) => l.startsWith(`${seq} OK state=paused `));
    if (i < linkTrials) {
      const { vp, link, written } = createLinkedPump(PUMP);
      vp.runFor(10_000);
      link.receive(bytes(text));
      if (vp.controller.status().state !== 'paused' || !answered(written)) lost++;
    } else {
      const rig = createUartLinkedPump(PUMP, { serial: { readLatencyMs: prng.nextUint32() % 10 } });
      rig.vp.runFor(10_000);
      rig.wire.host.send(text);
      rig.vp.runFor(8_000 + Math.ceil(text.length / 11));
      overrun += rig.wire.stats.overrunBytes;
      if (rig.vp.controller.status().state !== 'paused' || !answered(rig.lines())) lost++;
    }
  }
  return { 'link.stopsLost': lost, 'link.stopTrials': linkTrials + uartTrials, 'link.stopBurstKb': Math.round(burstBytes / 1024), 'link.fifoOverrunBytes': overrun };
}
