// The fuzz oracle's own reading of the wire (docs/protocol.md, "Lines" and the frame grammar),
// written from the document and not from firmware/protocol/line-reader.ts or frame.ts, so the
// oracle does not inherit their mistakes: which complete lines a burst of bytes holds, in the
// order the pump must handle them (STOP and ACK first), and what each line says. The only
// firmware code used is the CRC-16 and the command table, which define the format.

import { crc16Hex } from '../../firmware/shared/crc';
import type { CommandSpec } from '../../firmware/protocol/schema';
import { commandSpec } from '../../firmware/protocol/schema';

/** Longest line text: 120 bytes with its line end. */
const MAX_CHARS = 119;
const PRIORITY = /^(?:[0-9]+ )?(?:STOP|ACK)(?: |$)/;

/**
 * The line assembler: CR, LF or CRLF end a line; backspace and DEL take back a character;
 * a byte outside 0x20-0x7E or a 120th character spoils the line up to its end; trailing spaces
 * are dropped; empty lines are skipped. A partial line waits for the next bytes.
 */
export class LineModel {
  #line = '';
  #spoilt = false;

  /** The lines `bytes` completes, STOP and ACK lines first, each group in arrival order. */
  push(bytes: Uint8Array): string[] {
    const first: string[] = [];
    const rest: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x0a || b === 0x0d) {
        const text = this.#line.replace(/ +$/, '');
        if (!this.#spoilt && text !== '') (PRIORITY.test(text) ? first : rest).push(text);
        this.#line = '';
        this.#spoilt = false;
      } else if (b === 0x08 || b === 0x7f) {
        if (!this.#spoilt) this.#line = this.#line.slice(0, -1);
      } else if (this.#spoilt) {
      } else if (b < 0x20 || b > 0x7e || this.#line.length >= MAX_CHARS) {
        this.#line = '';
        this.#spoilt = true;
      } else {
        this.#line += String.fromCharCode(b);
      }
    }
    return first.concat(rest);
  }
}

/** A line as the grammar reads it; `problem` says why it can never be acted on. */
export interface ModelFrame {
  readonly line: string;
  readonly seq: number | undefined;
  readonly command: string;
  readonly spec: CommandSpec | undefined;
  readonly args: readonly string[];
  readonly mac: string | undefined;
  /** What a MAC covers: the line up to the space before "#". */
  readonly signedText: string;
  /** A CRC field is present (and right: a wrong one is a `problem`). */
  readonly framed: boolean;
  readonly crcWrong: boolean;
  readonly problem: string | undefined;
}

/**
 * `[seq SP] command *(SP arg) [SP "#" mac] [SP "*" crc]`. A bare query's command word is taken
 * in capitals (a person typed it); a framed line is taken exactly as sent.
 */
export function readModelFrame(raw: string): ModelFrame {
  const bare = !raw.includes('*') && !/^[0-9]/.test(raw);
  const line = bare ? raw.replace(/^[^ ]*/, (w) => w.toUpperCase()) : raw;
  const star = line.lastIndexOf(' *');
  const framed = star >= 0;
  const body = framed ? line.slice(0, star) : line;
  const crcWrong = framed && crc16Hex(body) !== line.slice(star + 2);
  const words = body.split(' ');
  const base = { line, framed, crcWrong, seq: undefined, command: '', spec: undefined, args: [], mac: undefined, signedText: body };
  const bad = (problem: string): ModelFrame => ({ ...base, problem });
  if (crcWrong) return bad('wrong CRC');
  if (words.some((w) => w === '')) return bad('empty word');
  let seq: number | undefined;
  if (/^[1-9][0-9]{0,4}$/.test(words[0]!)) {
    seq = Number(words.shift());
    if (seq > 65_535) return bad('sequence number above 65535');
    if (!framed) return bad('sequence number without a CRC');
  }
  const command = words.shift() ?? '';
  const spec = /^[A-Z]{1,12}$/.test(command) ? commandSpec(command) : undefined;
  if (spec === undefined) return bad('not a command');
  let mac: string | undefined;
  let signedText = body;
  const last = words[words.length - 1];
  if (last?.startsWith('#')) {
    if (!/^#[0-9a-f]{16}$/.test(last)) return bad('malformed MAC');
    mac = last.slice(1);
    words.pop();
    signedText = body.slice(0, body.length - last.length - 1);
  }
  if (words.some((w) => w.includes('#') || w.includes('*'))) return bad('"#" or "*" in an argument');
  if (spec.framed && !framed) return bad('state-changing command not framed');
  return { line, framed, crcWrong, seq, command, spec, args: words, mac, signedText, problem: undefined };
}
