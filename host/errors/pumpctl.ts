// pumpctl's numbered errors (E800-E849). Each failure a user can meet (a wrong port, a silent
// board, garbled replies, an incompatible protocol, a bad file, a refused key, a refusal by the
// pump) has its own code, so scripts can tell them apart; the exit status is the shared one
// (exit.ts). docs/pumpctl.md lists them (generated, host/docs/host-errors-md.ts).

import { HostError, errorTable } from './host-error';

export const PUMPCTL_ERRORS = errorTable({
  USAGE: { code: 800, exit: 'usage', meaning: 'An unknown command or option, or a value out of range.', action: 'Read the message and `pumpctl COMMAND --help`.' },
  FILE_UNREADABLE: { code: 801, exit: 'file', meaning: 'A file cannot be read or written.', action: 'Check the path and its permissions (the message names the file).' },
  PRESCRIPTION_INVALID: {
    code: 802,
    exit: 'file',
    meaning: 'The prescription file is not valid JSON/YAML or breaks a rule of the prescription format (file, line and field given).',
    action: 'Correct the field at the line named; docs/prescription.md describes the format.',
  },
  KEY_FILE: {
    code: 803,
    exit: 'file',
    meaning: 'The key file or a PUMP_KEY_* variable is not valid (64 hex digits per role).',
    action: 'Use the keys.json the board wrote (--keys), or fix the variable.',
  },
  NO_KEY: { code: 804, exit: 'auth', meaning: 'The command needs a role key that was not given.', action: 'Give --keys FILE or PUMP_KEY_CLINICIAN / PUMP_KEY_SERVICE.' },
  NOT_INSTALLED: {
    code: 805,
    exit: 'file',
    meaning: "bin/pumpctl cannot find tsx from the project (npm ci was not run there; it prints the project's path).",
    action: 'Run npm ci in the project folder it names.',
  },
  PORT_OPEN: {
    code: 810,
    exit: 'port',
    meaning: 'The serial port cannot be opened (missing, busy, no permission).',
    action: '`pumpctl ports` lists the ports; close the program holding it; join the dialout group.',
  },
  NO_PORT: { code: 811, exit: 'usage', meaning: 'No port was given (--port or PUMP_PORT).', action: 'Give --port PATH or set PUMP_PORT (the virtual board prints its path).' },
  TIMEOUT: { code: 812, exit: 'timeout', meaning: 'The board did not answer in time, twice.', action: 'Check the port, the baud rate (--baud) and that the board is running.' },
  GARBLED: { code: 813, exit: 'garbled', meaning: 'Three replies in a row failed their checksum.', action: 'Check the baud rate and the cable; close any other program on the port.' },
  INCOMPATIBLE: { code: 814, exit: 'incompatible', meaning: 'The board speaks another protocol version.', action: 'Use the pumpctl of the firmware version the board runs, or update the board.' },
  DISCONNECTED: {
    code: 815,
    exit: 'disconnected',
    meaning: 'The connection was lost and did not come back within --reconnect.',
    action: 'Check the cable and the board, then run `pumpctl status`; a longer --reconnect waits longer.',
  },
  AUTH_FAILED: {
    code: 820,
    exit: 'auth',
    meaning: 'The pump refused the key, did not prove it holds it, or the provisioning window is closed.',
    action: "Use this board's keys; for `pumpctl keys`, press the service button first (s on the virtual board).",
  },
  PUMP_REFUSED: {
    code: 821,
    exit: 'refused',
    meaning: 'The pump refused the command; its own code (E1xx-E6xx, docs/errors.md) follows in the message.',
    action: "Look up the pump's code in docs/errors.md: it says what to change.",
  },
  DECLINED: {
    code: 830,
    exit: 'declined',
    meaning: 'The program was not confirmed (or there was no terminal to confirm on and no --yes).',
    action: 'Confirm at the prompt, or give --yes in a script.',
  },
  UNKNOWN_OUTCOME: {
    code: 831,
    exit: 'unknownOutcome',
    meaning: 'The connection was lost while a bolus, refill or other state change was in flight.',
    action: 'Run `pumpctl status` and `pumpctl log` to see whether it happened before repeating it.',
  },
  ALARMS_ACTIVE: { code: 832, exit: 'alarms', meaning: '`alarms --check` found active alarms.', action: 'See `pumpctl alarms`; acknowledge with `pumpctl ack` once the cause is fixed.' },
  STOPCOCK: {
    code: 840,
    exit: 'timeout',
    meaning: 'The stopcock device (occlusion-test --stopcock PATH) did not answer OK to CLOSE or OPEN.',
    action: 'Check the stopcock path (the virtual board prints ttySTOPCOCK with --stopcock) and its power.',
  },
  OUT_OF_TOLERANCE: {
    code: 841,
    exit: 'tolerance',
    meaning: 'A measurement run finished and failed a tolerance (the report in its folder says which).',
    action: "Read report.md in the run folder; calibrate or check the rig's line.",
  },
  WEB_LISTEN: {
    code: 842,
    exit: 'port',
    meaning: '`pumpctl serve` cannot listen on the address and port given (in use, not an address of this machine, no permission).',
    action: 'Give another --http-port, or an address of this machine with --listen.',
  },
  WEB_REFUSED: {
    code: 843,
    exit: 'auth',
    meaning: "The dashboard refused a request: no token or a wrong one, a Host that does not name this machine, or another site's Origin (the HTTP answer is 403 or 421).",
    action: 'Open the URL `pumpctl serve` printed (with its token), from this machine or the address it listens on.',
  },
});

export type PumpctlErrorName = keyof typeof PUMPCTL_ERRORS;

/** pumpctl's error `name`; `pumpCode` for a refusal by the pump (its own E1xx-E6xx). */
export const cliError = (name: PumpctlErrorName, message: string, pumpCode?: number): HostError => new HostError(PUMPCTL_ERRORS[name], message, pumpCode);
