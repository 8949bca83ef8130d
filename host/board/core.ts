// The virtual board's firmware side, engine-neutral: the virtual pump booted from NVS and flash
// images (MockKeyValueStore, MockFlash), the protocol link with its keys in NVS, and the
// operations the host drives it by: bytes in, virtual time forward, a console key, images out.
// No Node APIs: the same module runs on Node and, bundled, inside the XS engine
// (host/xs/board-entry.ts), so the two engines give the same replies.

import type { PumpError } from '../../firmware/core/errors';
import type { PumpEvent } from '../../firmware/core/events';
import { readPrescription } from '../../firmware/core/prescription';
import type { PumpStatus } from '../../firmware/core/status';
import type { Auth, Entropy, Role } from '../../firmware/protocol/auth';
import { ROLES } from '../../firmware/protocol/auth';
import { hmacSha256 } from '../protocol/digest-noble';
import type { LineTransport } from '../../firmware/app/assemble';
import { servicePinAtBoot } from '../../firmware/app/security';
import { nobleDigest } from '../protocol/digest-noble';
import type { ProtocolLink } from '../../firmware/protocol/link';
import { bytesToHex, hexToBytes } from '../../firmware/shared/hex';
import type { SerialRouter } from '../../firmware/protocol/ne1000/router';
import type { FlashPartition } from '../../firmware/ports/flash';
import type { KeyValueStore } from '../../firmware/ports/kv-store';
import { parseRig } from '../sim/population';
import type { VirtualPump } from '../sim/virtual-pump';
import { ConfigRefused, createVirtualPump } from '../sim/virtual-pump';
import { MockFlash } from '../storage/flash-mock';
import { MockKeyValueStore } from '../storage/kv-mock';
import type { ImageSink } from './image-writes';

/** The device's log partition: 128 KB of 4 KB blocks (firmware/app/partitions.csv). */
export const FLASH_BYTES = 128 * 1024;
export const FLASH_BLOCK = 4096;

export interface BoardCoreOptions {
  /** What a new board boots with (the firmware's own defaults on a device). */
  readonly defaults: { readonly mechanics: unknown; readonly library: unknown; readonly prescription: unknown };
  /** A prescription given explicitly: committed at boot when the stored one differs. */
  readonly program?: unknown;
  readonly reservoirNl?: number;
  readonly timeOfDayMs: number;
  readonly faults: readonly string[];
  readonly loadCell: boolean;
  /** Seed of the rig's noise. */
  readonly seed: number;
  /** 64 hex digits from the host's random source: the board's entropy (nonces, session ids). */
  readonly entropyHex: string;
  /** The NVS image: key -> value as hex. */
  readonly nvs?: Readonly<Record<string, string>>;
  /** Role keys (hex) to install: always (--keys FILE), or only where NVS has none. */
  readonly keys?: Partial<Record<Role, string>>;
  readonly keysMode?: 'always' | 'if-missing';
  /** How long the service button keeps the provisioning window open, in virtual ms. */
  readonly provisioningWindowMs: number;
  /** Virtual ms to run before the first byte (a board that has been running a while). */
  readonly advanceMs?: number;
  /** Turn the NE-1000-compatible mode on (`--ne1000`): stored, as the service role would. */
  readonly ne1000?: boolean;
  /** `--rig`: one rig of the population (host/sim/population.ts parseRig), its seed replacing `seed`. */
  readonly rig?: string;
}

/** What the console shows after each step. */
export interface BoardSnapshot {
  readonly nowMs: number;
  readonly status: PumpStatus;
  readonly todOffsetMs: number;
  readonly rig: { readonly pushedNl: number; readonly reservoirNl: number };
}

