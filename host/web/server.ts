// The dashboard's web server: node:http for the one page, ws for the WebSocket that carries
// the live status and the page's requests. Every request passes security.ts's checks first
// (token, Host, Origin); the page is sent with a strict Content-Security-Policy, no caching and
// no referrer (the token is in the URL). Listens on 127.0.0.1 unless told otherwise.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { BuiltPage } from './build-page';
import { buildPage } from './build-page';
import type { PumpBridge } from './bridge';
import type { PageMessage, ServerMessage } from './messages';
import { checkRequest, newToken } from './security';
import { cliError, PUMPCTL_ERRORS } from '../errors/pumpctl';

export const DEFAULT_LISTEN = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 8470;
/** A page request is small (a prescription file at most). */
const MAX_MESSAGE_BYTES = 1 << 20;

export interface DashboardOptions {
  readonly bridge: PumpBridge;
  /** Address to listen on (default 127.0.0.1). */
  readonly listen?: string;
  /** TCP port (default 8470; 0: any free one). */
  readonly port?: number;
  /** Fixed token (tests); default a new random one. */
  readonly token?: string;
}

export interface Dashboard {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** True when the address is only reachable from this machine. */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const listen = o.listen ?? DEFAULT_LISTEN;
  if (listen !== 'localhost' && isIP(listen) === 0)
    throw cliError('USAGE', `--listen must be an IP address of this machine (got "${listen}"): 127.0.0.1 (the default), 0.0.0.0 for every interface, or one interface's address`);
  const token = o.token ?? newToken();
  const page: BuiltPage = await buildPage();
  const gz = gzipSync(page.html);
  let port = 0;

  const refuse = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`E${PUMPCTL_ERRORS.WEB_REFUSED.code} WEB_REFUSED: ${message}\n`);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const no = checkRequest(req, token, port, false);
    if (no) return refuse(res, no.status, no.message);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, `${req.method} is not served: the page changes nothing by HTTP, only over its WebSocket`);
    if (path !== '/') return refuse(res, 404, `nothing at ${path}: the dashboard is one page, at /`);
    const zipped = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': page.csp,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      ...(zipped && { 'content-encoding': 'gzip' }),
      vary: 'accept-encoding',
    });
    res.end(req.method === 'HEAD' ? undefined : zipped ? gz : page.html);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const no = checkRequest(req, token, port, true);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (no || path !== '/ws') {
      const status = no?.status ?? 404;
      const text = `E${PUMPCTL_ERRORS.WEB_REFUSED.code} WEB_REFUSED: ${no?.message ?? 'the WebSocket is at /ws'}\n`;
      socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connected(o.bridge, ws));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        cliError(
          'WEB_LISTEN',
          `cannot listen on ${listen}:${o.port ?? DEFAULT_HTTP_PORT}: ${e.code === 'EADDRINUSE' ? 'the port is in use (give another with --http-port, or 0 for any free one)' : e.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : e.message}`,
        ),
      ),
    );
    server.listen(o.port ?? DEFAULT_HTTP_PORT, listen, () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const shown = listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen;
  const url = `http://${isIP(shown) === 6 ? `[${shown}]` : shown}:${port}/?token=${token}`;
  return {
    url,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One page's WebSocket: status and events out, requests in, each answered by its id. */
function connected(bridge: PumpBridge, ws: WebSocket): void {
  const send = (m: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  bridge.attach(send);
  ws.on('message', (data) => {
    let m: PageMessage;
    try {
      m = JSON.parse(String(data)) as PageMessage;
      if (typeof m !== 'object' || m === null || typeof m.id !== 'number' || typeof m.action !== 'string') throw new Error('not a request');
    } catch {
      return send({ type: 'reply', id: -1, ok: false, text: `E${PUMPCTL_ERRORS.USAGE.code} USAGE: a message that is not a dashboard request was ignored` });
    }
    void bridge.request(m).then(send);
  });
  ws.on('close', () => bridge.detach(send));
  ws.on('error', () => undefined);
}
