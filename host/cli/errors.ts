// pumpctl's own numbered errors (E800-E849) and exit codes. Each failure a user can meet (a
// wrong port, a silent board, garbled replies, an incompatible protocol, a bad file, a refused
// key, a refusal by the pump) has its own code and exit status, so scripts can tell them apart.
// docs/pumpctl.md lists them; a test keeps the two in step. Balance errors are E900-E999.

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  file: 3,
  port: 4,
  timeout: 5,
  garbled: 6,
  incompatible: 7,
  auth: 8,
  refused: 9,
  disconnected: 10,
  declined: 11,
  unknownOutcome: 12,
  alarms: 13,
  balance: 20,
  aborted: 21,
  tolerance: 22,
} as const;

export type ExitName = keyof typeof EXIT;

export const EXIT_MEANING: Readonly<Record<ExitName, string>> = {
  ok: 'Done.',
  internal: 'A bug in pumpctl (please report it with the command line).',
  usage: 'Unknown command or option, or a value out of range.',
  file: 'A prescription or key file is missing, unreadable or invalid (the message gives line and field).',
  port: 'The serial port cannot be opened (missing, busy, no permission).',
  timeout: 'The board did not answer in time (wrong port or baud rate, board not running).',
  garbled: 'Replies kept failing their checksum (wrong baud rate, noise, another program on the port).',
  incompatible: 'The board speaks another protocol version.',
  auth: 'Authentication failed (wrong or missing key, AUTH locked, provisioning window closed).',
  refused: 'The pump refused the command: its own error code and message are shown.',
  disconnected: 'The connection was lost and the board did not come back in time.',
  declined: 'Not confirmed: nothing was changed.',
  unknownOutcome: 'The connection was lost while a state change was in flight: check status and the log before repeating it.',
  alarms: '`alarms --check`: alarms are active.',
  balance: 'The balance did not answer or reported an error (see the E9xx code).',
  aborted: 'A measurement run was aborted; its partial data and report were written.',
  tolerance: 'A measurement run finished outside the tolerances set.',
};

export const CLI_ERRORS = {
  USAGE: { code: 800, exit: 'usage', meaning: 'An unknown command or option, or a value out of range.' },
  FILE_UNREADABLE: { code: 801, exit: 'file', meaning: 'A file cannot be read or written.' },
  PRESCRIPTION_INVALID: { code: 802, exit: 'file', meaning: 'The prescription file is not valid JSON/YAML or breaks a rule of the prescription format (file, line and field given).' },
  KEY_FILE: { code: 803, exit: 'file', meaning: 'The key file or a PUMP_KEY_* variable is not valid (64 hex digits per role).' },
  NO_KEY: { code: 804, exit: 'auth', meaning: 'The command needs a role key that was not given.' },
  NOT_INSTALLED: { code: 805, exit: 'file', meaning: "bin/pumpctl cannot find tsx from the project (npm ci was not run there; it prints the project's path)." },
  PORT_OPEN: { code: 810, exit: 'port', meaning: 'The serial port cannot be opened (missing, busy, no permission).' },
  NO_PORT: { code: 811, exit: 'usage', meaning: 'No port was given (--port or PUMP_PORT).' },
  TIMEOUT: { code: 812, exit: 'timeout', meaning: 'The board did not answer in time, twice.' },
  GARBLED: { code: 813, exit: 'garbled', meaning: 'Three replies in a row failed their checksum.' },
  INCOMPATIBLE: { code: 814, exit: 'incompatible', meaning: 'The board speaks another protocol version.' },
  DISCONNECTED: { code: 815, exit: 'disconnected', meaning: 'The connection was lost and did not come back within --reconnect.' },
  AUTH_FAILED: { code: 820, exit: 'auth', meaning: 'The pump refused the key, did not prove it holds it, or the provisioning window is closed.' },
  PUMP_REFUSED: { code: 821, exit: 'refused', meaning: 'The pump refused the command; its own code (E1xx-E6xx, docs/errors.md) follows in the message.' },
  DECLINED: { code: 830, exit: 'declined', meaning: 'The program was not confirmed (or there was no terminal to confirm on and no --yes).' },
  UNKNOWN_OUTCOME: { code: 831, exit: 'unknownOutcome', meaning: 'The connection was lost while a bolus, refill or other state change was in flight.' },
  ALARMS_ACTIVE: { code: 832, exit: 'alarms', meaning: '`alarms --check` found active alarms.' },
  STOPCOCK: { code: 840, exit: 'timeout', meaning: 'The stopcock device (occlusion-test --stopcock PATH) did not answer OK to CLOSE or OPEN.' },
  OUT_OF_TOLERANCE: { code: 841, exit: 'tolerance', meaning: 'A measurement run finished and failed a tolerance (the report in its folder says which).' },
  WEB_LISTEN: { code: 842, exit: 'port', meaning: '`pumpctl serve` cannot listen on the address and port given (in use, not an address of this machine, no permission).' },
  WEB_REFUSED: {
    code: 843,
    exit: 'auth',
    meaning: "The dashboard refused a request: no token or a wrong one, a Host that does not name this machine, or another site's Origin (the HTTP answer is 403 or 421).",
  },
} as const satisfies Record<string, { code: number; exit: ExitName; meaning: string }>;

export type CliErrorName = keyof typeof CLI_ERRORS;

/** A failure to report: "E8xx NAME: message", then exit with its status. */
export class CliError extends Error {
  readonly code: number;
  readonly exitName: ExitName;
  readonly errorName: string;
  /** For PUMP_REFUSED: the pump's own error code. */
  readonly pumpCode: number | undefined;

  constructor(name: CliErrorName, message: string, pumpCode?: number) {
    super(message);
    this.errorName = name;
    this.code = CLI_ERRORS[name].code;
    this.exitName = CLI_ERRORS[name].exit;
    this.pumpCode = pumpCode;
  }

  /** An error from another table (the balance's E9xx) with its own exit status. */
  static other(code: number, errorName: string, exitName: ExitName, message: string): CliError {
    const e = new CliError('USAGE', message);
    Object.assign(e, { code, errorName, exitName });
    return e;
  }

  get exitCode(): number {
    return EXIT[this.exitName];
  }

  get text(): string {
    return `E${this.code} ${this.errorName}: ${this.message}`;
  }
}
