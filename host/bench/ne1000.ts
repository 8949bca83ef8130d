// ne1000.roundTripsPerS: NE-1000 status polls (`<CR>` in, `<STX>00S<ETX>` out) a second over
// the virtual board's pty with --ne1000, one after another, as a lab's client polls while a
// pump runs (nesp-lib every 50 ms: 20 a second is what it needs). ne1000.dispenseErrorPct: a
// 50 uL dispense at 0.5 mL/min asked over the NE-1000 protocol, what reached the virtual rig's
// outlet (after the line's compliance let the last of it out) against the target, as a
// magnitude. It proves the protocol's numbers reach the engine exactly and the dose ends at its
// target within a microstep; it does not prove the real rig's mechanics (the virtual rig's
// microstep volume is the calibrated one).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NE1000_LOADED } from '../../firmware/protocol/ne1000/delivery';
import { startExampleCore } from '../board/example-core';
import { spawnBoard } from '../board/spawn';
import { basicCommand, Ne1000Client } from '../protocol/ne1000-client';

const WARM_UP = 50;
const MEASURE_MS = 3_000;

async function roundTrips(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pump-bench-ne1000-'));
  const board = await spawnBoard(['--link', join(dir, 'ttyPUMP'), '--state', join(dir, 'state'), '--ne1000', '--clock', 'manual']);
  let client: Ne1000Client | undefined;
  try {
    client = await Ne1000Client.open(board.ready.path);
    for (let i = 0; i < WARM_UP; i++) await client.send('');
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < MEASURE_MS) {
      const r = await client.send('');
      if (r.status !== 'S') throw new Error(`status poll answered ${r.raw.toString('latin1')}`);
      n++;
    }
    const perS = n / ((performance.now() - t0) / 1_000);
    console.log(`NE-1000 over a pty: ${n} status polls in ${MEASURE_MS / 1_000} s`);
    return Math.round(perS);
  } finally {
    await client?.close();
    board.child.kill('SIGTERM');
    await board.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

function dispenseErrorPct(): number {
  const core = startExampleCore({ program: NE1000_LOADED, timeOfDayMs: 8 * 3_600_000, ne1000: true });
  for (const cmd of ['RAT 0.5 MM', 'VOL UL', 'VOL 50']) {
    const out = core.receive(basicCommand(cmd)).out;
    if (out !== '\x0200S\x03') throw new Error(`${cmd} answered ${JSON.stringify(out)}`);
  }
  const before = core.pump.line.outletNl;
  if (core.receive(basicCommand('RUN')).out !== '\x0200I\x03') throw new Error('RUN was refused');
  // Polled every 50 ms while it runs, as a client does; then ten minutes for the line to settle.
  for (let t = 0; t < 60_000; t += 50) {
    core.runTo(core.pump.nowMs + 50);
    if (core.receive(basicCommand('')).out === '\x0200S\x03') break;
  }
  core.runTo(core.pump.nowMs + 600_000);
  const outletNl = core.pump.line.outletNl - before;
  console.log(`NE-1000 dispense: 50 uL asked at 0.5 mL/min, ${(outletNl / 1_000).toFixed(3)} uL at the outlet`);
  return Math.round((Math.abs(outletNl - 50_000) / 50_000) * 100 * 1_000) / 1_000;
}

export async function benchNe1000(): Promise<Record<string, number>> {
  return { 'ne1000.roundTripsPerS': await roundTrips(), 'ne1000.dispenseErrorPct': dispenseErrorPct() };
}
