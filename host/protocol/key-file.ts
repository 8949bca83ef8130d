// Role keys on the host: a JSON file {"patient": "<64 hex>", "clinician": ..., "service": ...}
// (any subset), or environment variables PUMP_KEY_PATIENT / PUMP_KEY_CLINICIAN /
// PUMP_KEY_SERVICE. Never a command-line argument: those show in the process list. The
// virtual board writes such a file for its generated keys; pumpctl reads it.

import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Role } from '../../firmware/protocol/auth';
import { hexToBytes } from '../../firmware/shared/hex';

export const ROLES: readonly Role[] = ['patient', 'clinician', 'service'];
export const KEY_ENV: Readonly<Record<Role, string>> = { patient: 'PUMP_KEY_PATIENT', clinician: 'PUMP_KEY_CLINICIAN', service: 'PUMP_KEY_SERVICE' };

export type RoleKeys = Partial<Record<Role, Uint8Array>>;

/** A key file or variable that cannot be used: the message says which and why. */
export class KeyFileError extends Error {}

const KEY_HEX = /^[0-9a-fA-F]{64}$/;

function readKey(hex: unknown, where: string): Uint8Array {
  if (typeof hex !== 'string' || !KEY_HEX.test(hex)) throw new KeyFileError(`${where} must be 64 hex digits (a 32-byte key)`);
  return hexToBytes(hex.toLowerCase())!;
}

/** Reads a key file; throws KeyFileError naming the file and the field. */
export function readKeyFile(path: string): RoleKeys {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new KeyFileError(`cannot read the key file ${path}: ${why}`);
  }
  // As ssh does with a private key: a key file others can read (or rewrite) is refused, not
  // used with a warning nobody reads in a script's log. The keys in it may already be known.
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `the key file ${path} is open to others (mode ${mode.toString(8).padStart(3, '0')}): run chmod 600 ${path}, and rotate the keys (pumpctl keys rotate) if others may have read them`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError(`the key file ${path} is not JSON ({"clinician": "<64 hex>", ...})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new KeyFileError(`the key file ${path} must hold a JSON object of role keys`);
  const keys: RoleKeys = {};
  for (const [name, value] of Object.entries(json)) {
    if (!(ROLES as string[]).includes(name)) throw new KeyFileError(`the key file ${path} has "${name}": roles are ${ROLES.join(', ')}`);
    keys[name as Role] = readKey(value, `"${name}" in ${path}`);
  }
  return keys;
}

/** Keys from the environment (PUMP_KEY_<ROLE>), over those from a file. */
export function keysFromEnv(env: NodeJS.ProcessEnv, base: RoleKeys = {}): RoleKeys {
  const keys: RoleKeys = { ...base };
  for (const role of ROLES) {
    const v = env[KEY_ENV[role]];
    if (v !== undefined && v !== '') keys[role] = readKey(v, `the variable ${KEY_ENV[role]}`);
  }
  return keys;
}

/** Writes a key file readable by its owner only. */
export function writeKeyFile(path: string, keys: RoleKeys): void {
  const json: Record<string, string> = {};
  for (const role of ROLES) {
    const k = keys[role];
    if (k) json[role] = Buffer.from(k).toString('hex');
  }
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
