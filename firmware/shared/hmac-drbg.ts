// HMAC_DRBG with SHA-256 (NIST SP 800-90A Rev. 1, section 10.1.2), over an injected HMAC so
// that the device runs it on the SDK's native digest and the host tests on @noble/hashes.
// It stretches one seed from the hardware entropy source into every nonce and session id the
// protocol needs: the ESP32's source borrows the SAR ADC the battery reads, so it is read once
// at boot rather than at every HELLO (firmware/drivers/entropy-device.ts). Pure: no clock, no IO.

/** HMAC-SHA-256: 32 bytes. */
export type HmacSha256 = (key: Uint8Array, data: Uint8Array) => Uint8Array;

const OUT = 32;
/** SP 800-90A's reseed_interval for HMAC_DRBG is up to 2^48; far beyond any bench run. */
const MAX_BYTES_PER_REQUEST = 65_536 / 8;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const BYTE_0 = Uint8Array.of(0);
const BYTE_1 = Uint8Array.of(1);

export class HmacDrbg {
  readonly #hmac: HmacSha256;
  #k: Uint8Array = new Uint8Array(OUT);
  #v: Uint8Array = new Uint8Array(OUT).fill(1);

  /** Instantiate: seed = entropy input || nonce || personalization string. */
  constructor(hmac: HmacSha256, seed: Uint8Array) {
    this.#hmac = hmac;
    this.#update(seed);
  }

  /** HMAC_DRBG_Update (10.1.2.2). */
  #update(data: Uint8Array): void {
    this.#k = this.#hmac(this.#k, concat([this.#v, BYTE_0, data]));
    this.#v = this.#hmac(this.#k, this.#v);
    if (data.length === 0) return;
    this.#k = this.#hmac(this.#k, concat([this.#v, BYTE_1, data]));
    this.#v = this.#hmac(this.#k, this.#v);
  }

  /** Reseed (10.1.2.4): fresh entropy input || additional input. */
  reseed(entropy: Uint8Array, additional: Uint8Array = new Uint8Array(0)): void {
    this.#update(concat([entropy, additional]));
  }

  /** Generate (10.1.2.5): `n` bytes; `additional` (may be empty) is mixed in before and after. */
  generate(n: number, additional: Uint8Array = new Uint8Array(0)): Uint8Array {
    if (!(Number.isInteger(n) && n >= 0 && n <= MAX_BYTES_PER_REQUEST)) throw new RangeError(`HMAC_DRBG: ${n} bytes asked, at most ${MAX_BYTES_PER_REQUEST} per request`);
    if (additional.length > 0) this.#update(additional);
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += OUT) {
      this.#v = this.#hmac(this.#k, this.#v);
      out.set(this.#v.subarray(0, Math.min(OUT, n - at)), at);
    }
    this.#update(additional);
    return out;
  }
}
