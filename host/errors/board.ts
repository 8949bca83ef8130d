// The virtual board's numbered errors (E850-E899; pumpctl has E800-E849), for `npm start` with
// a pty and without (--no-port). A message always says what went wrong and what to run or
// change; the exit status is the shared one (exit.ts). docs/virtual-board.md lists them
// (generated, host/docs/host-errors-md.ts).

import { HostError, errorTable } from './host-error';

export const BOARD_ERRORS = errorTable({
  USAGE: { code: 850, exit: 'usage', meaning: 'An unknown option or a bad option value.', action: 'Read the message and `npm start -- --help`.' },
  FILE_UNREADABLE: { code: 851, exit: 'file', meaning: 'A prescription, mechanics or library file cannot be read.', action: 'Check the path and its permissions (the message names the file).' },
  FILE_NOT_JSON: {
    code: 852,
    exit: 'file',
    meaning: 'A prescription, mechanics or library file is not valid JSON (YAML for a .yaml or .yml file); the line and column are given.',
    action: 'Correct the file at the line and column named.',
  },
  REFUSED: {
    code: 853,
    exit: 'refused',
    meaning: 'The firmware refused the prescription, mechanics or library (its own numbered error follows).',
    action: "Look up the firmware's code in docs/errors.md: it names the field and the limit.",
  },
  LINK_BUSY: {
    code: 854,
    exit: 'busy',
    meaning: 'Another virtual board is already running on this link path or state directory.',
    action: 'Stop the other board (the message gives its pid), or give this one its own --link and --state.',
  },
  SOCAT_MISSING: {
    code: 855,
    exit: 'pty',
    meaning: 'socat (which makes the pseudo-terminal pair) is not installed and could not be installed.',
    action: 'sudo apt-get install socat (or your system’s package manager), then start again.',
  },
  SOCAT_INSTALL_FAILED: { code: 856, exit: 'pty', meaning: 'Installing socat with apt-get failed.', action: 'Install socat yourself (sudo apt-get install socat) and start again.' },
  PTY_FAILED: {
    code: 857,
    exit: 'pty',
    meaning: 'socat did not create the pseudo-terminal pair, or its board end could not be opened.',
    action: 'Check that /dev/pts is mounted and the link folder is writable; the message has what socat said.',
  },
  STATE_UNUSABLE: {
    code: 858,
    exit: 'state',
    meaning: 'The state directory cannot be created, read or written, or an image in it is damaged.',
    action: 'Check the folder’s permissions and free space; a damaged image: start with --fresh (a new board, new keys).',
  },
  KEYS_FILE: {
    code: 859,
    exit: 'file',
    meaning: 'The keys file given with --keys cannot be read, or the generated one cannot be written.',
    action: 'Check the path; a file others may read is refused: chmod 600 FILE.',
  },
  XS_UNAVAILABLE: {
    code: 860,
    exit: 'engine',
    meaning: 'The XS engine could not load the board: its worker (xsnap-worker) is missing, the board bundle did not build, or XS threw on the firmware.',
    action:
      'The message says which: a missing worker wants npm rebuild @agoric/xsnap; a bundle error is a source error (npm run typecheck); an XS throw is a firmware bug to report. Start with --engine node meanwhile.',
  },
  DEVICE_ATTACH: {
    code: 861,
    exit: 'pty',
    meaning: 'An emulated device could not be attached (name taken, or its pseudo-terminal failed).',
    action: 'Stop what holds the device’s link (ttyBALANCE, ttySTOPCOCK beside the pump’s) and start again.',
  },
  CLOCK_COMMAND: {
    code: 862,
    exit: 'usage',
    answered: true,
    meaning: 'A line on the clock socket (--clock manual) is not now, advance D or to T; answered, the board carries on.',
    action: 'Send one of: now, advance 30s (or advance 30000), to MS.',
  },
  CLOCK_SOCKET: {
    code: 863,
    exit: 'pty',
    meaning: 'The clock socket (--clock manual, LINK.clock) cannot be created: a file in the way, or the path is too long for a Unix socket.',
    action: 'Remove the file named, or give a shorter --link.',
  },
});

export type BoardErrorName = keyof typeof BOARD_ERRORS;

export const boardError = (name: BoardErrorName, message: string): HostError => new HostError(BOARD_ERRORS[name], message);
