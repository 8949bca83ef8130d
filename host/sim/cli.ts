// The standalone simulator (`npm start -- --no-port`, or `npx tsx host/sim/cli.ts`): the
// firmware on the virtual rig, in real time times a speed-up, with a live status line, each
// event as it happens, and single-key commands on a terminal, without a serial port (the
// virtual board, host/board/main.ts, is `npm start` itself). The virtual clock is paced by
// host/board/pacer.ts; the sim modules themselves stay Node-free.

import { formatError, type PumpError } from '../../firmware/core/errors';
import { type PumpEvent } from '../../firmware/core/events';
import { readLibrary } from '../../firmware/core/library';
import { type Mechanics, readMechanics } from '../../firmware/core/mechanics';
import { doseUg, MS_PER_HOUR, MS_PER_SECOND, mlToNl } from '../../firmware/core/units';
import * as f from './cli-format';
import { CliError, EXIT, FRAME_MS, HELP, type Options, readOptions, STATUS_WALL_S } from './cli-format';
import { Pacer } from '../board/pacer';
import { ConfigRefused, createVirtualPump, type VirtualPump } from './virtual-pump';
import { readJsonFile, shown } from '../json-file';

function loadJson(what: string, file: string): unknown {
  const r = readJsonFile(what, file);
  if (r.ok) return r.value;
  throw new CliError(EXIT.file, r.message);
}

const refused = (what: string, file: string, error: PumpError): CliError => new CliError(EXIT.refused, `the firmware refused the ${what} in ${shown(file)}:\n  ${formatError(error)}`);

/** Checks the inputs with the firmware's own readers and builds the virtual pump. */
function build(o: Options): { pump: VirtualPump; mechanics: Mechanics } {
  const input = { prescription: loadJson('prescription', o.files.prescription), mechanics: loadJson('mechanics', o.files.mechanics), library: loadJson('library', o.files.library) };
  const mechanics = readMechanics(input.mechanics);
  if (!mechanics.ok) throw refused('mechanics', o.files.mechanics, mechanics.error);
  const library = readLibrary(input.library);
  if (!library.ok) throw refused('drug library', o.files.library, library.error);
  const capacityNl = mechanics.value.syringe.capacityNl;
  const reservoirNl = o.reservoirMl === undefined ? capacityNl : mlToNl(o.reservoirMl);
  if (reservoirNl > capacityNl) throw new CliError(EXIT.usage, `--reservoir-ml ${o.reservoirMl} is more than the ${mechanics.value.syringe.name} syringe holds (${f.ml(capacityNl)}).`);
  try {
    return { pump: createVirtualPump({ ...input, reservoirNl, timeOfDayMs: o.timeOfDayMs, faults: o.faults, loadCell: o.loadCell }), mechanics: mechanics.value };
  } catch (e) {
    if (e instanceof ConfigRefused) throw refused('prescription', o.files.prescription, e.error);
    throw e;
  }
}

/** Runs the pump against the wall clock until --for, q, Ctrl-C or SIGINT. */
class Session {
  readonly #o: Options;
  readonly #pump: VirtualPump;
  readonly #mechanics: Mechanics;
  readonly #tty = process.stdout.isTTY === true && process.env['TERM'] !== 'dumb';
  readonly #wallStart = performance.now();
  #pacer: Pacer | undefined;
  #lastDraw = -Infinity;
  #lastPlain = { wall: -Infinity, sim: -Infinity };
  #lineShown = false;
  #done = false;

  constructor(o: Options, built: { pump: VirtualPump; mechanics: Mechanics }) {
    this.#o = o;
    this.#pump = built.pump;
    this.#mechanics = built.mechanics;
  }

