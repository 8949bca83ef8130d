// An NE-1000 / NE-500 RS-232 client written from the manuals (NE-1000 user manual 1200-01,
// section 10; NE-500 OEM manual), not from this rig's firmware: it frames commands in basic
// (`[addr]CMD[data]<CR>`) or safe (`<STX><len><data><CRC hi><CRC lo><ETX>`, CRC-16/XMODEM)
// form, reads a reply up to its ETX (basic) or by its length byte (safe), checks the CRC, and
// splits `<addr 2 digits><status>[data]` with the alarm (`A?x`) and error (`?`, `?NA`, `?OOR`,
// `?COM`, `?IGN`) forms. Over any serialport binding: the mock one in tests, a pty, a USB
// adapter. The tests and the benchmark drive the rig's NE-1000 mode with it.

import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import type { Binding } from '../serial/line-port';

const STX = 0x02;
const ETX = 0x03;

/** CRC-16/XMODEM (poly 0x1021, init 0), bit by bit, as the manual's safe mode defines it. */
export function xmodemCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** A command in basic framing. */
export function basicCommand(command: string): Buffer {
  return Buffer.from(`${command}\r`, 'latin1');
}

/** A command in safe framing: the length counts itself, the data, the CRC and ETX. */
export function safeCommand(command: string): Buffer {
  const data = Buffer.from(command, 'latin1');
  const crc = xmodemCrc(data);
  return Buffer.from([STX, data.length + 4, ...data, crc >> 8, crc & 0xff, ETX]);
}

export type Framing = 'basic' | 'safe' | 'either';

export interface NeReply {
  readonly framing: 'basic' | 'safe';
  readonly raw: Buffer;
  readonly address: number;
  /** The prompt (I W S P T U X), or 'A' for an alarm. */
  readonly status: string;
  /** R S T E O for an alarm. */
  readonly alarm: string | undefined;
  /** The reply data without an error. */
  readonly data: string;
  /** '' (not recognised), 'NA', 'OOR', 'COM' or 'IGN'; undefined when the command was taken. */
  readonly error: string | undefined;
}

/** Splits a reply's text (between STX/length and ETX/CRC). */
export function parseReplyText(text: string, framing: 'basic' | 'safe', raw: Buffer): NeReply {
  const m = /^([0-9]{2})(?:A\?([RSTEO])|([IWSPTUX]))(.*)$/s.exec(text);
  if (!m) throw new Error(`not an NE-1000 reply: ${JSON.stringify(text)}`);
  const rest = m[4] ?? '';
  const error = rest.startsWith('?') ? rest.slice(1) : undefined;
  return { framing, raw, address: Number(m[1]), status: m[2] === undefined ? m[3]! : 'A', alarm: m[2], data: error === undefined ? rest : '', error };
}

/** Takes bytes as they arrive; hands out whole replies in the framing the client expects. */
export class ReplyReader {
  #buf = Buffer.alloc(0);
  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
  }
  /**
   * The next whole reply, or undefined while it is incomplete. Throws on a bad safe CRC.
   * `either` (the answer to SAF, whose framing depends on whether it was taken): a basic reply
   * starts with an address digit after STX, a safe one with a length byte below '0'.
   */
  next(expect: Framing): NeReply | undefined {
    const start = this.#buf.indexOf(STX);
    if (start < 0) return undefined;
    const b = this.#buf.subarray(start);
    if (expect === 'either' && b.length < 2) return undefined;
    const framing = expect === 'either' ? (b[1]! >= 0x30 && b[1]! <= 0x39 ? 'basic' : 'safe') : expect;
    if (framing === 'basic') {
      const end = b.indexOf(ETX);
      if (end < 0) return undefined;
      const raw = Buffer.from(b.subarray(0, end + 1));
      this.#buf = this.#buf.subarray(start + end + 1);
      return parseReplyText(raw.subarray(1, end).toString('latin1'), 'basic', raw);
    }
    if (b.length < 2) return undefined;
    const length = b[1]!;
    if (b.length < length + 1) return undefined;
    const raw = Buffer.from(b.subarray(0, length + 1));
    this.#buf = this.#buf.subarray(start + length + 1);
    if (raw[raw.length - 1] !== ETX) throw new Error(`safe reply without ETX at its length: ${raw.toString('hex')}`);
    const data = raw.subarray(2, raw.length - 3);
    const crc = (raw[raw.length - 3]! << 8) | raw[raw.length - 2]!;
    if (crc !== xmodemCrc(data)) throw new Error(`safe reply with a bad CRC: ${raw.toString('hex')}`);
    return parseReplyText(data.toString('latin1'), 'safe', raw);
  }
  get pending(): number {
    return this.#buf.length;
  }
}

export interface Ne1000ClientOptions {
  readonly binding?: Binding;
  readonly baud?: number;
  /** How long to wait for a reply before failing (the test's deadline; nothing sleeps). */
  readonly timeoutMs?: number;
}

export class Ne1000Client {
  readonly #port: SerialPortStream;
  readonly #reader = new ReplyReader();
  readonly #timeoutMs: number;
  #wake: (() => void) | undefined;
  /** Replies come in safe framing (after SAF n, n > 0). */
  safe = false;

  private constructor(port: SerialPortStream, timeoutMs: number) {
    this.#port = port;
    this.#timeoutMs = timeoutMs;
    port.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      this.#wake?.();
    });
  }

  static async open(path: string, o: Ne1000ClientOptions = {}): Promise<Ne1000Client> {
    const port = new SerialPortStream({ path, baudRate: o.baud ?? 19_200, binding: o.binding ?? autoDetect(), autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    return new Ne1000Client(port, o.timeoutMs ?? 10_000);
  }

  /**
   * Sends `command` (e.g. "RAT 0.5 MM", "0DIA"), framed as `framing` (default: safe when safe
   * mode is on), and waits for its reply. A SAF command moves the client's reply framing with it.
   */
  async send(command: string, framing: 'basic' | 'safe' = this.safe ? 'safe' : 'basic'): Promise<NeReply> {
    const saf = /^\s*[0-9]*\s*SAF\s*([0-9]+)\s*$/i.exec(command);
    const reply = await this.raw(framing === 'safe' ? safeCommand(command) : basicCommand(command), saf ? 'either' : this.safe ? 'safe' : 'basic');
    if (saf && reply.error === undefined && reply.alarm === undefined) this.safe = Number(saf[1]) > 0;
    return reply;
  }

  /** Writes `bytes` as they are and waits for one reply in `expect` framing. */
  async raw(bytes: Buffer, expect: Framing = this.safe ? 'safe' : 'basic'): Promise<NeReply> {
    await new Promise<void>((resolve, reject) => this.#port.write(bytes, (e) => (e ? reject(e) : resolve())));
    return this.read(expect);
  }

  /** Waits for the next reply. */
  read(expect: Framing = this.safe ? 'safe' : 'basic'): Promise<NeReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        reject(new Error(`no NE-1000 reply within ${this.#timeoutMs} ms (${this.#reader.pending} bytes waiting)`));
      }, this.#timeoutMs);
      const attempt = (): void => {
        let r: NeReply | undefined;
        try {
          r = this.#reader.next(expect);
        } catch (e) {
          clearTimeout(timer);
          this.#wake = undefined;
          reject(e as Error);
          return;
        }
        if (!r) return;
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(r);
      };
      this.#wake = attempt;
      attempt();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#port.isOpen ? this.#port.close(() => resolve()) : resolve()));
  }
}
