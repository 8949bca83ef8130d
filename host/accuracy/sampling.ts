// One weighing for a run: a stable reading where the balance can give one in time, else the
// immediate reading marked unstable; every balance failure becomes a marked sample with the
// error's words, never a skipped one.

import type { Balance } from '../balance/types';
import type { SampleFlag } from './samples';
import type { HostError } from '../errors';
import { BALANCE_ERRORS, isBalanceError } from '../errors/balance';

export interface Weighing {
  readonly massMg: number | null;
  readonly flags: SampleFlag[];
  readonly note?: string;
  /** The error code when the balance failed (E900 ...). */
  readonly code?: string;
  /** The balance's error itself, to raise again (a calibration without a weight). */
  readonly error?: HostError;
}

export type ReadMode = 'stable' | 'immediate';

function flagOf(e: HostError): SampleFlag {
  switch (e.errorName) {
    case 'OVERLOAD':
      return 'overload';
    case 'UNDERLOAD':
      return 'underload';
    case 'NOT_ANSWERING':
    case 'PORT_CLOSED':
      return 'not-answering';
    case 'GARBLED':
      return 'garbled';
    case 'UNSTABLE_TOO_LONG':
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
    if (!isBalanceError(e)) throw e;
    if (e.is(BALANCE_ERRORS.UNSTABLE_TOO_LONG)) {
      // Not settled in time: take the reading as it is and say so.
      try {
        const r = await balance.readImmediate();
        return { massMg: r.massMg, flags: ['unstable'], note: e.text, code: `E${e.code}`, error: e };
      } catch (e2) {
        if (!isBalanceError(e2)) throw e2;
        return { massMg: null, flags: ['unstable', flagOf(e2)], note: e2.text, code: `E${e2.code}`, error: e2 };
      }
    }
    return { massMg: null, flags: [flagOf(e)], note: e.text, code: `E${e.code}`, error: e };
  }
}
