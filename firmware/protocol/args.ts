// Arguments of a command, checked against its entry in the schema: whole numbers within their
// range, hex of the exact length, role names, base64 chunks and key=1 flags. The first bad
// argument is named in a numbered error; nothing is half-read.

import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { CommandSpec } from './schema';

export type ArgValue = number | string | boolean | Uint8Array;

const ROLES = ['patient', 'clinician', 'service'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 with padding: staging chunks from the host, RXDATA chunks from the pump. */
export function encodeBase64(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += A[(n >> 18) & 63]! + A[(n >> 12) & 63]! + (i + 1 < bytes.length ? A[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? A[n & 63]! : '=');
  }
  return out;
}

/** Strict base64 (padding required); undefined when malformed. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j]!;
      const v = c === '=' && i + j >= text.length - pad ? 0 : B64.indexOf(c);
      if (v < 0) return undefined;
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

export function readArgs(spec: CommandSpec, words: readonly string[]): Result<Record<string, ArgValue>> {
  const out: Record<string, ArgValue> = {};
  // Most frames (STATUS, PAUSE, STOP...) have no arguments to read: none of the filtering below.
  if (spec.args.length === 0 && words.length === 0) return ok(out);
  const positional = spec.args.filter((a) => a.kind !== 'flag');
  const flags = spec.args.filter((a) => a.kind === 'flag');
  const isFlag = (w: string): boolean => flags.some((f) => w === `${f.name}=1` || w === `${f.name}=0`);
  let i = 0;
  for (const a of positional) {
    const w = words[i];
    if (w === undefined || isFlag(w)) {
      if (a.optional) continue;
      return fail(pumpError('BAD_ARGUMENTS', `${a.name} is missing (${spec.args.map((x) => x.name).join(' ')})`, a.name));
    }
    i++;
    if (a.kind === 'int') {
      if (!/^-?[0-9]{1,10}$/.test(w)) return fail(pumpError('BAD_ARGUMENTS', `${a.name} "${w.slice(0, 12)}" is not a whole number`, a.name));
      const n = Number(w);
      if (n < a.min! || n > a.max!) return fail(pumpError('BAD_ARGUMENTS', `${a.name} ${n} is outside ${a.min} to ${a.max}`, a.name));
      out[a.name] = n;
    } else if (a.kind === 'hex') {
      if (w.length !== a.length || !/^[0-9a-f]+$/.test(w)) return fail(pumpError('BAD_ARGUMENTS', `${a.name} must be ${a.length} lower-case hex digits`, a.name));
      out[a.name] = w;
    } else if (a.kind === 'word') {
      if (!/^[a-z0-9x.-]{1,32}$/.test(w)) return fail(pumpError('BAD_ARGUMENTS', `${a.name} must be 1 to 32 of a-z, 0-9, ".", "-", "x"`, a.name));
      out[a.name] = w;
    } else if (a.kind === 'role') {
      if (!ROLES.includes(w)) return fail(pumpError('BAD_ARGUMENTS', `${a.name} must be one of ${ROLES.join(', ')}`, a.name));
      out[a.name] = w;
    } else {
      const bytes = w.length <= a.length! ? decodeBase64(w) : undefined;
      if (!bytes) return fail(pumpError('BAD_ARGUMENTS', `${a.name} is not base64 of at most ${a.length} characters`, a.name));
      out[a.name] = bytes;
    }
  }
  for (; i < words.length; i++) {
    const w = words[i]!;
    const f = flags.find((x) => `${x.name}=1` === w || `${x.name}=0` === w);
    if (!f)
      return fail(pumpError('BAD_ARGUMENTS', `"${w.slice(0, 16)}" is not an argument of this command (${spec.args.map((x) => (x.kind === 'flag' ? `${x.name}=1` : x.name)).join(' ') || 'none'})`));
    out[f.name] = w.endsWith('=1');
  }
  return ok(out);
}
