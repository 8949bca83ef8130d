// The Moddable SDK's native digests (modules/crypt/digest/crypt.js over modCrypt.c and the
// kcl C sources) and its HMAC (modules/crypt/etc/hmac.js, which imports "bin"), as far as
// firmware/drivers/digest-native.ts uses them. Names and argument types read from SDK 8.2.3:
// `write` takes a string, an ArrayBuffer or a view; `close` returns an ArrayBuffer.

declare module 'crypt' {
  export class Digest {
    /** "SHA256", "SHA1", "MD5", ... (gDigests in modCrypt.c); unknown names throw. */
    constructor(type: string);
    write(data: ArrayBuffer | ArrayBufferView | string): void;
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
  }
}

declare module 'hmac' {
  import { type Digest } from 'crypt';
  export default class HMAC {
    /** `h` is used (reset and written) by the HMAC from then on: give it a Digest of its own. */
    constructor(h: Digest, key: ArrayBuffer | ArrayBufferView, bitlen?: number);
    update(...data: (ArrayBuffer | ArrayBufferView | string)[]): void;
    reset(): void;
    close(): ArrayBuffer;
  }
}
