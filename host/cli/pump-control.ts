// The accuracy procedures' PumpControl and Scheduler for pumpctl: a pump over its serial
// protocol (a PumpSession) and real time, with Ctrl-C as an AbortSignal. The procedures in
// host/accuracy/ only see these interfaces; tests give a virtual clock through Io.clock.

import library from '../../firmware/app/examples/library.example.json';
import type { AccuracyPrescription, PumpAlarm, PumpControl, PumpSnapshot, Scheduler } from '../accuracy/interfaces';
import type { DriverClock } from '../balance/types';
import { readRunning, stage } from './commands/program';
import { alarmViews, statusView } from './commands/status';
import type { Context } from './context';
import type { FullReply, PumpSession } from './session';
import { BoardRestarted, retrying } from './session';
import { HostError } from '../errors';
import { cliError } from '../errors/pumpctl';

/** The drug an accuracy prescription names: water on a bench rig. */
export interface BenchDrug {
  readonly name: string;
  readonly concentrationUgPerMl: number;
}

/** The example library's bench drug (water), for a pump with nothing running. */
export const BENCH_DRUG: BenchDrug = { name: library.drugs[0]!.name, concentrationUgPerMl: library.drugs[0]!.concentrationsUgPerMl[0]! };

/** The drug of the running prescription (the pump's library surely knows it), else the bench drug. */
export function drugOf(running: unknown): BenchDrug {
  const d = (running as { drug?: { name?: unknown; concentrationUgPerMl?: unknown } } | undefined)?.drug;
  return typeof d?.name === 'string' && typeof d.concentrationUgPerMl === 'number' ? { name: d.name, concentrationUgPerMl: d.concentrationUgPerMl } : BENCH_DRUG;
}

/** What a measurement programs: a continuous infusion at the rate, nothing else. */
export function accuracyPrescription(rx: AccuracyPrescription, drug: BenchDrug): Record<string, unknown> {
  return { name: rx.name ?? 'accuracy', drug, mode: 'continuous', rateNlPerDay: rx.rateNlPerH * 24 };
}

/**
 * PumpControl over a session logged in as `role` (clinician; service for a calibration, which
 * may program too). A pump that stops answering mid-run is not thrown through the procedure
 * (that would lose the samples weighed so far): `alarms()` reports it as an alarm, aborts the
 * run through `abort`, and the command rethrows `lost` once the partial run is written.
 */
export class SessionPump implements PumpControl {
  readonly #s: PumpSession;
  readonly #abort: (reason: string) => void;
  lost: HostError | undefined;
  /** The prescription last committed, for the run's record. */
  programmed: Record<string, unknown> | undefined;

  constructor(s: PumpSession, abort: (reason: string) => void) {
    this.#s = s;
    this.#abort = abort;
  }

  async program(rx: AccuracyPrescription): Promise<void> {
    const s = this.#s;
    for (let attempt = 1; ; attempt++) {
      try {
        const running = await readRunning(s);
        // What is weighed is water: the library's bench drug first (its limits allow bench
        // rates), the running drug only on a pump whose library lacks it (E120/E121).
        const other = drugOf(running?.value);
        const drugs = other.name === BENCH_DRUG.name ? [BENCH_DRUG] : [BENCH_DRUG, other];
        for (let i = 0; ; i++) {
          const p = accuracyPrescription(rx, drugs[i]!);
          try {
            await this.#commit(p);
            this.programmed = p;
            break;
          } catch (e) {
            if (!(e instanceof HostError) || (e.pumpCode !== 120 && e.pumpCode !== 121) || i + 1 >= drugs.length) throw e;
          }
        }
        // A committed prescription runs unless delivery was paused (STOP): resume then.
        if (statusView((await retrying(() => s.query('STATUS'))).fields).state === 'paused') await this.signed('resuming delivery', 'RESUME');
        return;
      } catch (e) {
        // A restart forgets the staged program: stage again from scratch (as `pumpctl program`).
        if (!(e instanceof BoardRestarted) || attempt >= 3) throw e;
      }
    }
  }

