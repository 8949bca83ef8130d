// Globals that XS gives the host code it runs (the XS parity entries here, and host/lin's
// entries), type-checked by tsconfig.xs.json under the firmware's settings, where ES2022's lib
// does not declare them: xsnap's worker and the Moddable SDK's Linux host both have the WHATWG
// TextEncoder and TextDecoder, UTF-8 only. The firmware does not use them.
//
// A .d.mts, not a .d.ts, on purpose: tsconfig.json's `host/**/*.ts` does not take it in, so
// these do not clash with Node's declarations of the same names in the host's own check.

declare global {
  class TextEncoder {
    readonly encoding: 'utf-8';
    encode(input?: string): Uint8Array<ArrayBuffer>;
  }

  class TextDecoder {
    constructor(label?: 'utf-8', options?: { fatal?: boolean; ignoreBOM?: boolean });
    readonly encoding: 'utf-8';
    decode(input?: ArrayBufferView | ArrayBufferLike): string;
  }
}

export {};
