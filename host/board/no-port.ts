// `npm start -- --no-port`: the firmware on the virtual rig in this process, without a pty,
// state or devices: the board's console (console.ts) shows every event under the live status
// line, keys b and p act on the controller directly, and the run ends with a summary of what
// the firmware booked against what the rig pushed. Paced by pacer.ts as the board is. What
// reads the files (inputs.ts), the options (options.ts) and the errors are the board's.

import { formatError } from '../../firmware/core/errors';
import type { Mechanics } from '../../firmware/core/mechanics';
import { doseUg, MS_PER_SECOND } from '../../firmware/core/units';
import { shown } from '../json-file';
import type { VirtualPump } from '../sim/virtual-pump';
import { ConfigRefused, createVirtualPump } from '../sim/virtual-pump';
import { BoardConsole } from './console';
import type { BoardSnapshot } from './core';
import * as f from './format';
import type { BoardInputs } from './inputs';
import type { BoardCliOptions } from './options';
import { Pacer } from './pacer';
import { boardError } from '../errors/board';

export type NoPortEnd = 'done' | 'quit' | 'interrupted' | 'terminated' | 'hang-up';

/** Builds the virtual pump from checked inputs; a prescription the controller refuses is E853. */
function build(o: BoardCliOptions, inputs: BoardInputs): VirtualPump {
  try {
    return createVirtualPump({
      prescription: inputs.prescription,
      mechanics: inputs.mechanicsInput,
      library: inputs.library,
      reservoirNl: inputs.reservoirNl ?? inputs.mechanics.syringe.capacityNl,
      timeOfDayMs: o.timeOfDayMs,
      faults: o.faults,
      loadCell: o.loadCell,
      ...(o.seed !== undefined && { seed: o.seed }),
    });
  } catch (e) {
    if (e instanceof ConfigRefused) throw boardError('REFUSED', `the firmware refused the prescription in ${shown(o.files.prescription)}:\n  ${formatError(e.error)}`);
    throw e;
  }
}

/** One run without a pty, against the wall clock, until --for, q, Ctrl-C or a signal. */
export class NoPortRun {
  readonly #o: BoardCliOptions;
  readonly #pump: VirtualPump;
  readonly #mechanics: Mechanics;
  readonly #ui: BoardConsole;
  readonly #wallStart = performance.now();
  readonly #ended: (why: NoPortEnd) => void;
  #pacer: Pacer | undefined;
  #done = false;

  /** `ended` is called once, after the summary, when the run stops for `why`. */
  constructor(o: BoardCliOptions, inputs: BoardInputs, ended: (why: NoPortEnd) => void) {
    this.#o = o;
    this.#pump = build(o, inputs);
    this.#mechanics = inputs.mechanics;
    this.#ended = ended;
    this.#ui = new BoardConsole({ json: o.json, quiet: false, prescriptionFile: shown(o.files.prescription) });
  }

