// Frames: one text line each way (docs/protocol.md, "Lines" and "Replies"). Parsing checks the
// CRC before anything else, so a corrupted frame is never interpreted; encoding appends it.
// Used by the firmware's dispatcher and by the host tools alike.

import { fail, ok, pumpError, type PumpError, type Result } from '../core/errors';
import { crc16Hex } from '../shared/crc';

export interface Frame {
  /** The host's sequence number; undefined for a bare query. */
  readonly seq: number | undefined;
  readonly command: string;
  readonly args: readonly string[];
  /** 16 hex characters, for commands that need a role. */
  readonly mac: string | undefined;
  /** What the MAC covers: the line up to the space before "#" (or before " *"). */
  readonly signedText: string;
  /** The line up to the CRC: a retry must match it exactly. */
  readonly body: string;
  readonly framed: boolean;
}

const SEQ = /^[1-9][0-9]{0,4}$/;
const COMMAND = /^[A-Z]{1,12}$/;
const MAC = /^#[0-9a-f]{16}$/;
const CRC = /^[0-9A-F]{4}$/;

/** Parses a line (without its LF). A bad CRC is reported before any other check. */
export function parseFrame(line: string): Result<Frame> {
  let body = line;
  let framed = false;
  const star = line.lastIndexOf(' *');
  if (star >= 0) {
    const crc = line.slice(star + 2);
    body = line.slice(0, star);
    if (!CRC.test(crc)) return fail(pumpError('BAD_CRC', `the checksum "${crc}" is not 4 upper-case hex digits`));
    if (crc16Hex(body) !== crc) return fail(pumpError('BAD_CRC', `the checksum does not match the frame (expected ${crc16Hex(body)}): resend it`));
    framed = true;
  }
  const tokens = body.split(' ');
  if (tokens.some((t) => t.length === 0)) return fail(pumpError('BAD_ARGUMENTS', 'words must be separated by exactly one space'));
  let seq: number | undefined;
  if (SEQ.test(tokens[0]!)) {
    seq = Number(tokens.shift());
    if (seq > 65_535) return fail(pumpError('BAD_ARGUMENTS', 'the sequence number must be from 1 to 65535'));
  }
  if (seq !== undefined && !framed) return fail(pumpError('NOT_FRAMED', 'a line with a sequence number needs a CRC too'));
  const command = tokens.shift() ?? '';
  if (!COMMAND.test(command)) return fail(pumpError('UNKNOWN_COMMAND', `"${command.slice(0, 16)}" is not a command (send HELP for the list)`));
  let mac: string | undefined;
  let signedText = body;
  const last = tokens[tokens.length - 1];
  if (last !== undefined && last.startsWith('#')) {
    if (!MAC.test(last)) return fail(pumpError('BAD_MAC', 'the MAC must be "#" and 16 lower-case hex digits'));
    mac = last.slice(1);
    tokens.pop();
    signedText = body.slice(0, body.length - last.length - 1);
  }
  if (tokens.some((t) => t.includes('#') || t.includes('*'))) return fail(pumpError('BAD_ARGUMENTS', 'arguments may not contain "#" or "*"'));
  return ok({ seq, command, args: tokens, mac, signedText, body, framed });
}

/** Appends " *CRC". */
export function withCrc(text: string): string {
  return `${text} *${crc16Hex(text)}`;
}

/** A value for a key=value field: no spaces, "*" or "#". */
export function fieldValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value).replace(/[ *#]/g, '_');
}

export type Fields = Readonly<Record<string, string | number | boolean>>;

export function okReply(seq: number | undefined, fields: Fields = {}): string {
  const parts = seq === undefined ? ['OK'] : [String(seq), 'OK'];
  for (const [k, v] of Object.entries(fields)) parts.push(`${k}=${fieldValue(v)}`);
  return withCrc(parts.join(' '));
}

export function errReply(seq: number | undefined, error: PumpError): string {
  const text = error.message.replace(/[*#\r\n]/g, '_');
  return withCrc(`${seq === undefined ? '' : `${seq} `}ERR ${error.code} ${text}`);
}

/** Reads "key=value" fields from a reply (host side). */
export function parseFields(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}