  start(): void {
    this.#header();
    if (this.#o.prime) {
      const primed = this.#pump.controller.prime();
      this.#say('prime', primed.ok ? `priming started (bolus #${primed.value.bolusId})` : formatError(primed.error), primed.ok ? undefined : primed.error);
    }
    this.#drainEvents();
    this.#showStatus(true);
    process.on('SIGINT', () => this.finish('interrupted'));
    process.on('SIGTERM', () => this.finish('terminated'));
    if (process.stdin.isTTY) this.#listenForKeys();
    // Virtual time against the wall clock (host/board/pacer.ts, shared with the virtual board).
    const pump = this.#pump;
    this.#pacer = new Pacer({
      speed: this.#o.speed,
      startMs: pump.nowMs,
      ...(this.#o.forMs !== undefined && { untilMs: this.#o.forMs }),
      nowMs: () => pump.nowMs,
      step: async (toMs) => {
        pump.runFor(toMs - pump.nowMs);
        this.#drainEvents();
      },
      frame: () => this.#showStatus(false),
      finished: () => this.finish('done'),
      failed: (e) => {
        process.stderr.write(`npm start: internal error: ${(e as Error).stack ?? String(e)}\n`);
        process.exit(EXIT.internal);
      },
    });
    this.#pacer.start();
  }

  #drainEvents(): void {
    const events = this.#pump.events;
    if (events.length === 0) return;
    for (const e of events) this.#event(e);
    events.length = 0; // the pump's log is used as a queue so it does not grow for ever
  }

  #event(e: PumpEvent): void {
    const tod = f.clockAt(e.at, this.#pump.controller.pump.todOffsetMs);
    if (this.#o.json) return this.#out(JSON.stringify({ kind: 'event', elapsed: f.formatElapsed(e.at), timeOfDay: tod, ...e }));
    this.#out(f.formatEvent(e, this.#pump.controller.pump.todOffsetMs));
  }

  #showStatus(force: boolean): void {
    const now = performance.now();
    const s = this.#pump.controller.status();
    const rig = { pushedNl: this.#pump.rig.pushedNl, reservoirNl: this.#pump.rig.reservoirNl };
    if (this.#tty && !this.#o.json) {
      if (!force && now - this.#lastDraw < FRAME_MS && this.#lineShown) return;
      this.#lastDraw = now;
      const width = (process.stdout.columns || 120) - 1;
      process.stdout.write(`\r\x1b[2K${f.fitParts(f.statusParts(s, rig, this.#pump.controller.pump.todOffsetMs), width)}`);
      this.#lineShown = true;
      return;
    }
    const last = this.#lastPlain;
    if (!force && (s.nowMs - last.sim < MS_PER_HOUR || now - last.wall < STATUS_WALL_S * MS_PER_SECOND)) return;
    this.#lastPlain = { wall: now, sim: s.nowMs };
    if (this.#o.json) this.#out(JSON.stringify({ kind: 'status', elapsed: f.formatElapsed(s.nowMs), ...s, rigPushedNl: rig.pushedNl, rigReservoirNl: rig.reservoirNl }));
    else this.#out(`status ${f.fitParts(f.statusParts(s, rig, this.#pump.controller.pump.todOffsetMs), Infinity)}`);
  }

  /** Prints a line above the status line (which the next draw puts back). */
  #out(line: string): void {
    if (this.#lineShown) process.stdout.write('\r\x1b[2K');
    this.#lineShown = false;
    process.stdout.write(`${line}\n`);
  }

  #say(command: string, text: string, error?: PumpError): void {
    if (this.#o.json) this.#out(JSON.stringify({ kind: 'command', command, ok: error === undefined, text, ...(error && { error }) }));
    else this.#out(`> ${command}: ${text}`);
  }

  #header(): void {
    const c = this.#pump.controller;
    const rx = c.pump.prescription!;
    const s = c.status();
    const o = this.#o;
    const until = o.forMs === undefined ? 'until Ctrl-C' : `for ${f.formatDuration(o.forMs)} simulated`;
    if (o.json) {
      this.#out(
        JSON.stringify({
          kind: 'start',
          note: 'bench and teaching rig, not a medical device',
          speed: o.speed,
          forMs: o.forMs ?? null,
          timeOfDayMs: o.timeOfDayMs,
          files: { prescription: shown(o.files.prescription), mechanics: shown(o.files.mechanics), library: shown(o.files.library) },
          prescription: rx,
          syringe: this.#mechanics.syringe,
          flPerMicrostep: this.#mechanics.flPerMicrostep,
          reservoirNl: s.reservoirNl,
        }),
      );
      return;
    }
    const lines = [
      'Intrathecal pump bench rig: the firmware on the virtual rig (virtual clock, mock pins, ideal mechanics).',
      'A BENCH AND TEACHING RIG, NOT A MEDICAL DEVICE. Never connect it to a person or an animal.',
      `Prescription  ${rx.name} (${shown(o.files.prescription)})`,
      ...f.describePrescription(rx).map((l) => `              ${l}`),
      `Drug          ${rx.drug.name} ${rx.drug.concentrationUgPerMl} ug/mL (library ${shown(o.files.library)})`,
      `Syringe       ${f.describeSyringe(this.#mechanics)}`,
      `Reservoir     ${f.ml(s.reservoirNl)}`,
      `Run           x${o.speed} from ${f.clockAt(0, c.pump.todOffsetMs)} ${until}${process.stdin.isTTY ? '; keys: b bolus, p pause/resume, q quit' : ''}`,
      '',
    ];
    for (const l of lines) this.#out(l);
  }

  #listenForKeys(): void {
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', (key: string) => {
      const c = this.#pump.controller;
      if (key === 'q' || key === '\u0003') return this.finish(key === 'q' ? 'quit' : 'interrupted');
      if (key === 'b') {
        const r = c.patientBolus();
        this.#say('bolus', r.ok ? `patient bolus #${r.value.bolusId} started` : formatError(r.error), r.ok ? undefined : r.error);
      } else if (key === 'p') {
        const pausing = c.status().state === 'running';
        const r = pausing ? c.pause() : c.resume();
        this.#say(pausing ? 'pause' : 'resume', r.ok ? (pausing ? 'paused' : 'resumed') : formatError(r.error), r.ok ? undefined : r.error);
      } else return;
      this.#drainEvents();
      this.#showStatus(true);
    });
  }

  finish(why: 'done' | 'quit' | 'interrupted' | 'terminated'): void {
    if (this.#done) return;
    this.#done = true;
    void this.#pacer?.stop();
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    this.#drainEvents();
    const s = this.#pump.controller.status();
    const rig = this.#pump.rig;
    const diffNl = rig.pushedNl - s.deliveredNl;
    const diffSteps = (diffNl * 1e6) / this.#mechanics.flPerMicrostep;
    const wallS = (performance.now() - this.#wallStart) / MS_PER_SECOND;
    if (this.#o.json) {
      this.#out(
        JSON.stringify({
          kind: 'summary',
          why,
          simulatedMs: s.nowMs,
          elapsed: f.formatElapsed(s.nowMs),
          wallMs: Math.round(wallS * 1e3),
          achievedSpeed: Math.round(s.nowMs / 1e3 / wallS),
          state: s.state,
          deliveredNl: s.deliveredNl,
          deliveredUg: doseUg(s.deliveredNl, s.concentrationUgPerMl),
          reservoirNl: s.reservoirNl,
          rigPushedNl: rig.pushedNl,
          rigReservoirNl: rig.reservoirNl,
          rigMinusFirmwareNl: Math.round(diffNl * 1e3) / 1e3,
          rigMinusFirmwareMicrosteps: Math.round(diffSteps * 1e3) / 1e3,
        }),
      );
    } else {
      this.#out('');
      this.#out(
        `Summary (${why}): ${f.formatElapsed(s.nowMs)} simulated in ${wallS.toFixed(1)} s wall (x${Math.round(s.nowMs / 1e3 / wallS)}), ending at ${f.clockAt(s.nowMs, this.#pump.controller.pump.todOffsetMs)}, state ${s.state}${s.why ? ` (${s.why})` : ''}`,
      );
      this.#out(`  delivered (firmware)  ${f.ml(s.deliveredNl)}  ${f.mg(s.deliveredNl, s.concentrationUgPerMl)} ${s.drug ?? ''}`);
      this.#out(`  pushed (rig truth)    ${f.ml(rig.pushedNl)}  rig - firmware ${(diffNl / 1e3).toFixed(3)} uL = ${diffSteps.toFixed(2)} microsteps (steps book at the next wake)`);
      this.#out(`  reservoir             ${f.ml(s.reservoirNl)} (firmware), ${f.ml(rig.reservoirNl)} (rig)`);
    }
    process.exitCode = EXIT.ok;
  }
}

function main(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    throw e;
  });
  try {
    const options = readOptions(process.argv.slice(2));
    if (options === 'help') return void process.stdout.write(HELP);
    new Session(options, build(options)).start();
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`npm start: ${e.message}\n`);
      if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ kind: 'error', exitCode: e.exitCode, message: e.message })}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`npm start: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = EXIT.internal;
  }
}

main();
