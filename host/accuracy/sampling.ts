// One weighing for a run: a stable reading where the balance can give one in time, else the
// immediate reading marked unstable; every balance failure becomes a marked sample with the
// error's words, never a skipped one.

import { BalanceError } from '../balance/errors';
import { type Balance } from '../balance/types';
import { type SampleFlag } from './samples';

export interface Weighing {
  readonly massMg: number | null;
  readonly flags: SampleFlag[];
  readonly note?: string;
  /** The error code when the balance failed (E900 ...). */
  readonly code?: string;
}

export type ReadMode = 'stable' | 'immediate';

function flagOf(e: BalanceError): SampleFlag {
  switch (e.kind) {
    case 'overload':
      return 'overload';
    case 'underload':
      return 'underload';
    case 'not-answering':
    case 'port-closed':
      return 'not-answering';
    case 'garbled':
      return 'garbled';
    case 'unstable-too-long':
      return 'unstable';
    default:
      return 'balance-error';
  }
}

export async function weigh(balance: Balance, mode: ReadMode): Promise<Weighing> {
  try {
    const r = mode === 'stable' ? await balance.readStable() : await balance.readImmediate();
    return { massMg: r.massMg, flags: r.stable ? [] : ['unstable'] };
  } catch (e) {
    if (!(e instanceof BalanceError)) throw e;
    if (e.code === 'E903') {
      // Not settled in time: take the reading as it is and say so.
      try {
        const r = await balance.readImmediate();
        return { massMg: r.massMg, flags: ['unstable'], note: e.message, code: e.code };
      } catch (e2) {
        if (!(e2 instanceof BalanceError)) throw e2;
        return { massMg: null, flags: ['unstable', flagOf(e2)], note: e2.message, code: e2.code };
      }
    }
    return { massMg: null, flags: [flagOf(e)], note: e.message, code: e.code };
  }
}