/** The result of every operation: the bytes for the pty, and what changed. */
export interface StepResult {
  /** Text for the serial line (replies and event lines, LF-terminated). */
  readonly out: string;
  /** Events the firmware published since the last step (for the console). */
  readonly events: PumpEvent[];
  readonly snapshot: BoardSnapshot;
  /**
   * Without a sink: the NVS image when it changed (save it before sending `out`: NVS commits
   * first). With one, always undefined: every write is in the image already.
   */
  readonly nvs: Record<string, string> | undefined;
  /** Without a sink: the flash log changed since the last `flashImage()`. */
  readonly flashDirty: boolean;
}

export type KeyCommand = 'bolus' | 'pause' | 'service';

export type BoardCoreStart = { readonly ok: true; readonly core: BoardCore } | { readonly ok: false; readonly what: 'prescription' | 'mechanics' | 'library'; readonly error: PumpError };

/**
 * NVS with every key remembered, so the whole store can be saved as an image. With a sink,
 * every write reaches the image before it returns (write-through, as NVS on the device);
 * without one, `dirty` asks the host to save the whole image.
 */
class ImagedKv implements KeyValueStore {
  readonly mock = new MockKeyValueStore();
  readonly keys = new Set<string>();
  dirty = false;
  sink: ImageSink | undefined;
  read(key: string): Uint8Array | undefined {
    return this.mock.read(key);
  }
  write(key: string, value: Uint8Array): void {
    this.mock.write(key, value);
    this.keys.add(key);
    if (this.sink) this.sink.write({ kind: 'nvs', key, value });
    else this.dirty = true;
  }
  image(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of [...this.keys].sort()) out[k] = bytesToHex(this.mock.read(k)!);
    return out;
  }
}

/**
 * The flash mock, with every program and erase passed to the sink before it returns
 * (write-through, as a NOR flash is); without a sink, noting whether anything changed since
 * the last image.
 */
class ImagedFlash implements FlashPartition {
  readonly mock: MockFlash;
  dirty = false;
  sink: ImageSink | undefined;
  constructor(image: Uint8Array | undefined) {
    this.mock = new MockFlash(FLASH_BYTES, FLASH_BLOCK);
    if (image && image.length === FLASH_BYTES) this.mock.poke(0, image);
  }
  get byteLength(): number {
    return this.mock.byteLength;
  }
  get blockSize(): number {
    return this.mock.blockSize;
  }
  read(offset: number, length: number): Uint8Array {
    return this.mock.read(offset, length);
  }
  write(offset: number, data: Uint8Array): void {
    this.mock.write(offset, data);
    if (this.sink) this.sink.write({ kind: 'flash', offset, data });
    else this.dirty = true;
  }
  eraseBlock(block: number): void {
    this.mock.eraseBlock(block);
    if (this.sink) this.sink.write({ kind: 'erase', block });
    else this.dirty = true;
  }
}

/** A deterministic generator from the host's seed: HMAC-SHA256(seed, counter), as a DRBG. */
function seededEntropy(seedHex: string): Entropy {
  const seed = hexToBytes(seedHex) ?? new Uint8Array(32);
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return {
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (pool.length === 0) pool = hmacSha256(seed, `board-entropy-${counter++}`);
        out[i] = pool[0]!;
        pool = pool.subarray(1);
      }
      return out;
    },
  };
}

/**
 * The board's serial line without a UART: what the firmware sends collects here until the
 * host takes it for the pty (text and NE-1000's raw bytes alike, in order).
 */
class CollectedLine implements LineTransport {
  onBytes: ((bytes: Uint8Array) => void) | undefined = undefined;
  #chunks: string[] = [];
  write(text: string): void {
    this.#chunks.push(text);
  }
  writeBytes(bytes: Uint8Array): void {
    this.#chunks.push(String.fromCharCode(...bytes));
  }
  take(): string {
    const out = this.#chunks.join('');
    this.#chunks = [];
    return out;
  }
}

export class BoardCore {
  readonly pump: VirtualPump;
  readonly link: ProtocolLink;
  /** The UART's mode: the native link, or the NE-1000 machine (docs/ne1000.md). */
  readonly serial: SerialRouter;
  readonly auth: Auth;
  readonly #kv: ImagedKv;
  readonly #flash: ImagedFlash;
  readonly #provisioningMs: number;
  readonly #line: CollectedLine;
  /** Keys generated or installed at this boot (hex), for the host to write to keys.json. */
  readonly installedKeys: Partial<Record<Role, string>> = {};

