/// <reference path="../types/crc.d.ts" />
// CRC-16 in C on the device: the Moddable SDK's table-driven CRC16 (module "crc",
// modules/data/crc). Every frame in and every reply out is checksummed; in interpreted JS that
// was about 1 000 x86-64 instructions a byte, a third of a signed command's cost
// (docs/performance.md). main.ts hands it to firmware/shared/crc.ts (useNativeCrc16);
// host/lin/digest-check.ts checks it against the catalogue's check values in x-cli-lin.

import { CRC16 } from 'crc';
import type { Crc16Native } from '../shared/crc';

// One instance per initial value the firmware uses: CCITT-FALSE (frames, records) and XMODEM
// (the NE-1000 safe mode). Poly 0x1021, no reflection, no final XOR.
const CCITT_FALSE = new CRC16(0x1021, 0xffff, false, false, 0);
const XMODEM = new CRC16(0x1021, 0, false, false, 0);

export const nativeCrc16: Crc16Native = (bytes, init) => {
  const crc = init === 0xffff ? CCITT_FALSE : init === 0 ? XMODEM : undefined;
  if (crc === undefined) return undefined;
  // checksum() carries on from the previous call: start from the initial value each time.
  crc.reset();
  return crc.checksum(bytes);
};
