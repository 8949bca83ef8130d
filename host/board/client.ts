// A small asynchronous protocol client over a serial line (LinePort): queries, framed and
// signed commands, HELLO/AUTH and staging, built from the same codec and auth pieces as
// host/protocol/client.ts (whose Transport is synchronous). For the board's tests and the pty
// benchmark; pumpctl has its own.

import { autoDetect } from '@serialport/bindings-cpp';
import type { Role } from '../../firmware/protocol/auth';
import type { HostSession } from '../protocol/auth-client';
import { AuthClient, macFor } from '../protocol/auth-client';
import { stagingFrames } from '../protocol/client';
import type { Reply } from '../protocol/codec';
import { buildFrame, parseReply } from '../protocol/codec';
import type { LinePort } from '../serial/line-port';
import { openLinePort } from '../serial/line-port';

export class LineClient {
  readonly port: LinePort;
  readonly timeoutMs: number;
  session: HostSession | undefined;
  #seq = 0;
  /** Event lines seen while waiting for replies. */
  readonly events: string[] = [];

  constructor(port: LinePort, timeoutMs = 10_000) {
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  static async open(path: string, timeoutMs = 10_000): Promise<LineClient> {
    return new LineClient(await openLinePort(path, { baud: 115_200, binding: autoDetect() }), timeoutMs);
  }

  /** Sends one line; resolves with the first reply (OK/ERR with a good CRC) that follows. */
  async raw(line: string): Promise<Reply> {
    this.port.drain();
    await this.port.write(`${line}\n`);
    for (;;) {
      const got = await this.port.readLine(this.timeoutMs);
      const r = parseReply(got);
      if (r) return r;
      this.events.push(got);
    }
  }

  query(command: string, ...args: (string | number)[]): Promise<Reply> {
    return this.raw([command, ...args].join(' '));
  }

  async send(command: string, ...args: (string | number)[]): Promise<Reply> {
    const f = buildFrame(++this.#seq, command, args);
    return this.raw(f.withMac(this.session ? macFor(this.session.ks, this.session.sid, f.signed) : undefined));
  }

  async login(role: Role, key: Uint8Array): Promise<Reply> {
    this.session = undefined;
    const hello = await this.query('HELLO');
    const auth = new AuthClient(role, key);
    const req = auth.request(hello.fields['nonce']!);
    const reply = await this.send('AUTH', role, req.hostNonceHex, req.proofHex);
    if (reply.ok) this.session = auth.complete(reply.fields['session']!, Number(reply.fields['ttl']), reply.fields['proof']!);
    return reply;
  }

  /** STAGE, CHUNKs, SHOW, COMMIT. */
  async program(prescription: unknown, flags: string[] = []): Promise<Reply> {
    const { crc32, frames } = stagingFrames(prescription);
    for (const [command, ...args] of frames) {
      const reply = await this.send(command, ...args);
      if (!reply.ok) return reply;
    }
    const show = await this.send('SHOW');
    if (!show.ok) return show;
    return this.send('COMMIT', crc32, ...flags);
  }

  close(): Promise<void> {
    return this.port.close();
  }
}
