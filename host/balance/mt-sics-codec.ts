// Mettler Toledo MT-SICS framing, both directions (the driver parses, the emulator formats).
// Source: MT-SICS Reference Manual (11780711): commands end in CR LF; a weight reply is
// "S S     100.00 g" (command echo, status S stable / D dynamic, value right-aligned in 10
// characters, unit); "S I" busy or stability timeout, "S +" overload, "S -" underload; "ES",
// "ET", "EL" syntax, transmission and logic errors; "I4 A \"SNR\"" the serial number.
// Pure: no Node APIs, so the emulator can run on the virtual board and on XS.

import { decimalToUg } from './units';

export const CRLF = '\r\n';

export type MtSicsReply =
  | { readonly kind: 'weight'; readonly cmd: string; readonly stable: boolean; readonly ug: number; readonly unit: string }
  | { readonly kind: 'status'; readonly cmd: string; readonly status: string; readonly rest: string }
  | { readonly kind: 'error'; readonly code: 'ES' | 'ET' | 'EL' }
  | { readonly kind: 'garbled'; readonly line: string };

const WEIGHT = /^(S|T|SI|SIR) ([SD]) +(-? *[0-9]*\.?[0-9]+) +([A-Za-z]+)$/;
const STATUS = /^([A-Z][A-Z0-9]*) ([A-Z+-])(?: (.*))?$/;

export function parseMtSics(line: string): MtSicsReply {
  const text = line.trim();
  if (text === 'ES' || text === 'ET' || text === 'EL') return { kind: 'error', code: text };
  const w = WEIGHT.exec(text);
  if (w) {
    const ug = decimalToUg(w[3]!, w[4]!);
    if (ug !== undefined) return { kind: 'weight', cmd: w[1]!, stable: w[2] === 'S', ug, unit: w[4]! };
    return { kind: 'status', cmd: w[1]!, status: w[2]!, rest: `${w[3]} ${w[4]}` };
  }
  const s = STATUS.exec(text);
  if (s) return { kind: 'status', cmd: s[1]!, status: s[2]!, rest: s[3] ?? '' };
  return { kind: 'garbled', line };
}

/** "S S     12.3456 g": the value right-aligned in 10 characters as the manual shows. */
export function formatMtSicsWeight(cmd: 'S' | 'T', stable: boolean, value: string, unit: string): string {
  return `${cmd} ${stable ? 'S' : 'D'} ${value.padStart(10)} ${unit}${CRLF}`;
}

/** The quoted text of an identification reply: I4 A "B123456789" gives B123456789. */
export function quotedValue(rest: string): string | undefined {
  const m = /^"(.*)"$/.exec(rest.trim());
  return m ? m[1] : undefined;
}
