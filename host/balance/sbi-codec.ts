// Sartorius SBI framing, both directions. Commands are ESC plus a letter (ESC P print, ESC T
// tare/zero, ESC U tare, ESC V zero, ESC x2_ serial number), optionally followed by CR LF.
// Output (Sartorius operating manuals, "Data output format"): 16 characters, position 1 sign
// (+, - or space), 2-10 value with decimal point (leading zeros as spaces), 11 space, 12-14
// unit, then CR LF; with an ID code, 6 more characters ("N     ", "G     ") in front (22).
// The unit is left blank while the reading is not stable. Special lines: "High" overload,
// "Low" underload, "Stat" status, "Err ###" errors. Pure: no Node APIs.

import { CRLF } from './mt-sics-codec';
import { decimalToUg } from './units';

export const ESC = '\x1b';

export type SbiReply =
  | { readonly kind: 'weight'; readonly stable: boolean; readonly ug: number; readonly unit: string; readonly id: string }
  | { readonly kind: 'overload' }
  | { readonly kind: 'underload' }
  | { readonly kind: 'status'; readonly text: string }
  | { readonly kind: 'error'; readonly number: string }
  | { readonly kind: 'garbled'; readonly line: string };

const BODY = /^([+\- ]) *([0-9]*\.?[0-9]+) +([A-Za-z%/]{0,3}) *$/;

export function parseSbi(line: string): SbiReply {
  const trimmed = line.trim();
  if (/^High$/i.test(trimmed) || /^H{1,2}$/.test(trimmed.replace(/^Stat\s*/, ''))) return { kind: 'overload' };
  if (/^Low$/i.test(trimmed) || /^L{1,2}$/.test(trimmed.replace(/^Stat\s*/, ''))) return { kind: 'underload' };
  const err = /^(?:Stat\s+)?Err\s*(\d+)$/.exec(trimmed);
  if (err) return { kind: 'error', number: err[1]! };
  if (trimmed.startsWith('Stat')) return { kind: 'status', text: trimmed };
  // 22 characters less CR LF: a 6-character ID code, then the 14-character body.
  const id = line.length === 20 ? line.slice(0, 6).trim() : '';
  const body = line.length === 20 ? line.slice(6) : line;
  const m = BODY.exec(body);
  if (!m) return { kind: 'garbled', line };
  const unit = m[3]!;
  if (unit === '') {
    // Unstable: no unit is printed, so the value is in the balance's display unit: g.
    const ug = decimalToUg(`${m[1] === '-' ? '-' : ''}${m[2]}`, 'g');
    return ug === undefined ? { kind: 'garbled', line } : { kind: 'weight', stable: false, ug, unit: 'g', id };
  }
  const ug = decimalToUg(`${m[1] === '-' ? '-' : ''}${m[2]}`, unit);
  return ug === undefined ? { kind: 'garbled', line } : { kind: 'weight', stable: true, ug, unit, id };
}

/** One 16-character output line (14 visible + CR LF), optionally behind a 6-character ID. */
export function formatSbiWeight(negative: boolean, value: string, unit: string, stable: boolean, id?: string): string {
  const body = `${negative ? '-' : '+'}${value.padStart(9)} ${(stable ? unit : '').padEnd(3)}`;
  return `${id === undefined ? '' : id.padEnd(6).slice(0, 6)}${body}${CRLF}`;
}

/** "      High    ": the special outputs are 14 characters too. */
export function formatSbiSpecial(word: 'High' | 'Low'): string {
  return `      ${word}`.padEnd(14) + CRLF;
}
