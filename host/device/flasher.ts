// `npm run flash -- --image DIR`: writes an already built image (image.ts) to a board with
// esptool-js from Node, so a tester needs neither ESP-IDF nor the Moddable SDK.
//
// It talks to the chip's ROM loader directly and does not upload esptool's stub flasher: the
// ROM has every command a write needs (SPI_ATTACH, FLASH_DEFL_*, SPI_FLASH_MD5, CHANGE_BAUDRATE),
// the stub only makes large writes faster. So esptool-js's main() (which always runs the stub)
// is not used; the steps below are its connect, chip detection, baud change and writeFlash.
// Verify: after each part, SPI_FLASH_MD5 over the written range against the MD5 of the bytes
// sent. esptool-js's own calculateMD5Hash check is not used because in ROM mode it compares a
// hex string against the hex of the ROM's ASCII answer, which never matches.

import { createHash } from 'node:crypto';
import type { IEspLoaderTerminal } from 'esptool-js';
import { ESPError, ESPLoader, Transport } from 'esptool-js';
import type { FlashImage } from './image';
import { readImage } from './image';
import type { WebSerialAdapter } from './web-serial';
import type { DeviceProblem } from '../errors/device';

export interface FlashOptions {
  /** Baud rate after connecting (the ROM starts at 115200). Default 921600. */
  readonly baud?: number;
  /** Board already in its downloader (BOOT held), or a pty: do not pulse DTR/RTS. */
  readonly noReset?: boolean;
  /** Connection attempts (each: up to 5 SYNCs). Default 7, as esptool. */
  readonly attempts?: number;
  /** Called as bytes go out: part index (into the image's parts), bytes sent, bytes to send. */
  readonly progress?: (part: number, sent: number, total: number) => void;
  /** Called once the image is read and checked, before connecting. */
  readonly onImage?: (image: FlashImage) => void;
  /**
   * Multiplies every response timeout esptool-js keeps (3 s per command, per MB for erase,
   * write and MD5). Wall-clock timeouts are the tool's and a real chip's; a long USB hub chain or
   * a test machine under load (where the ROM simulator shares the event loop) wants more. Default 1.
   */
  readonly timeoutScale?: number;
  /** esptool-js's own log lines (Connecting..., Chip is ...). */
  readonly log?: (line: string) => void;
}

export interface FlashResult {
  readonly chip: string;
  readonly image: FlashImage;
  /** Each part's address, length and the MD5 both sides agreed on. */
  readonly verified: readonly { readonly name: string; readonly address: number; readonly bytes: number; readonly md5: string }[];
}

const padTo4 = (d: Uint8Array): Uint8Array => {
  if (d.length % 4 === 0) return d;
  const out = new Uint8Array(d.length + (4 - (d.length % 4))).fill(0xff);
  out.set(d);
  return out;
};

/**
 * Flashes the image in `dir` to the chip behind `port` and verifies it. Never throws for a
 * known failure: returns the numbered problem (host/errors/device.ts, E720-E727) instead.
 */
export async function flashImage(port: WebSerialAdapter, dir: string, options: FlashOptions = {}): Promise<FlashResult | DeviceProblem> {
  const image = readImage(dir);
  if ('name' in image) return image;
  options.onImage?.(image);
  const log = options.log ?? (() => {});
  let line = '';
  const terminal: IEspLoaderTerminal = {
    clean: () => {},
    write: (t) => (line += t),
    writeLine: (t) => {
      log(`${line}${t}`.trim());
      line = '';
    },
  };
  const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  const baud = options.baud ?? 921600;
  const loader = new ESPLoader({ transport, baudrate: baud, romBaudrate: 115200, terminal, debugLogging: false });
  const scale = options.timeoutScale ?? 1;
  if (scale !== 1) {
    loader.DEFAULT_TIMEOUT *= scale;
    loader.ERASE_REGION_TIMEOUT_PER_MB *= scale;
    loader.ERASE_WRITE_TIMEOUT_PER_MB *= scale;
    loader.MD5_TIMEOUT_PER_MB *= scale;
  }
  const mode = options.noReset === true ? 'no_reset' : 'default_reset';
  let stage = 'connect';
  try {
    try {
      await loader.connect(mode, options.attempts ?? 7, true);
    } catch (e) {
      if (e instanceof Error && (e.name === 'UnexpectedChipMagicError' || e.name === 'UnexpectedChipIdError'))
        return { name: 'CHIP_WRONG', detail: `${e.message}; the image is for ${image.chipName}` };
      if (e instanceof Error && /open|Permission|ENOENT|EACCES|EBUSY/i.test(e.message) && !(e instanceof ESPError)) return { name: 'PORT_FAILED', detail: e.message };
      return { name: 'CHIP_SILENT', detail: e instanceof Error ? e.message : String(e) };
    }
    const chip = loader.chip.CHIP_NAME;
    if (loader.chip.IMAGE_CHIP_ID !== image.chipId) {
      return { name: 'CHIP_WRONG', detail: `the board is an ${chip}, the image is for ${image.chipName}` };
    }
    stage = 'attach the SPI flash';
    await loader.flashSpiAttach(0);
    if (baud !== 115200) {
      stage = `change to ${baud} baud`;
      await loader.changeBaud();
    }
    const verified: FlashResult['verified'][number][] = [];
    for (let i = 0; i < image.parts.length; i++) {
      const part = image.parts[i]!;
      stage = `write ${part.file} at 0x${part.address.toString(16)}`;
      // keep/keep/keep: the bootloader header stays as built (esptool-js would otherwise patch it).
      await loader.writeFlash({
        fileArray: [{ data: part.data, address: part.address }],
        flashMode: 'keep',
        flashFreq: 'keep',
        flashSize: 'keep',
        eraseAll: false,
        compress: true,
        reportProgress: (_f, sent, total) => options.progress?.(i, sent, total),
      });
      stage = `verify ${part.file}`;
      const padded = padTo4(part.data);
      const want = createHash('md5').update(padded).digest('hex');
      const got = await flashMd5(loader, part.address, padded.length);
      if (got !== want) {
        return { name: 'VERIFY_FAILED', detail: `${part.file} at 0x${part.address.toString(16)}: flash MD5 ${got}, image MD5 ${want}` };
      }
      verified.push({ name: part.name, address: part.address, bytes: padded.length, md5: want });
    }
    stage = 'leave the loader';
    // Leave the ROM's compressed-write mode without rebooting, then reset through RTS where the
    // port has modem lines; a pty (or --no-reset) leaves the board in its downloader: tap EN.
    await loader.flashDeflFinish(false);
    if (options.noReset !== true) await loader.after('hard_reset');
    return { chip, image, verified };
  } catch (e) {
    return { name: 'FLASH_FAILED', detail: `could not ${stage}: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    await transport.disconnect().catch(() => {});
    await port.release();
  }
}

/** SPI_FLASH_MD5 as the ROM answers it: 32 ASCII hex digits then the status bytes. */
async function flashMd5(loader: ESPLoader, address: number, size: number): Promise<string> {
  const word = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  const pkt = Uint8Array.from([...word(address), ...word(size), ...word(0), ...word(0)]);
  const timeout = Math.max(loader.DEFAULT_TIMEOUT, (loader.MD5_TIMEOUT_PER_MB * size) / 1e6);
  const res = (await loader.checkCommand('calculate md5sum', loader.ESP_SPI_FLASH_MD5, pkt, 0, 32, timeout)) as Uint8Array;
  return new TextDecoder().decode(res);
}
