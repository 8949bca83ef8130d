// What the three balance emulators share: collecting command bytes into lines, the fault
// switches (silent, garbled), and formatting a virtual reading as decimal grams. Pure.

import { LineSplitter } from '../serial/line-splitter';
import { countsToDecimal } from './units';
import type { VirtualBalance, VirtualReading } from './virtual-balance';

/** The emulators' command buffer, in characters: a balance's is small, and commands are short. */
export const COMMAND_MAX = 256;

/**
 * Collects received bytes into commands ended by CR, LF or CR LF: the host's own splitter. A
 * longer command is cut at COMMAND_MAX and the rest dropped; the emulator answers the cut head
 * as a command it cannot read.
 */
export function commandLines(): LineSplitter {
  return new LineSplitter(COMMAND_MAX);
}

/** Absolute value of a reading in grams as text ("12.3456"), and its sign. */
export function grams(r: VirtualReading): { readonly negative: boolean; readonly value: string } {
  return { negative: r.counts < 0, value: countsToDecimal(Math.abs(r.counts), r.gramDecimals) };
}

/** Applies the balance's wire faults to a reply: silence, or a corrupted line. */
export function onWire(balance: VirtualBalance, reply: string): string {
  if (reply === '' || balance.notAnswering) return '';
  if (balance.garbleReplies > 0) {
    balance.garbleReplies--;
    // A baud-rate mismatch turns text into high-bit noise; keep the line ending so it is one line.
    return `${reply.replace(/[^\r\n]/g, (c) => String.fromCharCode((c.charCodeAt(0) * 7 + 129) & 0xff)).replace(/[\r\n]+$/, '')}\r\n`;
  }
  return reply;
}

/** A request the balance answers later (a stable reading it is waiting for). */
export interface Pending {
  readonly command: string;
  readonly deadlineMs: number;
}

/** Continuous output every `everyMs` (MT-SICS SIR, Ohaus CP): the times still to send by `nowMs`. */
export class Repeater {
  #nextMs: number | undefined;
  readonly everyMs: number;
  constructor(everyMs: number) {
    this.everyMs = everyMs;
  }
  start(nowMs: number): void {
    this.#nextMs = nowMs;
  }
  stop(): void {
    this.#nextMs = undefined;
  }
  get running(): boolean {
    return this.#nextMs !== undefined;
  }
  /** How many lines are due by `nowMs` (at most `max`: a slow reader sees the latest ones). */
  due(nowMs: number, max = 20): number {
    if (this.#nextMs === undefined || nowMs < this.#nextMs) return 0;
    const n = Math.floor((nowMs - this.#nextMs) / this.everyMs) + 1;
    this.#nextMs += n * this.everyMs;
    return Math.min(n, max);
  }
}
