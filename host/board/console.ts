// The virtual board's console, with a pty and without (--no-port): a header saying where to
// connect and how, then every firmware event as it happens under a live status line
// (rewritten in place on a terminal, printed every simulated hour or few wall seconds
// otherwise), or JSON lines (--json), or only the ready line and key answers (--quiet).
// Formatting is format.ts's.

import type { PumpEvent } from '../../firmware/core/events';
import { MS_PER_HOUR, MS_PER_SECOND } from '../../firmware/core/units';
import * as f from './format';
import type { BoardListener, VirtualBoard } from './board';
import { BAUD } from './board';
import type { BoardSnapshot } from './core';
import { FRAME_MS } from './pacer';
import type { HostError } from '../errors';

export interface ConsoleOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Where the prescription came from, for the header. */
  readonly prescriptionFile: string;
}

/** The one machine-readable line a parent process waits for. */
export interface ReadyLine {
  readonly kind: 'ready';
  /** Connect here (the stable link). */
  readonly path: string;
  /** The pty it points to now. */
  readonly device: string;
  readonly keys: string;
  readonly keysGenerated: boolean;
  readonly state: string;
  readonly engine: string;
  readonly speed: number;
  /** wall or manual (--clock). */
  readonly clock: string;
  /** With --clock manual: the Unix socket that moves board time ("advance 30s" -> "OK <ms>"), else null. */
  readonly clockSocket: string | null;
  readonly pid: number;
  readonly socatPids: number[];
  readonly devices: Record<string, string>;
  readonly nowMs: number;
  readonly baud: number;
}

export function readyLine(b: VirtualBoard): ReadyLine {
  return {
    kind: 'ready',
    path: b.link,
    device: b.device,
    keys: b.keysFile,
    keysGenerated: b.keysGenerated,
    state: b.state.dir,
    engine: b.engine.name,
    speed: b.options.speed,
    clock: b.manualClock ? 'manual' : 'wall',
    clockSocket: b.clockSocket ?? null,
    pid: process.pid,
    socatPids: b.socatPids,
    devices: Object.fromEntries(b.devices.map((d) => [d.name, d.link])),
    nowMs: b.snapshot.nowMs,
    baud: BAUD,
  };
}

export class BoardConsole implements BoardListener {
  readonly #o: ConsoleOptions;
  readonly #tty = process.stdout.isTTY === true && process.env['TERM'] !== 'dumb';
  #lineShown = false;
  #lastDraw = -Infinity;
  #lastPlain = { wall: -Infinity, sim: -Infinity };
  #ready = false;

  constructor(o: ConsoleOptions) {
    this.#o = o;
  }

