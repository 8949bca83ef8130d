// The programming UART in one of two modes: the native protocol (ProtocolLink) or the
// NE-1000-compatible one (Ne1000Machine), as the stored mode says. The mode is off (native)
// on a new board; the service role turns it on (the native MODE command), the board flag
// `--ne1000` does on the virtual board, and NATIVE (in NE mode) or the service button held at
// boot turns it off. Entering or leaving stops delivery: an NE-1000 starts stopped, and a
// native session starts from a pump that runs nothing an NE client asked for.

import type { PumpControl } from '../pump-control';
import type { Result } from '../../core/errors';
import { fail, ok, pumpError } from '../../core/errors';
import { reason } from '../../core/events';
import type { TimerHandle, TimerService } from '../../ports/timebase';
import type { RecordStore } from '../../storage/records';
import type { ProtocolLink } from '../link';
import { ControllerDelivery } from './delivery';
import { Ne1000Machine } from './machine';
import type { LinkMode } from './mode-record';
import { StoredNeMode } from './mode-record';
import { defaultSettings } from './settings';

/**
 * The service button held at boot: the native protocol again, stored, before the UART opens at
 * the NE mode's baud rate. A lab that lost track of the mode or its rate can always reach the
 * pump with the native protocol at the default speed. Returns whether the mode was on.
 */
export function nativeAtBoot(records: RecordStore): boolean {
  const stored = new StoredNeMode(records);
  if (stored.mode !== 'ne1000') return false;
  stored.setMode('native');
  return true;
}

/** The UART's speed at boot: the NE mode's stored baud rate (`{}`: the driver's default). */
export function storedNeBaud(records: RecordStore): { readonly baud?: number } {
  const stored = new StoredNeMode(records);
  return stored.mode === 'ne1000' ? { baud: stored.settings(defaultSettings(0)).baud } : {};
}

export interface RouterOptions {
  readonly controller: PumpControl;
  readonly link: ProtocolLink;
  readonly records: RecordStore;
  /** The controller's timer service: the safe-mode timeout runs on it (virtual time in tests). */
  readonly timer: TimerService;
  /** Raw bytes to the line (NE replies carry STX, ETX and CRC bytes). */
  readonly writeBytes: (bytes: Uint8Array) => void;
  /** The rig's firmware version, `major.minor...`: VER answers NE1000V<major>.<minor>. */
  readonly firmwareVersion: string;
}

export class SerialRouter {
  readonly #o: RouterOptions;
  readonly #stored: StoredNeMode;
  #machine: Ne1000Machine | undefined;
  #requested: LinkMode | undefined;
  #timer: TimerHandle | undefined;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#machine?.tick(this.#o.controller.now());
    this.#flush();
  };

  constructor(o: RouterOptions) {
    this.#o = o;
    this.#stored = new StoredNeMode(o.records);
    // The native MODE command (service role) asks through the link; the switch comes after its reply.
    o.link.modeRequest = (mode) => this.request(mode);
    if (this.#stored.mode === 'ne1000') this.#enter();
  }

  get mode(): LinkMode {
    return this.#machine ? 'ne1000' : 'native';
  }

  /** The NE machine while the mode is on (tests read its settings). */
  get machine(): Ne1000Machine | undefined {
    return this.#machine;
  }

  /** The line speed the mode wants (NE: the stored ADR baud), or undefined for the native one. */
  get baud(): number | undefined {
    return this.#machine?.settings.baud;
  }

  /** Bytes from the UART. */
  receive(bytes: Uint8Array): void {
    const m = this.#machine;
    if (m) {
      m.receive(bytes, this.#o.controller.now());
      this.#flush();
    } else {
      this.#o.link.receive(bytes);
    }
    this.#applyRequested();
  }

  /**
   * Switches the mode after the reply being written (the native MODE command, NATIVE): the
   * answer goes out in the protocol it was asked in.
   */
  request(mode: string): Result<{ mode: LinkMode }> {
    if (mode !== 'native' && mode !== 'ne1000') return fail(pumpError('FIELD_CHOICE', `mode "${mode}" is not native or ne1000`));
    this.#requested = mode;
    return ok({ mode });
  }

  /** Switches now (the board flag, the service button at boot) and stores the mode. */
  setMode(mode: LinkMode): void {
    this.#stored.setMode(mode);
    // (Again when already on: a boot that loaded a prescription must still start stopped.)
    if (mode === 'ne1000') this.#enter();
    if (mode === 'native' && this.#machine) this.#leave();
  }

  #applyRequested(): void {
    const r = this.#requested;
    this.#requested = undefined;
    if (r !== undefined) this.setMode(r);
  }

  #enter(): void {
    const c = this.#o.controller;
    const delivery = new ControllerDelivery(c);
    // An NE-1000 is stopped at power-up and when taken over: whatever ran before stops here.
    delivery.stop();
    const diameter = Math.round(c.pump.mechanics.syringe.innerDiameterUm);
    const [major = '0', minor = '0'] = this.#o.firmwareVersion.split('.');
    this.#machine = new Ne1000Machine(
      {
        delivery,
        settings: this.#stored.settings(defaultSettings(diameter)),
        version: `NE1000V${major}.${minor}`,
        saveSettings: (s) => this.#stored.saveSettings(s),
        leave: () => {
          // Logged as the native MODE command is (handlers.ts): who switched the line, and when.
          c.note('security', reason('LINK_MODE_SET', 'an NE-1000 client set the UART to native (NATIVE)'), { mode: 'native' });
          this.request('native');
        },
      },
      c.now(),
    );
    this.#arm();
  }

  #leave(): void {
    new ControllerDelivery(this.#o.controller).stop();
    this.#machine = undefined;
    this.#o.timer.clear(this.#timer);
    this.#timer = undefined;
  }

  #flush(): void {
    const m = this.#machine;
    if (!m) return;
    for (const bytes of m.take()) this.#o.writeBytes(bytes);
    this.#arm();
  }

  /** A timer for the safe-mode deadline, if one is armed. */
  #arm(): void {
    const { timer, controller } = this.#o;
    timer.clear(this.#timer);
    this.#timer = undefined;
    const deadline = this.#machine?.deadlineMs;
    if (deadline === undefined) return;
    this.#timer = timer.set(this.#onTimer, Math.max(1, deadline - controller.now()));
  }
}
