// Frames: one text line each way (docs/protocol.md, "Lines" and "Replies"). Parsing checks the
// CRC before anything else, so a corrupted frame is never interpreted; encoding appends it.
// Used by the firmware's dispatcher and by the host tools alike.

import type { PumpError, Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
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
  // Every line in and every reply out passes here on XS, where each closure, array method
  // callback and RegExp literal evaluated in a function costs an allocation or a compile: the
  // checks are string searches and the module's RegExps, in the order they always were.
  let body = line;
  let framed = false;
  const star = line.lastIndexOf(' *');
  if (star >= 0) {
    const crc = line.slice(star + 2);
    body = line.slice(0, star);
    if (!CRC.test(crc)) return fail(pumpError('BAD_CRC', `the checksum "${crc}" is not 4 upper-case hex digits`));
    const expected = crc16Hex(body);
    if (expected !== crc) return fail(pumpError('BAD_CRC', `the checksum does not match the frame (expected ${expected}): resend it`));
    framed = true;
  }
  // An empty word: a leading, trailing or doubled space (or nothing at all).
  if (body.length === 0 || body.charCodeAt(0) === 0x20 || body.charCodeAt(body.length - 1) === 0x20 || body.includes('  ')) {
    return fail(pumpError('BAD_ARGUMENTS', 'words must be separated by exactly one space'));
  }
  const tokens = body.split(' ');
  let seq: number | undefined;
  let first = 0;
  if (SEQ.test(tokens[0]!)) {
    seq = Number(tokens[0]);
    first = 1;
    if (seq > 65_535) return fail(pumpError('BAD_ARGUMENTS', 'the sequence number must be from 1 to 65535'));
  }
  if (seq !== undefined && !framed) return fail(pumpError('NOT_FRAMED', 'a line with a sequence number needs a CRC too'));
  const command = tokens[first] ?? '';
  if (!COMMAND.test(command)) return fail(pumpError('UNKNOWN_COMMAND', `"${command.slice(0, 16)}" is not a command (send HELP for the list)`));
  let mac: string | undefined;
  let signedText = body;
  let end = tokens.length;
  const last = tokens[end - 1]!;
  if (end > first + 1 && last.charCodeAt(0) === 0x23 /* # */) {
    if (!MAC.test(last)) return fail(pumpError('BAD_MAC', 'the MAC must be "#" and 16 lower-case hex digits'));
    mac = last.slice(1);
    end--;
    signedText = body.slice(0, body.length - last.length - 1);
  }
  const args = first + 1 === end ? NO_ARGS : tokens.slice(first + 1, end);
  for (let i = 0; i < args.length; i++) if (args[i]!.includes('#') || args[i]!.includes('*')) return fail(pumpError('BAD_ARGUMENTS', 'arguments may not contain "#" or "*"'));
  return ok({ seq, command, args, mac, signedText, body, framed });
}

/** The arguments of a frame that has none: one frozen array, not a new one per frame. */
const NO_ARGS: readonly string[] = Object.freeze([]);

/** Appends " *CRC". */
export function withCrc(text: string): string {
  return `${text} *${crc16Hex(text)}`;
}

/** A character a field value may not carry: a space, "*" or "#". */
const FIELD_UNSAFE = /[ *#]/;

/** A value for a key=value field: no spaces, "*" or "#". */
export function fieldValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  // A number's text never holds one of them; a string is rewritten only when it does (a
  // RegExp literal here would be compiled on every call on XS).
  const text = String(value);
  return typeof value === 'number' || !FIELD_UNSAFE.test(text) ? text : text.split(' ').join('_').split('*').join('_').split('#').join('_');
}

export type Fields = Readonly<Record<string, string | number | boolean>>;

export function okReply(seq: number | undefined, fields: Fields = {}): string {
  // One string grown field by field: no entries arrays, no parts array to join.
  let text = seq === undefined ? 'OK' : `${seq} OK`;
  for (const k in fields) {
    // fieldValue inlined for what most fields are (a call a field is a fifth of a reply's cost
    // on XS): a number as it is, a string without a space, "*" or "#" as it is.
    const v = fields[k]!;
    text += ` ${k}=${typeof v === 'number' || (typeof v === 'string' && !FIELD_UNSAFE.test(v)) ? v : fieldValue(v)}`;
  }
  return withCrc(text);
}

/** A character an error message may not carry: "*", "#", CR or LF. */
const MESSAGE_UNSAFE = /[*#\r\n]/;

export function errReply(seq: number | undefined, error: PumpError): string {
  let text = error.message;
  if (MESSAGE_UNSAFE.test(text)) text = text.split('*').join('_').split('#').join('_').split('\r').join('_').split('\n').join('_');
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
