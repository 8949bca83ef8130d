// pumpctl ports: the serial ports on this machine (USB adapters and the virtual board).

import { existsSync, readdirSync } from 'node:fs';
import { type Register } from './register';

interface PortRow {
  readonly path: string;
  readonly description: string;
}

/** Device nodes that look like serial ports, when the binding cannot list (no udevadm). */
function scanDev(): PortRow[] {
  let names: string[] = [];
  try {
    names = readdirSync('/dev');
  } catch {
    return [];
  }
  return names.filter((n) => /^tty(USB|ACM)[0-9]+$/.test(n)).map((n) => ({ path: `/dev/${n}`, description: 'USB serial' }));
}

export const registerPorts: Register = (program, act) => {
  program
    .command('ports')
    .description('list serial ports (USB adapters; the virtual board when PUMP_PORT names it)')
    .action(
      act(async (ctx) => {
        let rows: PortRow[];
        try {
          const list = await ctx.binding().list();
          rows = list.map((p: { path: string; manufacturer?: string | undefined; serialNumber?: string | undefined; vendorId?: string | undefined; productId?: string | undefined }) => ({ path: p.path, description: [p.manufacturer, p.serialNumber, p.vendorId && `${p.vendorId}:${p.productId}`].filter(Boolean).join(' ') || 'serial port' }));
        } catch {
          // bindings-cpp lists through udevadm; without it, look at /dev ourselves.
          rows = scanDev();
        }
        const virtual = ctx.io.env['PUMP_PORT'];
        if (virtual && existsSync(virtual) && !rows.some((r) => r.path === virtual)) rows.push({ path: virtual, description: 'PUMP_PORT (for example the virtual board)' });
        ctx.result({ ports: rows }, rows.length ? rows.map((r) => `${r.path}  ${r.description}`).join('\n') : 'no serial ports found (plug the board in, or start the virtual board with npm start)');
      }),
    );
};
