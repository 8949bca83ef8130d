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
  USAGE: { code: 800, exit: 'usage' },
  FILE_UNREADABLE: { code: 801, exit: 'file' },
  PRESCRIPTION_INVALID: { code: 802, exit: 'file' },
  KEY_FILE: { code: 803, exit: 'file' },
  NO_KEY: { code: 804, exit: 'auth' },
  PORT_OPEN: { code: 810, exit: 'port' },
  NO_PORT: { code: 811, exit: 'usage' },
  TIMEOUT: { code: 812, exit: 'timeout' },
  GARBLED: { code: 813, exit: 'garbled' },
  INCOMPATIBLE: { code: 814, exit: 'incompatible' },
  DISCONNECTED: { code: 815, exit: 'disconnected' },
  AUTH_FAILED: { code: 820, exit: 'auth' },
  PUMP_REFUSED: { code: 821, exit: 'refused' },
  DECLINED: { code: 830, exit: 'declined' },
  UNKNOWN_OUTCOME: { code: 831, exit: 'unknownOutcome' },
  ALARMS_ACTIVE: { code: 832, exit: 'alarms' },
} as const satisfies Record<string, { code: number; exit: ExitName }>;

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
