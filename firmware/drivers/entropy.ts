// Random bytes for the protocol's nonces and session ids. This draws on `Math.random`, which
// is not a cryptographic source: whether XS seeds it from the ESP32's hardware RNG is not
// verified here. A small native module over esp_fill_random() is the right source; until it
// exists, nonces are unpredictable only as far as Math.random is. (Noted in docs/protocol.md.)

import { type Entropy } from '../ports/auth';

export const mathRandomEntropy: Entropy = {
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256) & 0xff;
    return out;
  },
};