  async #commit(p: Record<string, unknown>): Promise<void> {
    const staged = await stage(this.#s, p);
    // soft=1 and big=1: bench rates are often far above a clinical soft limit or ten times the running rate.
    await this.#s.must(this.#s.send('COMMIT', staged.crc32, 'soft=1', 'big=1'), 'committing the test prescription');
  }

  /** A signed command the pump must accept (an expired session is renewed by PumpSession.send). */
  signed(what: string, command: string, ...args: (string | number)[]): Promise<FullReply> {
    return this.#s.must(this.#s.send(command, ...args), what);
  }

  async stop(): Promise<void> {
    const s = this.#s;
    try {
      await this.signed('stop', 'STOP');
    } catch (e) {
      if (!(e instanceof BoardRestarted)) throw e;
      if (statusView((await retrying(() => s.query('STATUS'))).fields).state === 'running') await this.signed('stop', 'STOP');
    }
  }

  async status(): Promise<PumpSnapshot> {
    const v = statusView((await retrying(() => this.#s.query('STATUS'))).fields);
    return { state: v.state, deliveredNl: v.deliveredNl, alarms: await this.alarms() };
  }

  async alarms(): Promise<readonly PumpAlarm[]> {
    if (this.lost) return [lostAlarm(this.lost)];
    try {
      return alarmViews((await retrying(() => this.#s.query('ALARMS'))).fields).map((a) => ({ code: a.code, name: a.name, detail: `${a.priority}${a.acknowledged ? ', acknowledged' : ''}` }));
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      this.lost = e;
      this.#abort(`the pump stopped answering: ${e.text}`);
      return [lostAlarm(e)];
    }
  }

  async acknowledge(code: number): Promise<void> {
    const r = await this.#s.send('ACK', code);
    // Already cleared (E432) is what was wanted.
    if (!r.ok && r.code !== 432) throw cliError('PUMP_REFUSED', `acknowledging A${code}: E${r.code} ${r.message}`, r.code);
  }

  async bolus(volumeNl: number, durationMs: number): Promise<void> {
    try {
      await this.signed('clinician bolus', 'CBOLUS', volumeNl, durationMs, 0);
    } catch (e) {
      if (!(e instanceof BoardRestarted)) throw e;
      throw cliError('UNKNOWN_OUTCOME', 'clinician bolus: the connection was lost while it was in flight; the bolus test cannot tell whether it ran');
    }
  }
}

function lostAlarm(e: HostError): PumpAlarm {
  return { code: 0, name: 'PUMP_NOT_ANSWERING', detail: e.text };
}

/**
 * Real time, or real time sped up `scale` times for the virtual board (its --speed), so a run's
 * 30-second samples and 2-hour duration are in the board's time. A sleep ends early when the
 * run is aborted, so Ctrl-C is answered at once.
 */
export function realScheduler(signal: AbortSignal, scale = 1): Scheduler {
  const now = (): number => Math.round(performance.now() * scale);
  return {
    now,
    sleepUntil: (ms) =>
      new Promise<void>((resolve) => {
        const wait = (ms - now()) / scale;
        if (wait <= 0 || signal.aborted) return resolve();
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        signal.addEventListener('abort', done, { once: true });
      }),
  };
}

/** The balance drivers wait (SBI polls) on the same clock as the run. */
export function driverClock(s: Scheduler): DriverClock {
  return { nowMs: () => s.now(), sleep: (ms) => s.sleepUntil(s.now() + ms) };
}

/** Ctrl-C (Io.interrupted) as an AbortController, and the scheduler: Io.clock in tests, else real time. */
export function runTime(ctx: Context): { readonly ac: AbortController; readonly scheduler: Scheduler } {
  const ac = new AbortController();
  void ctx.io.interrupted?.then(() => ac.abort('interrupted by the operator (Ctrl-C)'));
  return { ac, scheduler: ctx.io.clock ?? realScheduler(ac.signal, ctx.timeScale()) };
}
