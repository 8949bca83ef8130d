// The host side of the protocol codec: builds frames (sequence number, MAC, CRC) and reads
// replies and event lines, with the firmware's own frame and schema modules, so host and
// device cannot disagree about a byte. No Node APIs: the XS parity runner can use it too.

import { crc16Hex } from '../../firmware/shared/crc';
import { parseFields, withCrc } from '../../firmware/protocol/frame';

export interface Reply {
  readonly seq: number | undefined;
  readonly ok: boolean;
  /** OK: its key=value fields. */
  readonly fields: Record<string, string>;
  /** ERR: the numbered code and message. */
  readonly code: number | undefined;
  readonly message: string;
  readonly line: string;
}

export interface EventLine {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly reason: string;
  readonly fields: Record<string, string>;
}

/** `<seq> COMMAND args [#mac] *CRC`; `signed` is what a MAC must cover (the line before " #"). */
export function buildFrame(seq: number, command: string, args: readonly (string | number)[] = []): { signed: string; withMac: (mac: string | undefined) => string } {
  const signed = [seq, command, ...args].join(' ');
  return { signed, withMac: (mac) => withCrc(mac === undefined ? signed : `${signed} #${mac}`) };
}

/** True when the line's CRC matches (a reply, an event line or a frame). */
export function crcOk(line: string): boolean {
  const star = line.lastIndexOf(' *');
  return star >= 0 && crc16Hex(line.slice(0, star)) === line.slice(star + 2);
}

export function parseReply(line: string): Reply | undefined {
  if (!crcOk(line)) return undefined;
  const words = line.slice(0, line.lastIndexOf(' *')).split(' ');
  const seq = /^[0-9]+$/.test(words[0]!) ? Number(words.shift()) : undefined;
  const status = words.shift();
  if (status === 'OK') return { seq, ok: true, fields: parseFields(words), code: undefined, message: '', line };
  if (status === 'ERR') return { seq, ok: false, fields: {}, code: Number(words.shift()), message: words.join(' '), line };
  return undefined;
}

export function parseEvent(line: string): EventLine | undefined {
  if (!line.startsWith('! ') || !crcOk(line)) return undefined;
  const w = line.slice(2, line.lastIndexOf(' *')).split(' ');
  return { seq: Number(w[0]), at: Number(w[1]), type: w[2]!, reason: w[3]!, fields: parseFields(w.slice(4)) };
}

/** Base64 for staging chunks: the firmware's own encoder. */
export { encodeBase64 as toBase64 } from '../../firmware/protocol/args';
