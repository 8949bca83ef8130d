// Ohaus balance framing (Adventurer / Explorer / Navigator RS232 command tables): commands are
// letters ended by CR or CR LF: IP immediate print, SP print when stable, P print, CP
// continuous print, 0P stop, Z zero, T tare, PSN serial number. A weight line is the value
// right-aligned (sign, digits, decimal point), a space, the unit, and "?" when not stable:
// "     12.3456 g ?". "ES" answers an unknown command, and SP after 40 s without stability.
// The overload text is model-dependent; we read "OL"/"-OL-" and "UL"/"-UL-" (what the
// emulator sends). Pure: no Node APIs.

import { CRLF } from './mt-sics-codec';
import { decimalToUg } from './units';

export type OhausReply =
  | { readonly kind: 'weight'; readonly stable: boolean; readonly ug: number; readonly unit: string }
  | { readonly kind: 'overload' }
  | { readonly kind: 'underload' }
  | { readonly kind: 'ok' }
  | { readonly kind: 'error' }
  | { readonly kind: 'garbled'; readonly line: string };

const WEIGHT = /^ *(-?) *([0-9]*\.?[0-9]+) +([A-Za-z]+) *(\?)? *(?:[A-Z]+)? *$/;

export function parseOhaus(line: string): OhausReply {
  const t = line.trim();
  if (t === 'ES') return { kind: 'error' };
  if (t === 'OK!') return { kind: 'ok' };
  if (/^-?OL-?$/.test(t)) return { kind: 'overload' };
  if (/^-?UL-?$/.test(t)) return { kind: 'underload' };
  const m = WEIGHT.exec(line);
  if (!m) return { kind: 'garbled', line };
  const ug = decimalToUg(`${m[1]}${m[2]}`, m[3]!);
  if (ug === undefined) return { kind: 'garbled', line };
  return { kind: 'weight', stable: m[4] !== '?', ug, unit: m[3]! };
}

export function formatOhausWeight(value: string, unit: string, stable: boolean): string {
  return `${value.padStart(10)} ${unit}${stable ? '' : ' ?'}${CRLF}`;
}

/** The serial number out of a PSN reply ("SN: B123456789" or just the number). */
export function ohausSerial(line: string): string {
  return line.trim().replace(/^(?:S\/?N|SNR)\s*:?\s*/i, '');
}
