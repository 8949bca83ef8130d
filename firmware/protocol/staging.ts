// Two-phase programming: a prescription's JSON arrives in chunks, is checked and read back
// (its CRC-32, soft-limit warnings, and which fields differ from the running one), and runs
// only when COMMIT names that CRC. Nothing half-sent, corrupt or different can be committed.

import type { ProgramFlags } from '../core/checks';
import type { Result } from '../core/errors';
import { fail, ok, pumpError } from '../core/errors';
import type { Pump } from '../core/pump';
import { crc32Hex } from '../shared/crc';
import { asciiText } from '../shared/hex';

export interface StagedCheck {
  readonly crc32: string;
  readonly warnings: readonly string[];
  /** Top-level fields that differ from the running prescription (all of them if none runs). */
  readonly diff: readonly string[];
  /**
   * What COMMIT will want besides the CRC, so a programmer can say so before it asks anyone:
   * `soft` when a soft limit is passed (the warnings say which), `big` with the pump's own
   * E124 text when the dose is ten or more times its reference.
   */
  readonly needs: { readonly soft: boolean; readonly big: string | undefined };
}

export class Staging {
  #bytes: Uint8Array | undefined;
  #have = 0;
  #crc = '';

  begin(bytes: number, crc32: string): Result<true> {
    this.#bytes = new Uint8Array(bytes);
    this.#have = 0;
    this.#crc = crc32;
    return ok(true);
  }

  chunk(offset: number, data: Uint8Array): Result<{ have: number }> {
    const buf = this.#bytes;
    if (!buf) return fail(pumpError('NOT_STAGED', 'nothing is being staged: send STAGE first'));
    if (offset !== this.#have) return fail(pumpError('STAGE_INCOMPLETE', `the next chunk starts at ${this.#have}, not ${offset}`, 'offset'));
    if (offset + data.length > buf.length) return fail(pumpError('STAGE_INCOMPLETE', `the chunk runs past the ${buf.length} bytes announced`, 'data'));
    buf.set(data, offset);
    this.#have += data.length;
    return ok({ have: this.#have });
  }

  /** The staged JSON, once complete and matching its announced CRC-32. */
  #json(): Result<unknown> {
    const buf = this.#bytes;
    if (!buf) return fail(pumpError('NOT_STAGED', 'nothing is staged: send STAGE and CHUNK first'));
    if (this.#have !== buf.length) return fail(pumpError('STAGE_INCOMPLETE', `${this.#have} of ${buf.length} bytes are staged`));
    const crc = crc32Hex(buf);
    if (crc !== this.#crc) return fail(pumpError('STAGE_INCOMPLETE', `the staged bytes have CRC-32 ${crc}, not the ${this.#crc} announced: stage again`));
    try {
      return ok(JSON.parse(asciiText(buf)) as unknown);
    } catch {
      return fail(pumpError('FIELD_TYPE', 'the staged text is not JSON'));
    }
  }

  /** Checks the staged prescription as COMMIT would, without running it. */
  show(pump: Pick<Pump, 'prescription' | 'check'>, flags: ProgramFlags = {}): Result<StagedCheck> {
    const json = this.#json();
    if (!json.ok) return json;
    const running = pump.prescription;
    // The pump's own check: the reservoir's contents too (a mismatch is an error, not a diff).
    const checked = pump.check(json.value, { overrideSoftLimits: true, confirmLargeIncrease: true, ...flags });
    if (!checked.ok) return checked;
    const staged = checked.value.prescription as unknown as Record<string, unknown>;
    const now = (running ?? {}) as unknown as Record<string, unknown>;
    const keys = new Set([...Object.keys(staged), ...Object.keys(now)]);
    const diff = [...keys].filter((k) => JSON.stringify(staged[k]) !== JSON.stringify(now[k]));
    // The same check without the ten-fold confirmation: its refusal is what COMMIT would say.
    const unconfirmed = flags.confirmLargeIncrease === true ? ok(true) : pump.check(json.value, { overrideSoftLimits: true, confirmLargeIncrease: false });
    const big = !unconfirmed.ok && unconfirmed.error.name === 'LARGE_INCREASE' ? unconfirmed.error.message : undefined;
    return ok({ crc32: this.#crc, warnings: checked.value.warnings, diff, needs: { soft: checked.value.warnings.length > 0, big } });
  }

  /** The staged JSON if `crc32` names it: the caller commits it through the controller. */
  committable(crc32: string): Result<unknown> {
    const json = this.#json();
    if (!json.ok) return json;
    if (crc32 !== this.#crc) return fail(pumpError('NOT_STAGED', `COMMIT names ${crc32} but the staged prescription is ${this.#crc}`, 'crc32'));
    return json;
  }

  clear(): void {
    this.#bytes = undefined;
  }
}