  private constructor(pump: VirtualPump, line: CollectedLine, kv: ImagedKv, flash: ImagedFlash, o: BoardCoreOptions) {
    this.pump = pump;
    this.#line = line;
    this.#kv = kv;
    this.#flash = flash;
    this.#provisioningMs = o.provisioningWindowMs;
    // AUTH (failures are security events, the lockout kept in NVS), the link and the NE-1000
    // router, wired by the firmware's own composition root (firmware/app/assemble.ts).
    const { auth, keys, link, router } = pump.programming!;
    this.auth = auth;
    this.link = link;
    this.serial = router;
    for (const role of ROLES) {
      const hex = o.keys?.[role];
      if (hex === undefined) continue;
      if (o.keysMode === 'always' ? bytesToHex(keys.get(role) ?? new Uint8Array(0)) !== hex : keys.get(role) === undefined) {
        keys.set(role, hexToBytes(hex)!);
        this.installedKeys[role] = hex;
      }
    }
  }

  /**
   * Boots the board from its images; a configuration the firmware refuses is reported, not
   * thrown. With `sink`, every NVS and flash write from the boot on is written through to it.
   */
  static start(o: BoardCoreOptions, flashImage?: Uint8Array, sink?: ImageSink): BoardCoreStart {
    const kv = new ImagedKv();
    for (const [k, hex] of Object.entries(o.nvs ?? {})) {
      const bytes = hexToBytes(hex);
      if (bytes) kv.write(k, bytes);
    }
    kv.dirty = false;
    kv.sink = sink;
    const flash = new ImagedFlash(flashImage);
    flash.sink = sink;
    const line = new CollectedLine();
    let pump: VirtualPump;
    const rig = o.rig === undefined ? undefined : parseRig(o.rig);
    if (rig && !rig.ok) throw new RangeError(`--rig: ${rig.message}`);
    try {
      pump = createVirtualPump({
        ...o.defaults,
        ...(o.reservoirNl !== undefined && { reservoirNl: o.reservoirNl }),
        timeOfDayMs: o.timeOfDayMs,
        faults: o.faults,
        loadCell: o.loadCell,
        seed: o.seed,
        ...(rig?.ok && rig.rig.options),
        storage: kv,
        flash,
        programming: { entropy: seededEntropy(o.entropyHex), digest: nobleDigest, transport: line },
      });
    } catch (e) {
      if (e instanceof ConfigRefused) return { ok: false, what: 'prescription', error: e.error };
      throw e;
    }
    const core = new BoardCore(pump, line, kv, flash, o);
    // A new board stores what it booted with, as if programmed: a later start without the
    // files (or with other defaults) boots the same prescription and mechanics, as a device
    // would. The hooks are persistence's own (the records it writes on COMMIT and MECH).
    const stored = (name: string): boolean => [...kv.keys].some((k) => k.startsWith(`${name}.`));
    const hooks = pump.controller.hooks;
    if (!stored('mech')) hooks.mechanicsSet?.(o.defaults.mechanics);
    if (!stored('rx') && pump.controller.pump.prescription) hooks.programmed?.(o.defaults.prescription);
    if (o.program !== undefined) {
      const wanted = readPrescription(o.program);
      if (!wanted.ok) return { ok: false, what: 'prescription', error: wanted.error };
      const running = pump.controller.pump.prescription;
      if (JSON.stringify(running) !== JSON.stringify(wanted.value)) {
        // A file for another drug or concentration: the bench operator loaded the syringe with
        // it, so the board records that refill first (paused, as the firmware requires), with
        // the volume it holds; the firmware then checks the program as any other.
        const c = pump.controller;
        const held = c.pump.reservoir.held;
        const drug = wanted.value.drug;
        if (held && (held.drug !== drug.name || held.concentrationUgPerMl !== drug.concentrationUgPerMl)) {
          if (c.pump.state === 'running') c.pause();
          const left = c.pump.accounting.reservoirNl;
          const refilled = c.refill(left, { removedNl: left, concentrationUgPerMl: drug.concentrationUgPerMl, drug: drug.name });
          if (!refilled.ok) return { ok: false, what: 'prescription', error: refilled.error };
        }
        const r = pump.controller.program(o.program);
        if (!r.ok) return { ok: false, what: 'prescription', error: r.error };
      }
    }
    if (o.ne1000) core.serial.setMode('ne1000');
    if (o.advanceMs) pump.runFor(o.advanceMs);
    return { ok: true, core };
  }

