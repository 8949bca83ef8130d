// What every pumpctl command gets: the global options read once (port, baud, keys, output
// mode), the way to open a session, and output that is human text by default and one JSON
// document per command with --json.

import { autoDetect } from '@serialport/bindings-cpp';
import type { Role } from '../../firmware/protocol/auth';
import type { Scheduler } from '../accuracy/interfaces';
import type { RoleKeys } from '../protocol/key-file';
import { KeyFileError, keysFromEnv, readKeyFile } from '../protocol/key-file';
import type { Binding } from '../serial/line-port';
import type { Paint } from './format';
import { paint } from './format';
import { Progress } from './progress';
import { PumpSession } from './session';
import { cliError } from '../errors/pumpctl';

export interface GlobalOptions {
  readonly port?: string;
  readonly baud: string;
  readonly keys?: string;
  readonly json?: boolean;
  readonly timeout: string;
  readonly reconnect: string;
  readonly color?: boolean;
  readonly timeScale: string;
}

/** How pumpctl meets the world: injectable so tests can run it in process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly binding?: Binding;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal to ask. */
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly isTty: boolean;
  /** Resolves when the user interrupts (Ctrl-C): long-running commands stop cleanly. */
  readonly interrupted?: Promise<void>;
  /**
   * Time for the measurement runs (accuracy, occlusion-test, bolus-test, calibrate --balance):
   * real time when absent. Tests pass a virtual clock whose sleepUntil runs the virtual pump
   * forward, so a two-hour run costs no real waiting.
   */
  readonly clock?: Scheduler;
  /** Where `pumpctl ports` looks for virtual boards' links (default /tmp/pump-rig, npm start's). */
  readonly rigDir?: string;
}

export class Context {
  readonly o: GlobalOptions;
  readonly io: Io;
  readonly json: boolean;
  readonly paint: Paint;
  #session: PumpSession | undefined;

  constructor(o: GlobalOptions, io: Io) {
    this.o = o;
    this.io = io;
    this.json = o.json === true;
    this.paint = paint(!this.json && io.isTty && o.color !== false && io.env['NO_COLOR'] === undefined);
  }

  /** Human output (skipped with --json). */
  say(text: string): void {
    if (!this.json) this.io.stdout(`${text}\n`);
  }

  /** The command's result: JSON with --json, else the human text given. */
  result(value: unknown, human: string | undefined): void {
    if (this.json) this.io.stdout(`${JSON.stringify(value)}\n`);
    else if (human !== undefined) this.io.stdout(`${human}\n`);
  }

  /** A progress bar on stderr (none with --json). */
  progress(label: string): Progress {
    return new Progress(label, { enabled: !this.json, tty: this.io.isTty, write: this.io.stderr });
  }

  /** Progress and notices: stderr, so stdout stays clean for pipes and --json. */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  int(name: string, value: string, min: number, max: number): number {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < min || n > max) throw cliError('USAGE', `${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    return n;
  }

  /** A decimal option converted to an integer unit (mL to nl: scale 1e6), rounded. */
  decimal(name: string, value: string, scale: number, min: number, max: number): number {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) throw cliError('USAGE', `${name} must be a number (got "${value}")`);
    const n = Math.round(Number(value) * scale);
    if (n < min || n > max) throw cliError('USAGE', `${name} must be from ${min / scale} to ${max / scale} (got ${value})`);
    return n;
  }

  /** How many times faster than real time the board runs (the virtual board's --speed). */
  timeScale(): number {
    const v = this.o.timeScale;
    const n = Number(v);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || n < 1 || n > 100_000) throw cliError('USAGE', `--time-scale must be a number from 1 to 100000 (got "${v}")`);
    return n;
  }

  keys(): RoleKeys {
    const file = this.o.keys ?? this.io.env['PUMPCTL_KEYS'];
    try {
      return keysFromEnv(this.io.env, file ? readKeyFile(file) : {});
    } catch (e) {
      if (e instanceof KeyFileError) throw cliError('KEY_FILE', e.message);
      throw e;
    }
  }

  keyFilePath(): string | undefined {
    return this.o.keys ?? this.io.env['PUMPCTL_KEYS'];
  }

  binding(): Binding {
    return this.io.binding ?? autoDetect();
  }

  /** Opens the port (once), checks the protocol and logs in with `role` if given. */
  async session(role?: Role, o: { noKeys?: boolean } = {}): Promise<PumpSession> {
    if (!this.#session) {
      const path = this.o.port ?? this.io.env['PUMP_PORT'];
      if (!path) throw cliError('NO_PORT', 'no port given: use --port PATH or set PUMP_PORT (`pumpctl ports` lists them; the virtual board prints its path)');
      this.#session = await PumpSession.open({
        path,
        baud: this.int('--baud', this.o.baud, 300, 4_000_000),
        binding: this.binding(),
        keys: o.noKeys ? {} : role ? this.keys() : keysOrNone(this),
        timeoutMs: this.int('--timeout', this.o.timeout, 50, 600_000),
        reconnectMs: this.int('--reconnect', this.o.reconnect, 0, 3_600_000),
        notice: (t) => this.note(`pumpctl: ${t}`),
      });
    }
    if (role && this.#session.role !== role) await this.#session.login(role);
    return this.#session;
  }

  async close(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    await s?.close();
  }
}

/** Read-only commands work without keys; a bad key file is still reported when one is given. */
function keysOrNone(ctx: Context): RoleKeys {
  return ctx.keyFilePath() || Object.keys(ctx.io.env).some((k) => k.startsWith('PUMP_KEY_')) ? ctx.keys() : {};
}
