// pumpctl ports: the serial ports on this machine (USB adapters, the virtual board's ptys, and
// PUMP_PORT), and why a list may be short: the serial binding names USB adapters through
// udev's udevadm; without it only /dev is scanned, and the output says so.

import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LINK } from '../../board/options';
import type { Register } from './register';

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
  return names.filter((n) => /^tty(USB|ACM)[0-9]+$/.test(n)).map((n) => ({ path: `/dev/${n}`, description: 'USB serial (found in /dev; no name without udevadm)' }));
}

const VIRTUAL: Readonly<Record<string, string>> = {
  ttyPUMP: 'the virtual board (npm start)',
  ttyBALANCE: "the virtual board's lab balance (npm start -- --balance)",
  ttySTOPCOCK: "the virtual board's stopcock (npm start -- --stopcock)",
};

/** The links a running virtual board keeps in its directory (a stale link to a gone pty is skipped). */
function virtualBoards(dir: string): PortRow[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^tty[A-Z]+$/.test(n) && existsSync(join(dir, n)))
    .sort()
    .map((n) => {
      let device = '';
      try {
        device = ` (now ${realpathSync(join(dir, n))})`;
      } catch {
        // Gone between the two calls: still listed, without its device.
      }
      return { path: join(dir, n), description: `${VIRTUAL[n] ?? 'a virtual device'}${device}` };
    });
}

export const registerPorts: Register = (program, act) => {
  program
    .command('ports')
    .description('list serial ports: USB adapters, the virtual board, PUMP_PORT')
    .action(
      act(async (ctx) => {
        let rows: PortRow[];
        const notes: string[] = [];
        try {
          const list = await ctx.binding().list();
          rows = list.map((p: { path: string; manufacturer?: string | undefined; serialNumber?: string | undefined; vendorId?: string | undefined; productId?: string | undefined }) => ({
            path: p.path,
            description: [p.manufacturer, p.serialNumber, p.vendorId && `${p.vendorId}:${p.productId}`].filter(Boolean).join(' ') || 'serial port',
          }));
        } catch (e) {
          // bindings-cpp lists through udevadm; without it, look at /dev ourselves and say why.
          const why = (e as Error).message;
          const missing = /udevadm|ENOENT/.test(why);
          notes.push(
            missing
              ? `udevadm is missing (${why}): USB adapters are listed from /dev without their names; install udev (sudo apt-get install udev) for the full list`
              : `the serial binding could not list ports (${why}): USB adapters are listed from /dev only`,
          );
          rows = scanDev();
        }
        for (const r of virtualBoards(ctx.io.rigDir ?? join(DEFAULT_LINK, '..'))) if (!rows.some((x) => x.path === r.path)) rows.push(r);
        const chosen = ctx.io.env['PUMP_PORT'];
        if (chosen && existsSync(chosen) && !rows.some((r) => r.path === chosen)) rows.push({ path: chosen, description: 'PUMP_PORT' });
        const text = rows.length ? rows.map((r) => `${r.path}  ${r.description}`) : ['no serial ports found (plug the board in, or start the virtual board with npm start)'];
        ctx.result({ ports: rows, notes }, [...text, ...notes.map((n) => `note: ${n}`)].join('\n'));
      }),
    );
};
