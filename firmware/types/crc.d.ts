// The Moddable SDK's table-driven CRCs in C (modules/data/crc: crc.js over crc.c), as far as
// firmware/drivers/crc-native.ts uses them. Read from SDK 8.2.3: `checksum` takes an ArrayBuffer
// or a view (xsmcGetBufferReadable) and carries on from the last value; `reset` goes back to
// the initial value given to the constructor.

declare module 'crc' {
  export class CRC16 {
    constructor(polynomial: number, initial?: number, reflectInput?: boolean, reflectOutput?: boolean, xorOutput?: number);
    checksum(buffer: ArrayBuffer | ArrayBufferView): number;
    reset(): void;
    close(): void;
  }
}
