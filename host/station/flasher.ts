// Flashing before a board is identified (`pumpctl station --image FILE`). The Node flasher
// (esptool-js, host/device/) is being written separately; the station asks only this much of
// it, and finds it at run time, so the station builds and runs without it. Until it exists,
// --image is refused with E774 and the board is flashed with `npm run flash` first.

export interface FlashResult {
  /** The chip's factory MAC, "aa:bb:cc:dd:ee:ff": the board's stable id. */
  readonly chipMac: string;
}

export interface Flasher {
  flash(o: { readonly port: string; readonly image: string; readonly onProgress?: (fraction: number) => void }): Promise<FlashResult>;
}

/** The module the device flasher is expected at, and the function it exports. */
export const FLASHER_MODULE = '../device/node-flasher';

/** The Node flasher if this build has one, else undefined. */
export async function findFlasher(load: (m: string) => Promise<unknown> = (m) => import(m)): Promise<Flasher | undefined> {
  try {
    const mod = (await load(FLASHER_MODULE)) as { createFlasher?: () => Flasher };
    return typeof mod.createFlasher === 'function' ? mod.createFlasher() : undefined;
  } catch {
    return undefined;
  }
}
