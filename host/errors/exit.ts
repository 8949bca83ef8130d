// The one table of process exit statuses for every host tool (pumpctl and its station, the
// virtual board `npm start`, the device build and flash tools): one meaning per number, so a
// script that sees 9 knows the pump refused, whichever tool it ran. Each numbered error
// (host/errors/*.ts) names the status it ends with. docs/host-errors.md is generated from here.
//
// Numbers a tool used before the tables were merged and that meant something else in another
// tool moved (the board's 4-9 collided with pumpctl's): see docs/host-errors.md, "Changes".

export interface ExitStatus {
  readonly status: number;
  readonly meaning: string;
}

export const EXIT_STATUSES = {
  ok: { status: 0, meaning: 'Done.' },
  internal: { status: 1, meaning: 'A bug in the tool (please report it with the command line); also what Node gives a crash.' },
  usage: { status: 2, meaning: 'Unknown command or option, or a value out of range.' },
  file: {
    status: 3,
    meaning: 'A file is missing, unreadable or invalid: a prescription, mechanics, library, key, keys or profile file, a run folder (the message names the file, and the line and field where it can).',
  },
  port: { status: 4, meaning: 'A serial port cannot be opened (missing, busy, no permission), or an address cannot be listened on.' },
  timeout: { status: 5, meaning: 'The board, or a device on the rig (the stopcock), did not answer in time (wrong port or baud rate, not running).' },
  garbled: { status: 6, meaning: 'Replies kept failing their checksum (wrong baud rate, noise, another program on the port).' },
  incompatible: { status: 7, meaning: 'The board speaks another protocol version.' },
  auth: { status: 8, meaning: 'Authentication failed (wrong or missing key, AUTH locked, provisioning window closed, a refused dashboard request).' },
  refused: { status: 9, meaning: 'The pump or its firmware refused a command, prescription, mechanics or library: its own numbered error (E1xx-E6xx, docs/errors.md) is shown.' },
  disconnected: { status: 10, meaning: 'The connection was lost and the board did not come back in time.' },
  declined: { status: 11, meaning: 'Not confirmed: nothing was changed.' },
  unknownOutcome: { status: 12, meaning: 'The connection was lost while a state change was in flight: check status and the log before repeating it.' },
  alarms: { status: 13, meaning: '`alarms --check`: alarms are active.' },
  package: { status: 14, meaning: 'A Debian package the tool needs is missing and could not be installed here (the message names it and the command that installs it).' },
  balance: { status: 20, meaning: 'The balance did not answer or reported an error, or its data cannot be analysed (see the E9xx code).' },
  aborted: { status: 21, meaning: 'A measurement run was aborted; its partial data and report were written.' },
  tolerance: { status: 22, meaning: 'A measurement or station run finished outside the tolerances set.' },
  busy: { status: 30, meaning: 'Another virtual board already runs on this link path or state directory.' },
  pty: { status: 31, meaning: 'No pseudo-terminal: socat missing or failing, a device could not be attached, or the clock socket cannot be made.' },
  state: { status: 32, meaning: "The virtual board's state directory cannot be used (a damaged image: start with --fresh)." },
  engine: { status: 33, meaning: 'The XS engine (xsnap-worker) is missing or failed to load the board.' },
  moddableUnset: { status: 71, meaning: 'Device build: MODDABLE is not set.' },
  moddableInvalid: { status: 72, meaning: 'Device build: MODDABLE is not a Moddable SDK checkout.' },
  sdkTools: { status: 73, meaning: "Device build: the SDK's tools are not built or not on PATH." },
  idfUnset: { status: 74, meaning: 'Device build: IDF_PATH is not set.' },
  idfInvalid: { status: 75, meaning: 'Device build: IDF_PATH is not an ESP-IDF checkout.' },
  boardUnknown: { status: 77, meaning: 'Device build or flash: --board names no known board.' },
  deviceUsage: { status: 78, meaning: 'Device build or flash: an unknown option, or one without its value.' },
  bundleFailed: { status: 79, meaning: 'Device build: the firmware bundle did not build.' },
  sdkStageFailed: { status: 80, meaning: "Device build or flash: a stage of the SDK's build or flash tool failed." },
  imageMissing: { status: 90, meaning: 'Flash: the image folder or one of its files is missing.' },
  imageInvalid: { status: 91, meaning: 'Flash: a file of the image is not an ESP32 image, or is corrupt.' },
  imageOverlap: { status: 92, meaning: "Flash: the image's parts overlap, or the application is larger than its partition." },
  chipSilent: { status: 93, meaning: 'Flash: no ESP32 ROM loader answered on the port.' },
  chipWrong: { status: 94, meaning: 'Flash: the chip is not the one the image was built for.' },
  flashFailed: { status: 95, meaning: 'Flash: the chip stopped answering or refused a command mid-write.' },
  verifyFailed: { status: 96, meaning: 'Flash: the flash read back differs from the image.' },
  flashPort: { status: 97, meaning: 'Flash: the serial port could not be opened.' },
} as const satisfies Record<string, ExitStatus>;

export type ExitName = keyof typeof EXIT_STATUSES;

/** Exit status by name (`EXIT.usage` is 2), for `process.exit` and for tests. */
export const EXIT = Object.fromEntries(Object.entries(EXIT_STATUSES).map(([name, e]) => [name, e.status])) as { readonly [K in ExitName]: (typeof EXIT_STATUSES)[K]['status'] };
