// The numbered error table. Every refusal the firmware gives (a bad prescription, mechanics
// description or library entry, a command it will not carry out) is one of these codes with
// a message naming the field and the limit. docs/errors.md is generated from this table
// (`npm run docs`) and a test keeps the two in step.

export interface ErrorSpec {
  readonly code: number;
  readonly meaning: string;
  readonly action: string;
}

export const ERRORS = {
  // E100-E109: the shape of any input record.
  FIELD_MISSING: { code: 100, meaning: 'A required field is missing.', action: 'Add the field named in the message.' },
  FIELD_TYPE: { code: 101, meaning: 'A field has the wrong type (for example text where a number belongs).', action: 'Give the field the type the message names.' },
  FIELD_NOT_INTEGER: {
    code: 102,
    meaning: 'A field that counts nanolitres, microsteps or milliseconds is not a whole number.',
    action: 'Enter a whole number in the unit named by the field (for example rateNlPerDay).',
  },
  FIELD_RANGE: { code: 103, meaning: 'A field is outside the range the device can represent or act on.', action: 'Enter a value within the range given in the message.' },
  FIELD_UNKNOWN: { code: 104, meaning: 'A field is not part of the format (often a misspelt name).', action: 'Remove or correct the field; nothing is ignored silently.' },
  FIELD_CHOICE: { code: 105, meaning: 'A field names a choice that does not exist (a mode, kind or syringe).', action: 'Use one of the choices listed in the message.' },
  // E110-E119: the structure of a prescription.
  SCHEDULE_STEPS: { code: 110, meaning: 'A flexible schedule has no steps, or more than 24.', action: 'Give between 1 and 24 rate steps.' },
  SCHEDULE_ORDER: {
    code: 111,
    meaning: 'Flexible schedule steps are not in increasing order of start time, or two start at the same time.',
    action: 'Sort the steps by start time, each within 00:00 to 23:59:59.999.',
  },
  LOCKOUT_SHORTER_THAN_BOLUS: { code: 112, meaning: 'The patient bolus lockout is shorter than the bolus itself, so two boluses could overlap.', action: 'Make lockoutMs at least durationMs.' },
  PATIENT_LIMITS_INCONSISTENT: {
    code: 113,
    meaning: 'The patient bolus dose is larger than the 24-hour volume maximum, so no bolus could ever be given.',
    action: 'Raise maxVolumeNlPer24h or lower the dose.',
  },
  TRIAL_DOSES: { code: 114, meaning: 'Trial doses are not in time order, overlap, or there are more than 24.', action: 'List at most 24 doses in time order, each ending before the next starts.' },
  MODE_CONTENT: {
    code: 115,
    meaning: 'A part of the prescription does not belong to its mode (for example a trial dose list in continuous mode).',
    action: 'Remove the part or choose the mode it belongs to.',
  },
  RATE_ABOVE_MECHANICS: {
    code: 116,
    meaning: 'A rate (basal plus boluses that can run at once) is faster than the mechanics can drive.',
    action: 'Lower the rate, lengthen the bolus, or use a syringe with more volume per microstep.',
  },
  // E120-E129: checks against the drug library, the reservoir's contents and the running prescription.
  DRUG_UNKNOWN: { code: 120, meaning: 'The drug is not in the drug library.', action: 'Choose a drug from the library, or add it to the library first.' },
  CONCENTRATION_UNKNOWN: { code: 121, meaning: 'The concentration is not one the library allows for this drug.', action: 'Use one of the concentrations listed for the drug.' },
  HARD_LIMIT: { code: 122, meaning: 'The prescription breaks a hard limit of the drug library.', action: 'Change the value named in the message; hard limits cannot be overridden.' },
  SOFT_LIMIT: { code: 123, meaning: 'The prescription is outside a soft limit of the drug library.', action: 'Check the value; if it is intended, program again with the soft-limit override.' },
  LARGE_INCREASE: {
    code: 124,
    meaning:
      "The new prescription delivers ten or more times the reference dose of its drug (the key-bounce and decimal-point error): the running dose, or from zero the last dose of the drug that ran on this pump or the library's starting dose; with none of them, any start needs the confirmation.",
    action: 'Check the decimal point; if it is intended, program again with the large-increase confirmation.',
  },
  RESERVOIR_CONTENTS_MISMATCH: {
    code: 125,
    meaning: 'The prescription is for another drug or concentration than the reservoir holds (as recorded at the last refill): the dose booked would not be the dose delivered.',
    action: 'Program for what the reservoir holds; to change the drug or concentration, pause, record the refill with the new drug and concentration, then program for them.',
  },
  // E200-E209: mechanics and calibration.
  SYRINGE_UNKNOWN: { code: 200, meaning: 'The syringe is not in the syringe table.', action: 'Use a listed syringe or give innerDiameterUm and capacityNl.' },
  MECHANICS_STEP_VOLUME: {
    code: 201,
    meaning: 'The volume of one microstep is outside 0.1 nl to 100 uL: the geometry or calibration is implausible.',
    action: 'Check diameter, lead, steps per revolution, microstepping and calibration factor.',
  },
  CALIBRATION_DEVIATION: {
    code: 202,
    meaning: 'The calibration factor differs from the geometry by more than 20 percent.',
    action: 'Repeat the gravimetric calibration, or check the syringe and lead-screw entries.',
  },
  // E300-E309: the drug library itself.
  LIBRARY_DUPLICATE: { code: 300, meaning: 'The drug library lists the same drug twice.', action: 'Merge the entries.' },
  LIBRARY_LIMITS: { code: 301, meaning: 'A soft limit in the drug library is wider than its hard limit, or a range has min above max.', action: 'Make every soft limit lie within its hard limit.' },
  // E400-E429: commands the pump refuses in its current state.
  NOT_PROGRAMMED: { code: 400, meaning: 'There is no running prescription.', action: 'Program a prescription first.' },
  PAUSED: { code: 401, meaning: 'Delivery is paused.', action: 'Resume delivery first.' },
  NOT_PAUSED: { code: 402, meaning: 'Delivery is not paused.', action: 'Nothing to resume.' },
  RUNNING: { code: 403, meaning: 'The command needs delivery stopped (paused, or no prescription).', action: 'Pause delivery first.' },
  NO_PATIENT_BOLUS: { code: 410, meaning: 'The prescription allows no patient bolus.', action: 'Program patient bolus settings first.' },
  BOLUS_LOCKOUT: { code: 411, meaning: 'The patient bolus lockout interval has not passed.', action: 'Wait until the time given in the message.' },
  BOLUS_MAX_COUNT: { code: 412, meaning: 'The patient bolus count allowed in 24 hours is used up.', action: 'Wait until the time given in the message.' },
  BOLUS_MAX_VOLUME: { code: 413, meaning: 'Another patient bolus would exceed the 24-hour volume maximum.', action: 'Wait until the time given in the message.' },
  BOLUS_HISTORY_LOST: {
    code: 415,
    meaning:
      'The record of past patient boluses was lost at a reset (both stored copies missing or unreadable on a board that had run before): patient boluses are refused for 24 hours of pump time, as if the maxima were used.',
    action: 'A clinician bolus may be given if needed; check the storage (STORAGE_FAULT says which record failed).',
  },
  BOLUS_ACTIVE: { code: 414, meaning: 'A bolus of the same kind is already running.', action: 'Wait until it ends, or stop it.' },
  RESERVOIR_TOO_LOW: { code: 420, meaning: 'The reservoir holds less than the bolus or priming volume asked for.', action: 'Refill the reservoir.' },
  REFILL_OVER_CAPACITY: { code: 421, meaning: 'The refill volume is more than the reservoir holds.', action: 'Enter the volume actually in the reservoir, at most its capacity.' },
  TRIAL_OVER: { code: 422, meaning: 'The trial program has finished.', action: 'Program a new prescription.' },
  REFILL_WHILE_DELIVERING: {
    code: 423,
    meaning: 'The refill puts another drug or concentration into the reservoir than the running prescription is for, while delivery runs (or would resume by itself when an alarm clears).',
    action: 'Pause delivery, record the refill, then program a prescription for the new contents (committing it starts delivery).',
  },
  CALIBRATION_OUT_OF_RANGE: {
    code: 424,
    meaning: 'The measured volume differs from the commanded one by more than 20%: more likely a measuring mistake (or a leak) than a calibration.',
    action: 'Check the measurement and the line; set the mechanics outright with MECH if the syringe really changed.',
  },
  NO_HISTORY: { code: 425, meaning: 'This pump keeps no history log (no log partition, or it could not be opened).', action: 'Check the partition table and the boot messages (E600-E609).' },
  RESERVOIR_CHANGED: {
    code: 426,
    meaning: 'The reservoir was refilled with another drug or concentration than the prescription is for: it is not delivered (no resume, bolus or priming).',
    action: 'Program a prescription for what the reservoir holds (the message says what); committing it starts delivery.',
  },
  // E430-E439: alarms.
  ALARM_UNACKNOWLEDGED: { code: 430, meaning: 'An alarm must be acknowledged before anything else changes.', action: 'Read the alarm, deal with its cause, acknowledge it, then repeat the command.' },
  ALARM_ACTIVE: { code: 431, meaning: 'An alarm that stops delivery is still active.', action: 'Deal with its cause and acknowledge it: delivery resumes by itself when the last such alarm clears.' },
  NO_SUCH_ALARM: { code: 432, meaning: 'The alarm named is not active.', action: 'Read the active alarms and acknowledge one of them (or all).' },
  // E500-E504, E512-E513: protocol framing and staging (docs/protocol.md).
  LINE_TOO_LONG: {
    code: 500,
    meaning: 'The line was discarded: longer than 120 bytes, bytes outside printable ASCII, or input arriving faster than it could be handled.',
    action: 'Keep lines short (stage prescriptions in chunks) and plain ASCII; send a discarded line again.',
  },
  BAD_CRC: { code: 501, meaning: 'The frame checksum does not match (a NAK): nothing in the frame was acted on.', action: 'Send the same frame again.' },
  UNKNOWN_COMMAND: { code: 502, meaning: 'The command is not in the protocol.', action: 'Send HELP for the list.' },
  BAD_ARGUMENTS: { code: 503, meaning: 'An argument is missing, malformed or out of range (the message names it).', action: 'Correct the argument named.' },
  NOT_FRAMED: { code: 504, meaning: 'A command that changes state came without a sequence number and CRC.', action: 'Frame it: <seq> COMMAND args *CRC.' },
  NOT_STAGED: {
    code: 512,
    meaning: 'Nothing is staged, or COMMIT names a different CRC-32 than the staged prescription.',
    action: 'Stage the prescription, read it back with SHOW, then COMMIT its CRC-32.',
  },
  STAGE_INCOMPLETE: { code: 513, meaning: 'The staged prescription is incomplete, out of order, or does not match its announced CRC-32.', action: 'Stage it again from the start.' },
  // E505-E511, E514-E515: authentication, sessions and keys (docs/protocol.md, "Authentication").
  AUTH_REQUIRED: {
    code: 505,
    meaning: 'The command needs a role: it must come in an authenticated session with a MAC.',
    action: 'Authenticate first (HELLO, then AUTH with the role key), then send the command with its MAC.',
  },
  WRONG_ROLE: { code: 506, meaning: 'The role of the session may not do this.', action: 'Authenticate with a role that may (see the roles table in the protocol).' },
  BAD_MAC: {
    code: 507,
    meaning: 'The MAC does not match the frame and the session key (or is malformed): nothing in the frame was acted on.',
    action: 'Compute the MAC with the session key over "<session> <the line up to the MAC>"; a frame from another session is never valid.',
  },
  SESSION_UNKNOWN: {
    code: 508,
    meaning: 'There is no such session, or it expired (5 min without a valid command, 30 min after it began) or ended with BYE.',
    action: 'Authenticate again (HELLO, then AUTH).',
  },
  REPLAY: {
    code: 509,
    meaning: 'The sequence number is not greater than the last one of the session, or is the same number with different content.',
    action: 'Use a new sequence number, greater than the last one in this session.',
  },
  AUTH_FAILED: {
    code: 510,
    meaning: 'Authentication failed: no HELLO before AUTH, the nonce expired (30 s) or was used, the proof is wrong, or the role has no key (the message says which).',
    action: 'Send HELLO again and AUTH with the right role key at once; check the key if the proof is wrong.',
  },
  AUTH_LOCKED: {
    code: 511,
    meaning: 'Too many failed AUTHs in a row: AUTH is locked for a while (10 s, doubling with each further failure up to 10 min). The lock and the failures are kept across restarts.',
    action:
      'Wait the time given in the message (STATUS authlock= counts it down), then authenticate with the right key; if someone keeps it locked, press the service button at the rig (or hold the service pin while it boots) to clear it.',
  },
  PROVISIONING_CLOSED: {
    code: 514,
    meaning: 'Keys can be set without a session only within 120 s of a boot with the service pin held.',
    action: 'Hold the service pin while the board boots and set the key within 120 s, or use an authenticated service session.',
  },
  BAD_KEY: { code: 515, meaning: 'The key is not 64 lower-case hex characters (32 bytes).', action: 'Give the key as 64 lower-case hex digits.' },
  // E600-E619: storage. E600-E609: the event and delivery log on its flash partition (firmware/storage/log.ts, docs/storage-log.md).
  LOG_FOREIGN: {
    code: 600,
    meaning: 'The log partition holds data that is not a pump log (no block has a valid log header): it is not read or written.',
    action: 'Check that the partition table matches this firmware; if the data is not needed, format the log partition (its contents are lost).',
  },
  LOG_FUTURE: {
    code: 601,
    meaning: 'The log partition was written by a newer firmware in a log format this one does not read: it is not read or written.',
    action: 'Flash the newer firmware again to read the history; format the log only if the history is not needed.',
  },
  LOG_GEOMETRY: {
    code: 602,
    meaning: 'The log partition is not a whole number of erase blocks of 512 to 65536 bytes, or has fewer than 2 blocks.',
    action: 'Fix the partitions file: the log needs at least 2 blocks (128 KB of 4 KB blocks by default).',
  },
  LOG_RECORD_INVALID: {
    code: 603,
    meaning: 'A log record was refused: its type is not 0-254 or its payload is longer than 254 bytes. Nothing was written.',
    action: 'A firmware error: report it with the message.',
  },
  LOG_TORN: {
    code: 604,
    meaning: 'A log record or block header was cut short by a power loss while it was written; it is skipped and never read.',
    action: 'None: everything committed before the power loss is intact. Frequent ones point to an unstable supply.',
  },
  LOG_CORRUPT_RECORD: {
    code: 605,
    meaning: 'Bytes in the log fail the record checks (magic, length, CRC-16, commit byte or sequence order); they are skipped and the records around them are still read.',
    action: 'Export the history; if it keeps happening the flash is wearing out or the supply is unstable.',
  },
  LOG_CORRUPT_BLOCK: {
    code: 606,
    meaning: 'A log block header fails its checks or does not fit the ring; the records of that block are not used and the block is reused in turn.',
    action: 'Export the history; if it keeps happening the flash is wearing out.',
  },
  LOG_PAYLOAD: {
    code: 607,
    meaning: 'A log record payload does not fit the format of its type: cut short or an unknown code when read; a number that is not a whole number in range, or more than 254 bytes, when written.',
    action: 'Reading: show the record raw (its type and bytes). Writing: a firmware error, report it with the message.',
  },
  // E610-E619: stored records (firmware/storage/records.ts).
  STORAGE_CORRUPT: {
    code: 610,
    meaning: 'A stored record failed its length or CRC check; it was not used.',
    action: 'None if its twin slot was good (the newer valid copy is used); otherwise re-enter the setting: the pump fell back to safe defaults and raised STORAGE_FAULT.',
  },
  STORAGE_FOREIGN: {
    code: 611,
    meaning: 'A stored record is not one this firmware writes (wrong magic): another program used the storage.',
    action: 'Re-enter the prescription, mechanics and keys; erase the NVS partition if it keeps happening.',
  },
  STORAGE_FUTURE: {
    code: 612,
    meaning: 'A stored record was written by a newer firmware version and is not understood.',
    action: 'Flash the newer firmware again, or re-enter the settings with this one.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

/** A refusal: a numbered code, the table name, and a message naming the field and limit. */
export interface PumpError {
  readonly code: number;
  readonly name: ErrorName;
  readonly message: string;
  /** Path of the offending field, for example `basal.steps[3].rateNlPerDay`. */
  readonly field?: string;
}

export function pumpError(name: ErrorName, message: string, field?: string): PumpError {
  const spec = ERRORS[name];
  return field === undefined ? { code: spec.code, name, message } : { code: spec.code, name, message, field };
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PumpError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: PumpError): Result<T> {
  return { ok: false, error };
}

/** `E123 SOFT_LIMIT: message` - the one-line form used in logs, the CLI and the protocol. */
export function formatError(error: PumpError): string {
  return `E${error.code} ${error.name}: ${error.message}`;
}
