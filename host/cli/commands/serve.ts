// pumpctl serve: the dashboard (host/web/) for the pump on --port, a real board or the virtual
// one. The server holds the port and the role keys (--keys, as every command); the browser
// never sees a key. Listens on 127.0.0.1 unless --listen names another address, with a
// warning; prints the URL with its one-time token and runs until Ctrl-C.

import { PumpBridge } from '../../web/bridge';
import { DEFAULT_HTTP_PORT, DEFAULT_LISTEN, isLoopback, startDashboard } from '../../web/server';
import { PumpSession } from '../session';
import type { Register } from './register';

export const registerServe: Register = (program, act) => {
  program
    .command('serve')
    .description('a dashboard in the browser for the pump on --port: live status, charts, actions, history (prints its URL)')
    .option('--listen <address>', `address to listen on; anything but 127.0.0.1 exposes the pump to the network (default ${DEFAULT_LISTEN})`)
    .option('--http-port <n>', 'TCP port (0: any free one)', String(DEFAULT_HTTP_PORT))
    .option('--poll <ms>', 'how often the pump is asked for its status while the server runs', '100')
    .action(
      act(async (ctx, o: { listen?: string; httpPort: string; poll: string }) => {
        const httpPort = ctx.int('--http-port', o.httpPort, 0, 65_535);
        const pollMs = ctx.int('--poll', o.poll, 20, 60_000);
        const listen = o.listen ?? DEFAULT_LISTEN;
        // Opened now, so a wrong port or a silent board fails here with pumpctl's own error.
        const first = await ctx.session();
        let opened = false;
        const keys = ctx.keyFilePath() !== undefined || Object.keys(ctx.io.env).some((k) => k.startsWith('PUMP_KEY_')) ? ctx.keys() : {};
        const bridge = new PumpBridge({
          open: async () => {
            if (!opened) {
              opened = true;
              return first;
            }
            // After a lost connection the bridge opens a new session of its own.
            return PumpSession.open({
              path: first.path,
              baud: Number(ctx.o.baud),
              binding: ctx.binding(),
              keys,
              timeoutMs: Number(ctx.o.timeout),
              reconnectMs: Number(ctx.o.reconnect),
              notice: (t) => ctx.note(`pumpctl: ${t}`),
            });
          },
          keys,
          port: first.path,
          pollMs,
          holdAlways: true,
          notice: (t) => ctx.note(`pumpctl: ${t}`),
        });
        await bridge.start();
        const dash = await startDashboard({ bridge, listen, port: httpPort });
        if (!isLoopback(listen))
          ctx.note(`pumpctl: WARNING: listening on ${listen}: anyone on that network who has the URL (with its token) can drive this pump. Use it on a lab network you trust, never on the internet.`);
        if (Object.keys(keys).length === 0) ctx.note('pumpctl: no role keys (--keys): the dashboard shows the pump and can stop it; bolus, programming and the rest need keys');
        ctx.result({ url: dash.url, port: dash.port, pump: first.path }, `Dashboard for ${first.path}:\n  ${dash.url}\nOpen it in a browser on this machine. Stop with Ctrl-C.`);
        await (ctx.io.interrupted ?? new Promise<void>(() => undefined));
        await dash.close();
        await bridge.close();
      }),
    );
};
