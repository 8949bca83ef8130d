// The virtual board's own numbered errors (E850-E899; pumpctl has E800-E849) and the exit code
// each one ends the board with. One table, as the firmware's: a message always says what went
// wrong and what to run or change. docs/virtual-board.md lists the same codes.

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  file: 3,
  refused: 4,
  busy: 5,
  pty: 6,
  state: 7,
  keys: 8,
  engine: 9,
} as const;

export type ExitName = keyof typeof EXIT;

export const BOARD_ERRORS = {
  USAGE: { code: 850, exit: 'usage', meaning: 'An unknown option or a bad option value.' },
  FILE_UNREADABLE: { code: 851, exit: 'file', meaning: 'A prescription, mechanics or library file cannot be read.' },
  FILE_NOT_JSON: { code: 852, exit: 'file', meaning: 'A prescription, mechanics or library file is not valid JSON (YAML for a .yaml or .yml file); the line and column are given.' },
  REFUSED: { code: 853, exit: 'refused', meaning: 'The firmware refused the prescription, mechanics or library (its own numbered error follows).' },
  LINK_BUSY: { code: 854, exit: 'busy', meaning: 'Another virtual board is already running on this link path or state directory.' },
  SOCAT_MISSING: { code: 855, exit: 'pty', meaning: 'socat (which makes the pseudo-terminal pair) is not installed and could not be installed.' },
  SOCAT_INSTALL_FAILED: { code: 856, exit: 'pty', meaning: 'Installing socat with apt-get failed.' },
  PTY_FAILED: { code: 857, exit: 'pty', meaning: 'socat did not create the pseudo-terminal pair, or its board end could not be opened.' },
  STATE_UNUSABLE: { code: 858, exit: 'state', meaning: 'The state directory cannot be created, read or written, or an image in it is damaged.' },
  KEYS_FILE: { code: 859, exit: 'keys', meaning: 'The keys file given with --keys cannot be read, or the generated one cannot be written.' },
  XS_UNAVAILABLE: { code: 860, exit: 'engine', meaning: 'The XS engine (xsnap-worker) is missing or failed to load the board.' },
  DEVICE_ATTACH: { code: 861, exit: 'pty', meaning: 'An emulated device could not be attached (name taken, or its pseudo-terminal failed).' },
  // Answered on the clock socket (ERR E862 ...): the board carries on, this exit is never taken.
  CLOCK_COMMAND: { code: 862, exit: 'usage', answered: true, meaning: 'A line on the clock socket (--clock manual) is not now, advance D or to T; answered, the board carries on.' },
  CLOCK_SOCKET: { code: 863, exit: 'pty', meaning: 'The clock socket (--clock manual, LINK.clock) cannot be created: a file in the way, or the path is too long for a Unix socket.' },
} as const satisfies Record<string, { code: number; exit: ExitName; meaning: string; answered?: true }>;

export type BoardErrorName = keyof typeof BOARD_ERRORS;

/** A refusal the board reports as `E8xx NAME: message` and ends with the table's exit code. */
export class BoardError extends Error {
  readonly code: number;
  readonly exitCode: number;
  readonly errorName: BoardErrorName;
  constructor(name: BoardErrorName, message: string) {
    super(`E${BOARD_ERRORS[name].code} ${name}: ${message}`);
    this.errorName = name;
    this.code = BOARD_ERRORS[name].code;
    this.exitCode = EXIT[BOARD_ERRORS[name].exit];
  }
}
