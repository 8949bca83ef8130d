// `npm run flash -- --image DIR --port PATH`: the terminal side of flasher.ts. A progress bar
// redrawn in place on a terminal, whole lines (every 10 %) when the output is a file or a CI
// log, and the numbered error with what to do when something fails.

import { flashImage } from './flasher';
import type { WebSerialAdapter } from './web-serial';
import { openSerialPort } from './web-serial';
import { EXIT } from '../errors';
import type { DeviceProblem } from '../errors/device';
import { DEVICE_ERRORS, formatDeviceProblem } from '../errors/device';

export interface FlashCliIo {
  out(text: string): void;
  err(text: string): void;
  /** Writes without a newline (the bar's \r redraws); absent when the output is not a terminal. */
  tty?: ((text: string) => void) | undefined;
}

export interface FlashCliOptions {
  readonly image: string;
  readonly port: string | undefined;
  readonly baud?: number | undefined;
  readonly noReset?: boolean | undefined;
  /** Connection attempts (flasher.ts; default 7, as esptool): tests of a silent port use 1. */
  readonly attempts?: number | undefined;
}

/** One progress rendering: `[#####-----]  50% application 0x10000` for a terminal, lines otherwise. */
export function progressRenderer(io: FlashCliIo, names: readonly string[]): (part: number, sent: number, total: number) => void {
  let lastDecile = -1;
  let lastPart = -1;
  return (part, sent, total) => {
    const pct = total === 0 ? 100 : Math.floor((100 * sent) / total);
    if (part !== lastPart) {
      lastPart = part;
      lastDecile = -1;
    }
    if (io.tty !== undefined) {
      const filled = Math.round(pct / 5);
      io.tty(`\r[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${String(pct).padStart(3)}% ${names[part] ?? ''}${sent === total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(pct / 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      io.out(`${names[part] ?? `part ${part}`}: ${pct}% (${sent} of ${total} bytes sent)`);
    }
  };
}

/** The whole `flash --image` command; returns the exit code. */
export async function runFlashImage(options: FlashCliOptions, io: FlashCliIo, open: (path: string) => WebSerialAdapter = openSerialPort): Promise<number> {
  const fail = (p: DeviceProblem): number => {
    io.err(formatDeviceProblem(p));
    return EXIT[DEVICE_ERRORS[p.name].exit];
  };
  if (options.port === undefined) return fail({ name: 'ARGUMENT', detail: '--image needs --port <serial device>' });
  const names: string[] = [];
  const render = progressRenderer(io, names);
  const r = await flashImage(open(options.port), options.image, {
    ...(options.baud !== undefined && { baud: options.baud }),
    noReset: options.noReset === true,
    ...(options.attempts !== undefined && { attempts: options.attempts }),
    log: (l) => io.out(l),
    progress: (part, sent, total) => render(part, sent, total),
    onImage: (img) => names.push(...img.parts.map((p) => `${p.file} at 0x${p.address.toString(16)}`)),
  });
  if ('name' in r) return fail(r);
  for (const v of r.verified) io.out(`verified ${v.name} at 0x${v.address.toString(16)}: ${v.bytes} bytes, MD5 ${v.md5}`);
  io.out(`${r.chip} flashed from ${options.image}.${options.noReset === true ? ' Tap EN (RST) to start the firmware.' : ''}`);
  return 0;
}
