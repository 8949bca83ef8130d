// A serialport binding whose far end is an in-process pump (or any responder), built on
// @serialport/binding-mock: what pumpctl writes is answered at once, and a test can garble,
// drop or delay replies, or pull the cable, to exercise pumpctl's error paths without a port.

import type { MockPortBinding } from '@serialport/binding-mock';
import { MockBinding } from '@serialport/binding-mock';
import type { Binding } from '../host/serial/line-port';

export type Responder = (text: string) => string | undefined;

export interface PumpBinding {
  readonly binding: Binding;
  /** The far end goes away: reads fail as on an unplugged adapter. */
  disconnect(): void;
  /** Bytes pumpctl sent, as text. */
  readonly sent: string[];
}

/** A port at `path` whose writes are passed to `respond` and whose answers come back as reads. */
export function pumpBinding(path: string, respond: Responder): PumpBinding {
  MockBinding.reset();
  MockBinding.createPort(path, { echo: false, record: false });
  const sent: string[] = [];
  let pull: ((e: Error) => void) | undefined;
  const open = MockBinding.open.bind(MockBinding);
  const binding = {
    ...MockBinding,
    list: () => MockBinding.list(),
    open: async (options: Parameters<typeof MockBinding.open>[0]) => {
      const p: MockPortBinding = await open(options);
      const write = p.write.bind(p);
      p.write = async (buffer: Buffer) => {
        await write(buffer);
        const text = buffer.toString('latin1');
        sent.push(text);
        const reply = respond(text);
        if (reply) p.emitData(Buffer.from(reply, 'latin1'));
      };
      const read = p.read.bind(p);
      p.read = (buffer: Buffer, offset: number, length: number) =>
        new Promise((resolve, reject) => {
          pull = (e) => reject(e);
          read(buffer, offset, length).then(resolve, reject);
        });
      return p;
    },
  } as unknown as Binding;
  return {
    binding,
    sent,
    disconnect: () => pull?.(Object.assign(new Error('device disconnected'), { disconnect: true })),
  };
}
