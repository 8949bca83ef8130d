// A motorised downstream stopcock on a serial line, for the occlusion test on the virtual
// board (`pumpctl occlusion-test --stopcock PATH`): lines CLOSE and OPEN answer OK once done,
// STATE answers CLOSED or OPEN, anything else ERR. The callbacks act on the line model (the
// board's wiring: occlude / release the virtual line at that instant). Pure, no Node APIs.

import type { SerialDevice } from '../serial/device';
import { commandLines } from './virtual-common';

export interface StopcockActions {
  close(nowMs: number): void;
  open(nowMs: number): void;
}

export class VirtualStopcock implements SerialDevice {
  readonly #actions: StopcockActions;
  readonly #lines = commandLines();
  #closed = false;

  constructor(actions: StopcockActions) {
    this.#actions = actions;
  }

  get closed(): boolean {
    return this.#closed;
  }

  receive(text: string, nowMs: number): string {
    let out = '';
    for (const line of this.#lines.push(text)) out += `${this.#command(line.trim().toUpperCase(), nowMs)}\r\n`;
    return out;
  }

  #command(cmd: string, nowMs: number): string {
    switch (cmd) {
      case 'CLOSE':
        // Closing a closed stopcock is harmless and answered the same: a resent command is safe.
        if (!this.#closed) this.#actions.close(nowMs);
        this.#closed = true;
        return 'OK';
      case 'OPEN':
        if (this.#closed) this.#actions.open(nowMs);
        this.#closed = false;
        return 'OK';
      case 'STATE':
        return this.#closed ? 'CLOSED' : 'OPEN';
      default:
        return `ERR unknown command ${JSON.stringify(cmd)} (CLOSE, OPEN, STATE)`;
    }
  }
}
