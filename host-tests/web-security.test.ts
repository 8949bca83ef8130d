// The dashboard's guard over plain HTTP and WebSocket, as another program or another site's
// page would try it: no token, a wrong token, a foreign Origin, a foreign Host (DNS
// rebinding), a missing Origin on the WebSocket, and other methods and paths are all refused
// with E843; the right URL gets the page (with its Content-Security-Policy) and the WebSocket
// its hello. No pump is needed: the bridge's port simply is not there.

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cliError } from '../host/errors/pumpctl';
import { PumpBridge } from '../host/web/bridge';
import type { ServerMessage } from '../host/web/messages';
import { hostAllowed } from '../host/web/security';
import type { Dashboard } from '../host/web/server';
import { startDashboard } from '../host/web/server';

const TOKEN = 'test-token-0123456789abcdef';
let dash: Dashboard;
let bridge: PumpBridge;

beforeAll(async () => {
  bridge = new PumpBridge({
    open: () => Promise.reject(cliError('PORT_OPEN', 'no serial port at /nonexistent (test)')),
    keys: {},
    port: '/nonexistent',
    pollMs: 1_000,
    holdAlways: false,
    notice: () => undefined,
  });
  dash = await startDashboard({ bridge, listen: '127.0.0.1', port: 0, token: TOKEN });
});
afterAll(async () => {
  await dash.close();
  await bridge.close();
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dash.port, path, method, headers: { host: `127.0.0.1:${dash.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the WebSocket; resolves with the first message, or the HTTP status it was refused with. */
function ws(path: string, headers: Record<string, string>): Promise<{ refused: number } | { first: ServerMessage }> {
  return new Promise((resolve, reject) => {
    const sock = new WebSocket(`ws://127.0.0.1:${dash.port}${path}`, { headers });
    sock.on('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      sock.terminate();
    });
    sock.on('message', (data) => {
      resolve({ first: JSON.parse(String(data)) as ServerMessage });
      sock.close();
    });
    sock.on('error', (e) => (e.message.includes('Unexpected server response') ? undefined : reject(e)));
  });
}

describe('dashboard HTTP', () => {
  it('serves the page to the printed URL, with a strict CSP, no caching and no referrer', async () => {
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}/?token=${TOKEN}`);
    const r = await get(`/?token=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<script>');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['x-frame-options']).toBe('DENY');
    // Self-contained: nothing loaded from another host (no CDN), so it works offline.
    expect(r.body).not.toMatch(/\b(src|href)=["']?https?:/);
  });

  it('refuses a request without the token', async () => {
    const r = await get('/');
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/^E843 WEB_REFUSED: no token/);
    expect(r.body).not.toContain('<script>');
  });

  it('refuses a wrong token, and one of another length', async () => {
    for (const t of ['test-token-0123456789abcdeX', 'short']) {
      const r = await get(`/?token=${t}`);
      expect(r.status).toBe(403);
      expect(r.body).toMatch(/^E843 WEB_REFUSED: wrong token/);
    }
  });

  it('refuses a foreign Host (DNS rebinding), even with the token', async () => {
    for (const host of [`evil.example:${dash.port}`, `127.0.0.1.evil.example:${dash.port}`, '127.0.0.1', `127.0.0.1:${dash.port + 1}`]) {
      const r = await get(`/?token=${TOKEN}`, { host });
      expect(r.status, host).toBe(421);
      expect(r.body).toMatch(/^E843 WEB_REFUSED: the Host header/);
    }
  });

  it('refuses a foreign Origin, even with the token', async () => {
    const r = await get(`/?token=${TOKEN}`, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/^E843 WEB_REFUSED: requests from another site/);
  });

  it('serves nothing but GET of the one page', async () => {
    expect((await get(`/?token=${TOKEN}`, {}, 'POST')).status).toBe(405);
    expect((await get(`/favicon.ico?token=${TOKEN}`)).status).toBe(404);
  });
});

describe('dashboard WebSocket', () => {
  const origin = (): string => `http://127.0.0.1:${dash.port}`;

  it('opens with the token and its own Origin, and says hello', async () => {
    const r = await ws(`/ws?token=${TOKEN}`, { origin: origin() });
    expect(r).toMatchObject({ first: { type: 'hello', port: '/nonexistent', roles: [], virtual: null } });
  });

  it('refuses no token, a wrong token, a foreign Origin, no Origin and a foreign Host', async () => {
    expect(await ws('/ws', { origin: origin() })).toEqual({ refused: 403 });
    expect(await ws('/ws?token=nope', { origin: origin() })).toEqual({ refused: 403 });
    expect(await ws(`/ws?token=${TOKEN}`, { origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await ws(`/ws?token=${TOKEN}`, {})).toEqual({ refused: 403 });
    expect(await ws(`/ws?token=${TOKEN}`, { origin: `http://evil.example:${dash.port}`, host: `evil.example:${dash.port}` })).toEqual({ refused: 421 });
  });
});

describe('hostAllowed', () => {
  it('takes IP literals, localhost and this host name on the right port only', () => {
    expect(hostAllowed('127.0.0.1:8470', 8470)).toBe(true);
    expect(hostAllowed('[::1]:8470', 8470)).toBe(true);
    expect(hostAllowed('localhost:8470', 8470)).toBe(true);
    expect(hostAllowed('192.168.1.20:8470', 8470)).toBe(true);
    expect(hostAllowed('localhost:8471', 8470)).toBe(false);
    expect(hostAllowed('attacker.example:8470', 8470)).toBe(false);
    expect(hostAllowed(undefined, 8470)).toBe(false);
    expect(hostAllowed('', 8470)).toBe(false);
  });
});

describe('startDashboard', () => {
  it('refuses a --listen that is not an address, and a port in use, with numbered errors', async () => {
    await expect(startDashboard({ bridge, listen: 'evil.example', port: 0 })).rejects.toMatchObject({ code: 800 });
    await expect(startDashboard({ bridge, listen: '127.0.0.1', port: dash.port })).rejects.toMatchObject({ code: 842, message: expect.stringMatching(/in use/) });
  });
});