  /** The bytes a host sent, at the current virtual time. */
  receive(bytes: Uint8Array): StepResult {
    this.serial.receive(bytes);
    return this.#result();
  }

  /** Runs virtual time forward to `toMs` (since boot). */
  runTo(toMs: number): StepResult {
    const ms = toMs - this.pump.nowMs;
    if (ms > 0) this.pump.runFor(ms);
    return this.#result();
  }

  /** A key pressed at the board's console: a patient bolus, pause/resume, or the service button. */
  key(k: KeyCommand): StepResult & { readonly said: { command: string; ok: boolean; text: string } } {
    const c = this.pump.controller;
    let said: { command: string; ok: boolean; text: string };
    if (k === 'bolus') {
      const r = c.patientBolus();
      said = { command: 'bolus', ok: r.ok, text: r.ok ? `patient bolus #${r.value.bolusId} started` : `E${r.error.code} ${r.error.message}` };
    } else if (k === 'pause') {
      const pausing = c.status().state === 'running';
      const r = pausing ? c.pause() : c.resume();
      said = { command: pausing ? 'pause' : 'resume', ok: r.ok, text: r.ok ? (pausing ? 'paused' : 'resumed') : `E${r.error.code} ${r.error.message}` };
    } else {
      // The service button held as at a boot (firmware/app/assemble.ts): keys may be set without a
      // session for a while, and an AUTH lockout is cleared. The press also acknowledges
      // alarms, as on the device after boot.
      const locked = this.auth.failures > 0;
      servicePinAtBoot(this.auth, c, this.#provisioningMs);
      if (c.pump.alarms.list().length > 0) c.acknowledge();
      said = {
        command: 'service',
        ok: true,
        text: `service button: provisioning window open for ${Math.round(this.#provisioningMs / 1000)} virtual s (keys may be set without a session); ${locked ? 'AUTH lockout cleared; ' : ''}active alarms acknowledged`,
      };
    }
    return { ...this.#result(), said };
  }

  snapshot(): BoardSnapshot {
    const c = this.pump.controller;
    return { nowMs: this.pump.nowMs, status: c.status(), todOffsetMs: c.pump.todOffsetMs, rig: { pushedNl: this.pump.rig.pushedNl, reservoirNl: this.pump.rig.reservoirNl } };
  }

  /** The whole NVS image (hex values). */
  nvsImage(): Record<string, string> {
    this.#kv.dirty = false;
    return this.#kv.image();
  }

  /** A copy of the flash partition; clears its dirty mark. */
  flashImage(): Uint8Array {
    this.#flash.dirty = false;
    return this.#flash.mock.snapshot();
  }

  /** An orderly power-off: the next boot finds a clean shutdown. */
  shutdown(): StepResult {
    this.pump.persistence?.shutdown();
    return this.#result();
  }

  #result(): StepResult {
    // CRLF, as the device sends it (firmware/app/assemble.ts).
    const out = this.#line.take();
    // The pump's event list is a queue here (boot events included), so it does not grow.
    const events = this.pump.events.splice(0);
    const nvs = this.#kv.dirty ? this.nvsImage() : undefined;
    return { out, events, snapshot: this.snapshot(), nvs, flashDirty: this.#flash.dirty };
  }
}
