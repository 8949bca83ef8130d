// The dashboard's guard, for a lab bench: a random token (printed in the URL on the console)
// on every request and on the WebSocket; a Host header that names this machine (an IP
// literal, localhost, or its own host name: a DNS rebinding attack arrives under the
// attacker's own domain name); and an Origin that is this server itself (another site's page
// cannot open the WebSocket or read a response). The role keys never leave the server at all.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { isIP } from 'node:net';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** The host part of a Host header ("[::1]:8470" -> "::1"), and its port ("" when none). */
function splitHost(h: string): { name: string; port: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(h) ?? /^([^:]+)(?::(\d+))?$/.exec(h);
  return m ? { name: m[1]!.toLowerCase(), port: m[2] ?? '' } : { name: '', port: '' };
}

/** True when `name` can only mean this machine: an IP literal, localhost, or its own host name. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = splitHost(host);
  if (h.port !== String(port)) return false;
  if (isIP(h.name) !== 0) return true;
  const own = hostname().toLowerCase();
  return h.name === 'localhost' || h.name === own || h.name === `${own}.local`;
}

function tokenOk(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Why a request (a page load or a WebSocket upgrade) is refused, or undefined when it may go on.
 * A WebSocket must carry an Origin (browsers always send one): a missing one is refused too.
 */
export function checkRequest(req: IncomingMessage, token: string, port: number, websocket: boolean): Refusal | undefined {
  const host = req.headers.host;
  if (!hostAllowed(host, port)) return { status: 421, message: `the Host header "${host ?? ''}" does not name this machine (DNS rebinding is refused): open the URL the dashboard printed` };
  const origin = req.headers.origin;
  if (origin !== undefined || websocket) {
    if (origin !== `http://${host}`) return { status: 403, message: `requests from another site (Origin "${origin ?? 'none'}") are refused` };
  }
  let given: string | null = null;
  try {
    given = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  } catch {
    given = null;
  }
  if (!tokenOk(given, token))
    return {
      status: 403,
      message: given === null ? 'no token: open the whole URL the dashboard printed (with ?token=...)' : 'wrong token: open the URL the dashboard printed this time (the token changes at every start)',
    };
  return undefined;
}
