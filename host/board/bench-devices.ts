// The bench instruments the virtual board can put on ptys of their own, next to the pump: a lab
// balance (MT-SICS, SBI or Ohaus) weighing what left the rig's line, and a motorised stopcock
// that blocks and opens that line, so `pumpctl accuracy`, `occlusion-test`, `bolus-test` and
// `calibrate --balance` run end to end with no hardware.

import { dirname, join } from 'node:path';
import type { BalanceProtocol } from '../balance/types';
import { MtSicsEmulator } from '../balance/virtual-mt-sics';
import { OhausEmulator } from '../balance/virtual-ohaus';
import { SbiEmulator } from '../balance/virtual-sbi';
import { VirtualBalance } from '../balance/virtual-balance';
import { VirtualStopcock } from '../balance/virtual-stopcock';
import type { SerialDevice } from '../serial/device';
import type { VirtualBoard } from './board';
import { boardError } from '../errors/board';

export const BALANCE_CHOICES = ['mt-sics', 'sbi', 'ohaus'] as const;

/** Attaches the instruments asked for, each at a link beside the pump's (ttyBALANCE, ttySTOPCOCK). */
export async function attachBenchDevices(board: VirtualBoard, o: { link: string; balance: BalanceProtocol | undefined; stopcock: boolean; seed: number }): Promise<void> {
  const dir = dirname(o.link);
  const pump = board.pump;
  if ((o.balance || o.stopcock) && !pump) throw boardError('USAGE', '--balance and --stopcock need the Node engine (the line model is not reachable from the XS worker).');
  if (o.balance && pump) {
    const line = pump.line;
    const balance = new VirtualBalance({
      // What left the outlet, not what the plunger pushed: the line's compliance delays it.
      deliveredNl: (t) => {
        line.advanceTo(Math.max(t, line.nowMs));
        return line.outletNl;
      },
      seed: o.seed,
      startMs: pump.nowMs,
    });
    const device: SerialDevice = o.balance === 'mt-sics' ? new MtSicsEmulator(balance) : o.balance === 'sbi' ? new SbiEmulator(balance) : new OhausEmulator(balance);
    await board.attachDevice({ name: 'balance', link: join(dir, 'ttyBALANCE'), device });
  }
  if (o.stopcock && pump) {
    const device = new VirtualStopcock({ close: (t) => pump.line.occlude(t), open: (t) => pump.line.release(t) });
    await board.attachDevice({ name: 'stopcock', link: join(dir, 'ttySTOPCOCK'), device });
  }
}
