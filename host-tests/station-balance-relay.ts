// A balance whose replies can be cut (not a test file): a pty pair of its own between the
// station and a virtual board's balance, relaying bytes both ways until silence() is called,
// then passing the station's commands on and dropping every reply, as a balance whose transmit
// line failed would. The port stays open: the station meets silence, not a disconnection.
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import type { PtyPair } from '../host/serial/pty';
import { createPtyPair } from '../host/serial/pty';

export interface BalanceRelay {
  /** Where the station opens the balance. */
  readonly path: string;
  /** Reply lines passed to the station so far. */
  readonly replies: number;
  /** From now on (or after `afterReplies` more reply lines), nothing comes back. */
  silence(afterReplies?: number): void;
  speak(): void;
  close(): Promise<void>;
}

async function open(path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding: autoDetect(), path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

export async function balanceRelay(device: string, link: string): Promise<BalanceRelay> {
  const pair: PtyPair = await createPtyPair({ linkB: link });
  const near = await open(pair.a);
  const far = await open(device);
  let replies = 0;
  let budget = Infinity;
  near.on('data', (b: Buffer) => far.write(b));
  far.on('data', (b: Buffer) => {
    // Whole reply lines count (MT-SICS ends each with CR LF); bytes after the budget are dropped.
    let out = '';
    for (const ch of b.toString('latin1')) {
      if (budget <= 0) break;
      out += ch;
      if (ch === '\n') {
        replies++;
        budget--;
      }
    }
    if (out) near.write(Buffer.from(out, 'latin1'));
  });
  const closePort = (p: SerialPortStream): Promise<void> => new Promise((resolve) => (p.isOpen ? p.close(() => resolve()) : resolve()));
  return {
    path: link,
    get replies() {
      return replies;
    },
    silence: (after = 0) => {
      budget = after;
    },
    speak: () => {
      budget = Infinity;
    },
    close: async () => {
      await Promise.all([closePort(near), closePort(far)]);
      await pair.close();
    },
  };
}