  /** Prints the header (or the ready line): the board is up and the port is there. */
  ready(b: VirtualBoard, keysHint: boolean): void {
    if (this.#o.json || this.#o.quiet) {
      this.#out(JSON.stringify(readyLine(b)));
      this.#ready = true;
      return;
    }
    const s = b.snapshot.status;
    const rx = s.prescription ?? 'none';
    const keys = b.keysFile;
    const lines = [
      `Virtual pump board: firmware on the ${b.engine.name === 'xs' ? 'XS engine (as on the ESP32)' : 'Node engine'}, virtual rig, ${b.manualClock ? 'manual clock' : b.options.speed === 0 ? 'clock standing still' : `x${b.options.speed} real time`}.`,
      'A BENCH AND TEACHING RIG, NOT A MEDICAL DEVICE. Never connect it to a person or an animal.',
      `Serial port   ${b.link}  (now ${b.device}; ${BAUD} baud: a pty ignores the rate)`,
      `Role keys     ${keys}${b.keysGenerated ? ' (new keys generated for this board)' : ''}`,
      `State         ${b.state.dir} (NVS and flash images: a restart boots from them)`,
      `Prescription  ${rx}${this.#o.prescriptionFile ? ` (${this.#o.prescriptionFile})` : ''}`,
      ...b.devices.filter((d) => d.name !== 'pump').map((d) => `Device        ${d.name} at ${d.link} (now ${d.device})`),
      ...(b.clockSocket ? [`Clock         ${b.clockSocket} (manual: time moves only on "advance 30s" or "to MS" here, e.g. echo "advance 1h" | socat - UNIX-CONNECT:${b.clockSocket})`] : []),
      '',
      'Connect from another terminal:',
      `  npm run pumpctl -- --port ${b.link} --keys ${keys} status      (or bin/pumpctl ...)`,
      `  picocom -b ${BAUD} ${b.link}     (type STATUS and Enter; Ctrl-A Ctrl-X leaves)`,
      `  screen ${b.link} ${BAUD}          (Ctrl-A k leaves)`,
      keysHint ? 'Keys here: b patient bolus, p pause/resume, s service button, q quit.' : 'Stop with Ctrl-C (or SIGTERM).',
      '',
    ];
    for (const l of lines) this.#out(l);
    this.#ready = true;
    this.frame(b.snapshot, true);
  }

  /**
   * A header or summary of its own (--no-port has no port to announce): `machine` as one JSON
   * line with --json or --quiet, else `human` line by line. Events and status follow it.
   */
  print(human: readonly string[], machine: object): void {
    if (this.#o.json || this.#o.quiet) this.#out(JSON.stringify(machine));
    else for (const l of human) this.#out(l);
    this.#ready = true;
  }

  event(e: PumpEvent, snap: BoardSnapshot): void {
    if (this.#o.quiet || !this.#ready) return;
    if (this.#o.json) {
      this.#out(JSON.stringify({ kind: 'event', elapsed: f.formatElapsed(e.at), timeOfDay: f.clockAt(e.at, snap.todOffsetMs), ...e }));
      return;
    }
    this.#out(f.formatEvent(e, snap.todOffsetMs));
  }

  said(s: { command: string; ok: boolean; text: string }): void {
    // Also with --quiet: a parent that pressed a key through stdin waits for this line.
    if (this.#o.json || this.#o.quiet) {
      this.#out(JSON.stringify({ kind: 'command', ...s }));
      return;
    }
    this.#out(`> ${s.command}: ${s.text}`);
  }

  failed(e: HostError): void {
    this.note(e.text);
  }

  note(text: string): void {
    if (this.#o.json || this.#o.quiet) process.stderr.write(`${text}\n`);
    else this.#out(text);
  }

  frame(snap: BoardSnapshot, force = false): void {
    if (this.#o.quiet || !this.#ready) return;
    const now = performance.now();
    const s = snap.status;
    if (this.#tty && !this.#o.json) {
      if (!force && now - this.#lastDraw < FRAME_MS && this.#lineShown) return;
      this.#lastDraw = now;
      const width = (process.stdout.columns || 120) - 1;
      process.stdout.write(`\r\x1b[2K${f.fitParts(f.statusParts(s, snap.rig, snap.todOffsetMs), width)}`);
      this.#lineShown = true;
      return;
    }
    const last = this.#lastPlain;
    if (!force && (s.nowMs - last.sim < MS_PER_HOUR || now - last.wall < f.STATUS_WALL_S * MS_PER_SECOND)) return;
    this.#lastPlain = { wall: now, sim: s.nowMs };
    if (this.#o.json) this.#out(JSON.stringify({ kind: 'status', elapsed: f.formatElapsed(s.nowMs), ...s, rigPushedNl: snap.rig.pushedNl, rigReservoirNl: snap.rig.reservoirNl }));
    else this.#out(`status ${f.fitParts(f.statusParts(s, snap.rig, snap.todOffsetMs), Infinity)}`);
  }

  stopped(why: string, snap: BoardSnapshot, exitCode: number): void {
    if (this.#o.quiet) return;
    const s = snap.status;
    if (this.#o.json) {
      this.#out(JSON.stringify({ kind: 'stopped', why, exitCode, nowMs: s.nowMs, state: s.state, deliveredNl: s.deliveredNl, reservoirNl: s.reservoirNl, rigPushedNl: snap.rig.pushedNl }));
      return;
    }
    this.#out('');
    this.#out(
      `Board stopped (${why}) after ${f.formatElapsed(s.nowMs)} virtual: state ${s.state}, delivered ${f.ml(s.deliveredNl)}, reservoir ${f.ml(s.reservoirNl)}. State saved; the next start boots from it.`,
    );
  }

  /** Prints a line above the status line (which the next draw puts back). */
  #out(line: string): void {
    if (this.#lineShown) process.stdout.write('\r\x1b[2K');
    this.#lineShown = false;
    process.stdout.write(`${line}\n`);
  }
}
