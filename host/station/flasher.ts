// Flashing a board before it is identified (`pumpctl station --image DIR`), through the Node
// flasher of host/device (flashImage: esptool-js over the Web Serial adapter, ROM loader only,
// MD5 read-back of every part). flashImage never throws for a known failure: it returns a
// numbered DeviceProblem (E720-E727), which becomes the identify step's result here: the board's
// fault (the wrong chip, a flash that does not hold what was written) is a `fail`, a check that
// could not be done (no answer, a port that will not open, a link that broke) an `error`.
// flashImage reads no MAC, so a flashed board is recorded under the id given with --board id=.

import type { FlashOptions } from '../device/flasher';
import { flashImage } from '../device/flasher';
import { readImage } from '../device/image';
import type { WebSerialAdapter } from '../device/web-serial';
import { openSerialPort } from '../device/web-serial';
import type { StepResult } from './db';
import { stationError } from '../errors/station';
import type { DeviceErrorName, DeviceProblem } from '../errors/device';
import { DEVICE_ERRORS } from '../errors/device';

export type FlashReport =
  | { readonly ok: true; readonly chip: string; readonly parts: readonly { readonly name: string; readonly address: number; readonly bytes: number; readonly md5: string }[] }
  | { readonly ok: false; readonly result: StepResult; readonly problem: DeviceProblem; readonly text: string };

export interface Flasher {
  /** Flashes and verifies; resolves with what happened, never rejects for a known failure. */
  flash(o: { readonly port: string; readonly image: string; readonly onProgress?: (text: string) => void }): Promise<FlashReport>;
}

/** The board's fault is a fail; everything else means the flash could not be done (retry it). */
const BOARD_FAULTS: readonly DeviceErrorName[] = ['CHIP_WRONG', 'VERIFY_FAILED'];

export function stepResultOf(p: DeviceProblem): StepResult {
  return BOARD_FAULTS.includes(p.name) ? 'fail' : 'error';
}

/** `E724 CHIP_WRONG: detail`: one line for the steps table and the live table. */
export function problemText(p: DeviceProblem): string {
  return `E${DEVICE_ERRORS[p.name].code} ${p.name}: ${p.detail}`;
}

export interface FlasherOptions {
  /** Opens the board's serial port (default openSerialPort: @serialport/stream); tests give the ROM simulator. */
  readonly open?: (path: string) => WebSerialAdapter;
  /** Passed to flashImage (baud, noReset, attempts, timeoutScale). */
  readonly flash?: Omit<FlashOptions, 'progress' | 'onImage' | 'log'>;
}

export function createFlasher(o: FlasherOptions = {}): Flasher {
  const open = o.open ?? ((path: string) => openSerialPort(path));
  return {
    async flash({ port, image, onProgress }) {
      const names: string[] = [];
      let last = '';
      let r: Awaited<ReturnType<typeof flashImage>>;
      try {
        r = await flashImage(open(port), image, {
          ...o.flash,
          onImage: (img) => names.push(...img.parts.map((p) => p.name)),
          progress: (part, sent, total) => {
            const text = `flashing ${names[part] ?? `part ${part + 1}`} ${total === 0 ? 100 : Math.floor((100 * sent) / total)} %`;
            if (text !== last) {
              last = text;
              onProgress?.(text);
            }
          },
        });
      } catch (e) {
        // Not a known failure (flashImage returns those): an opener that threw, a bug. Still the board's record, as an error.
        r = { name: 'FLASH_FAILED' as const, detail: e instanceof Error ? e.message : String(e) };
      }
      if ('name' in r) return { ok: false, result: stepResultOf(r), problem: r, text: problemText(r) };
      return { ok: true, chip: r.chip, parts: r.verified };
    },
  };
}

/**
 * The image checked once before any board is touched: a folder that is not a flashable image
 * (E720-E722) would fail every board the same way, so it stops the station (E778) instead.
 */
export function checkImage(dir: string): void {
  const img = readImage(dir);
  if ('name' in img) throw stationError('IMAGE', `--image ${dir}: ${problemText(img)}`);
}