  get #snapshot(): BoardSnapshot {
    const p = this.#pump;
    return { nowMs: p.nowMs, status: p.controller.status(), todOffsetMs: p.controller.pump.todOffsetMs, rig: { pushedNl: p.rig.pushedNl, reservoirNl: p.rig.reservoirNl } };
  }

  start(keys: boolean, failed: (e: unknown) => void): void {
    this.#header(keys);
    if (this.#o.prime) {
      const primed = this.#pump.controller.prime();
      this.#ui.said({ command: 'prime', ok: primed.ok, text: primed.ok ? `priming started (bolus #${primed.value.bolusId})` : formatError(primed.error) });
    }
    this.#drainEvents();
    this.#ui.frame(this.#snapshot, true);
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
      frame: () => this.#ui.frame(this.#snapshot),
      finished: () => this.finish('done'),
      failed,
    });
    this.#pacer.start();
  }

  /** A key pressed on the console (s, the service button, needs the board's buttons). */
  key(k: 'bolus' | 'pause'): void {
    const c = this.#pump.controller;
    if (k === 'bolus') {
      const r = c.patientBolus();
      this.#ui.said({ command: 'bolus', ok: r.ok, text: r.ok ? `patient bolus #${r.value.bolusId} started` : formatError(r.error) });
    } else {
      const pausing = c.status().state === 'running';
      const r = pausing ? c.pause() : c.resume();
      this.#ui.said({ command: pausing ? 'pause' : 'resume', ok: r.ok, text: r.ok ? (pausing ? 'paused' : 'resumed') : formatError(r.error) });
    }
    this.#drainEvents();
    this.#ui.frame(this.#snapshot, true);
  }

  #drainEvents(): void {
    const events = this.#pump.events;
    if (events.length === 0) return;
    const snap = this.#snapshot;
    for (const e of events) this.#ui.event(e, snap);
    events.length = 0; // the pump's log is used as a queue so it does not grow for ever
  }

  #header(keys: boolean): void {
    const o = this.#o;
    const c = this.#pump.controller;
    const rx = c.pump.prescription!;
    const s = c.status();
    const until = o.forMs === undefined ? 'until Ctrl-C' : `for ${f.formatDuration(o.forMs)} simulated`;
    const files = { prescription: shown(o.files.prescription), mechanics: shown(o.files.mechanics), library: shown(o.files.library) };
    this.#ui.print(
      [
        'Intrathecal pump bench rig without a port: the firmware on the virtual rig (virtual clock, mock pins, ideal mechanics).',
        'A BENCH AND TEACHING RIG, NOT A MEDICAL DEVICE. Never connect it to a person or an animal.',
        `Prescription  ${rx.name} (${files.prescription})`,
        ...f.describePrescription(rx).map((l) => `              ${l}`),
        `Drug          ${rx.drug.name} ${rx.drug.concentrationUgPerMl} ug/mL (library ${files.library})`,
        `Syringe       ${f.describeSyringe(this.#mechanics)}`,
        `Reservoir     ${f.ml(s.reservoirNl)}`,
        `Run           x${o.speed} from ${f.clockAt(0, c.pump.todOffsetMs)} ${until}${keys ? '; keys: b bolus, p pause/resume, q quit' : ''}`,
        '',
      ],
      {
        kind: 'start',
        note: 'bench and teaching rig, not a medical device',
        speed: o.speed,
        forMs: o.forMs ?? null,
        timeOfDayMs: o.timeOfDayMs,
        files,
        prescription: rx,
        syringe: this.#mechanics.syringe,
        flPerMicrostep: this.#mechanics.flPerMicrostep,
        reservoirNl: s.reservoirNl,
      },
    );
  }

  /** Stops the pacer and prints the summary: the firmware's books against the rig's truth. */
  finish(why: NoPortEnd): void {
    if (this.#done) return;
    this.#done = true;
    void this.#pacer?.stop();
    this.#drainEvents();
    const s = this.#pump.controller.status();
    const rig = this.#pump.rig;
    const diffNl = rig.pushedNl - s.deliveredNl;
    const diffSteps = (diffNl * 1e6) / this.#mechanics.flPerMicrostep;
    const wallS = (performance.now() - this.#wallStart) / MS_PER_SECOND;
    const speed = Math.round(s.nowMs / 1e3 / wallS);
    const tod = this.#pump.controller.pump.todOffsetMs;
    this.#ui.print(
      [
        '',
        `Summary (${why}): ${f.formatElapsed(s.nowMs)} simulated in ${wallS.toFixed(1)} s wall (x${speed}), ending at ${f.clockAt(s.nowMs, tod)}, state ${s.state}${s.why ? ` (${s.why})` : ''}`,
        `  delivered (firmware)  ${f.ml(s.deliveredNl)}  ${f.mg(s.deliveredNl, s.concentrationUgPerMl)} ${s.drug ?? ''}`,
        `  pushed (rig truth)    ${f.ml(rig.pushedNl)}  rig - firmware ${(diffNl / 1e3).toFixed(3)} uL = ${diffSteps.toFixed(2)} microsteps (steps book at the next wake)`,
        `  reservoir             ${f.ml(s.reservoirNl)} (firmware), ${f.ml(rig.reservoirNl)} (rig)`,
      ],
      {
        kind: 'summary',
        why,
        simulatedMs: s.nowMs,
        elapsed: f.formatElapsed(s.nowMs),
        wallMs: Math.round(wallS * 1e3),
        achievedSpeed: speed,
        state: s.state,
        deliveredNl: s.deliveredNl,
        deliveredUg: doseUg(s.deliveredNl, s.concentrationUgPerMl),
        reservoirNl: s.reservoirNl,
        rigPushedNl: rig.pushedNl,
        rigReservoirNl: rig.reservoirNl,
        rigMinusFirmwareNl: Math.round(diffNl * 1e3) / 1e3,
        rigMinusFirmwareMicrosteps: Math.round(diffSteps * 1e3) / 1e3,
      },
    );
    this.#ended(why);
  }
}
