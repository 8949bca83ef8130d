// The test station's numbered errors (E770-E789), raised through `pumpctl station` and reported
// as pumpctl's are: "E77x NAME: message", the shared exit status (exit.ts). docs/station.md
// lists them (generated, host/docs/host-errors-md.ts).

import { HostError, errorTable } from './host-error';

export const STATION_ERRORS = errorTable({
  PROFILE: {
    code: 770,
    exit: 'file',
    meaning: 'The tolerance profile file is missing, not YAML/JSON, or has an unknown field or a value out of range (file and field named).',
    action: 'Correct the field named; docs/station.md lists the profile fields.',
  },
  DATABASE: {
    code: 771,
    exit: 'file',
    meaning: 'The results database cannot be opened or is of a newer schema than this pumpctl knows.',
    action: 'Check the --db path and its permissions, or update pumpctl.',
  },
  KEY_STORE: {
    code: 772,
    exit: 'file',
    meaning: 'A key file in the station key store is readable by others than its owner, or cannot be written.',
    action: 'chmod 600 the file named, or check the key store folder’s permissions.',
  },
  BOARD_SPEC: {
    code: 773,
    exit: 'usage',
    meaning: 'A --board value is not PORT[,balance=PATH][,id=ID][,...] or two boards share a port or an id.',
    action: 'Give each board its own port and id.',
  },
  // No longer raised since the station flashes through host/device/flasher.ts; kept so the number is never reused.
  NO_FLASHER: { code: 774, exit: 'usage', meaning: '(retired) --image was given but the build had no Node flasher.', action: 'Nothing: no longer raised.' },
  NO_RUN: {
    code: 775,
    exit: 'usage',
    meaning: '--resume names a run that is not in the database, or one that already finished.',
    action: '`pumpctl station report` lists the runs.',
  },
  NO_BOARD: { code: 776, exit: 'usage', meaning: '`station report --board ID` names a board the database has never seen.', action: 'Check the id (the certificates name it).' },
  BOARDS_FAILED: {
    code: 777,
    exit: 'tolerance',
    meaning: 'The station run finished and at least one board did not pass (the table and the certificates say which step).',
    action: 'Read the certificate of each board that failed.',
  },
  IMAGE: {
    code: 778,
    exit: 'file',
    meaning: '--image names a folder that is not a flashable image (the device error E720-E722 inside says what is missing or wrong); no board was touched.',
    action: 'Give the unzipped image folder (docs/flashing.md).',
  },
});

export type StationErrorName = keyof typeof STATION_ERRORS;

export const stationError = (name: StationErrorName, message: string): HostError => new HostError(STATION_ERRORS[name], message);
