// The test station's own numbered errors (E770-E789: pumpctl has E800-E849, the device tools
// E70x, the virtual board E850-E899, balances E900-E999). A station error is a CliError with
// its own code, so `pumpctl station` reports it as "E77x NAME: message" with a documented exit.

import { CliError, type ExitName } from '../cli/errors';

export const STATION_ERRORS = {
  PROFILE: { code: 770, exit: 'file', meaning: 'The tolerance profile file is missing, not YAML/JSON, or has an unknown field or a value out of range (file and field named).' },
  DATABASE: { code: 771, exit: 'file', meaning: 'The results database cannot be opened or is of a newer schema than this pumpctl knows.' },
  KEY_STORE: { code: 772, exit: 'file', meaning: 'A key file in the station key store is readable by others than its owner, or cannot be written.' },
  BOARD_SPEC: { code: 773, exit: 'usage', meaning: 'A --board value is not PORT[,balance=PATH][,id=ID][,...] or two boards share a port or an id.' },
  // No longer raised since the station flashes through host/device/flasher.ts; kept so the number is never reused.
  NO_FLASHER: { code: 774, exit: 'usage', meaning: '(retired) --image was given but the build had no Node flasher.' },
  NO_RUN: { code: 775, exit: 'usage', meaning: '--resume names a run that is not in the database, or one that already finished.' },
  NO_BOARD: { code: 776, exit: 'usage', meaning: '`station report --board ID` names a board the database has never seen.' },
  BOARDS_FAILED: { code: 777, exit: 'tolerance', meaning: 'The station run finished and at least one board did not pass (the table and the certificates say which step).' },
  IMAGE: { code: 778, exit: 'file', meaning: '--image names a folder that is not a flashable image (the device error E720-E722 inside says what is missing or wrong); no board was touched.' },
} as const satisfies Record<string, { code: number; exit: ExitName; meaning: string }>;

export type StationErrorName = keyof typeof STATION_ERRORS;

export function stationError(name: StationErrorName, message: string): CliError {
  const s = STATION_ERRORS[name];
  return CliError.other(s.code, name, s.exit, message);
}
