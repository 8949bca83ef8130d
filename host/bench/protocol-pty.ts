// protocol.roundTripsPerS: STATUS queries per second over the virtual board's pseudo-terminal,
// one at a time (request, wait for the reply, next), the board a child process as users run
// it. protocol.wireLimitPerS: what a real 115200-baud UART would allow for the same bytes, at
// 10 bits a byte (start, 8 data, stop) for request plus reply. A pty ignores the baud rate, so
// the measured rate can exceed the wire limit; their ratio says how far the software path
// (pty, socat, Node, the firmware's parser) is from being the bottleneck on a real line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineClient } from '../board/client';
import { spawnBoard } from '../board/spawn';

const BAUD = 115_200;
const BITS_PER_BYTE = 10;
const WARM_UP = 50;
const MEASURE_MS = 3_000;

export async function benchProtocolPty(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'pump-bench-pty-'));
  const board = await spawnBoard(['--link', join(dir, 'ttyPUMP'), '--state', join(dir, 'state'), '--speed', '60', '--time-of-day', '08:00']);
  let client: LineClient | undefined;
  try {
    client = await LineClient.open(board.ready.path);
    for (let i = 0; i < WARM_UP; i++) await client.query('STATUS');
    let n = 0;
    let bytes = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < MEASURE_MS) {
      const r = await client.query('STATUS');
      if (!r.ok) throw new Error(`STATUS failed during the pty benchmark: ${r.line}`);
      bytes += 'STATUS\n'.length + r.line.length + 1;
      n++;
    }
    const seconds = (performance.now() - t0) / 1_000;
    const perTrip = bytes / n;
    console.log(
      `protocol over a pty: ${n} STATUS round trips in ${seconds.toFixed(2)} s, ${perTrip.toFixed(1)} bytes each (a pty ignores the baud rate; the wire limit is computed for ${BAUD} baud at ${BITS_PER_BYTE} bits a byte)`,
    );
    return {
      'protocol.roundTripsPerS': Math.round(n / seconds),
      'protocol.wireLimitPerS': Math.round(BAUD / BITS_PER_BYTE / perTrip),
      'protocol.bytesPerRoundTrip': Math.round(perTrip * 10) / 10,
    };
  } finally {
    await client?.close();
    board.child.kill('SIGTERM');
    await board.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
