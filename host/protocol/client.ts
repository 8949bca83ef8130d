// A protocol client over any line transport: numbers frames, signs them in a session, stages
// prescriptions in chunks. The transport here is synchronous (the in-process link the tests
// and the virtual board use); pumpctl wraps a serial port the same way.

import { crc32Hex } from '../../firmware/shared/crc';
import { jsonBytes } from '../../firmware/storage/records';
import type { Entropy, Role } from '../../firmware/protocol/auth';
import type { HostSession } from './auth-client';
import { AuthClient, macFor, systemEntropy } from './auth-client';
import type { Reply } from './codec';
import { buildFrame, parseReply, toBase64 } from './codec';

/** Sends one line, returns the lines the pump answered with. */
export type Transport = (line: string) => string[];

export const CHUNK_BYTES = 48;

/**
 * The frames that stage a prescription, in order: STAGE with its length and CRC-32, then CHUNKs
 * of at most 48 bytes of the same ASCII-escaped JSON the pump stores (a drug name beyond ASCII
 * survives intact). Every client (this one, pumpctl, the board's tests) sends exactly these.
 */
export function stagingFrames(prescription: unknown): { crc32: string; frames: (readonly [string, ...(string | number)[]])[] } {
  const bytes = jsonBytes(prescription);
  const crc32 = crc32Hex(bytes);
  const frames: (readonly [string, ...(string | number)[]])[] = [['STAGE', bytes.length, crc32]];
  for (let off = 0; off < bytes.length; off += CHUNK_BYTES) frames.push(['CHUNK', off, toBase64(bytes.subarray(off, off + CHUNK_BYTES))]);
  return { crc32, frames };
}

export class ProtocolClient {
  readonly #send: Transport;
  readonly #entropy: Entropy;
  #seq = 0;
  session: HostSession | undefined;
  /** Every line received, replies and events, for inspection. */
  readonly received: string[] = [];

  constructor(send: Transport, entropy: Entropy = systemEntropy) {
    this.#send = send;
    this.#entropy = entropy;
  }

  /** The reply to one line (the last OK/ERR line the pump sent for it). */
  raw(line: string): Reply {
    const lines = this.#send(line);
    this.received.push(...lines);
    for (let i = lines.length - 1; i >= 0; i--) {
      const r = parseReply(lines[i]!);
      if (r) return r;
    }
    throw new Error(`no reply to "${line}" (got ${JSON.stringify(lines)})`);
  }

  /** A bare read-only query such as STATUS. */
  query(command: string, ...args: (string | number)[]): Reply {
    return this.raw([command, ...args].join(' '));
  }

  /** A framed command, signed when a session is open. Returns the frame too, for replay tests. */
  send(command: string, ...args: (string | number)[]): Reply & { frame: string } {
    const seq = ++this.#seq;
    const f = buildFrame(seq, command, args);
    const frame = f.withMac(this.session ? macFor(this.session.ks, this.session.sid, f.signed) : undefined);
    return { ...this.raw(frame), frame };
  }

  /** HELLO then AUTH with a role key; the session is kept when the pump proves the key too. */
  login(role: Role, key: Uint8Array): Reply {
    this.session = undefined;
    const hello = this.query('HELLO');
    const auth = new AuthClient(role, key, this.#entropy);
    const req = auth.request(hello.fields['nonce']!);
    const reply = this.send('AUTH', role, req.hostNonceHex, req.proofHex);
    if (reply.ok) this.session = auth.complete(reply.fields['session']!, Number(reply.fields['ttl']), reply.fields['proof']!);
    return reply;
  }

  /** STAGE and CHUNKs of a prescription; returns its CRC-32 (hex) and the last reply. */
  stage(prescription: unknown): { crc32: string; reply: Reply } {
    const { crc32, frames } = stagingFrames(prescription);
    let reply!: Reply;
    for (const [command, ...args] of frames) {
      reply = this.send(command, ...args);
      if (!reply.ok) break;
    }
    return { crc32, reply };
  }

  /** Stage, read back and commit. */
  program(prescription: unknown, flags: string[] = []): Reply {
    const { crc32, reply } = this.stage(prescription);
    if (!reply.ok) return reply;
    const show = this.send('SHOW');
    if (!show.ok) return show;
    return this.send('COMMIT', crc32, ...flags);
  }
}
