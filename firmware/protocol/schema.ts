// The one command table of the programming protocol, used by the firmware's dispatcher and by
// the host tools (codec, CLI, tests, generated docs), so they cannot drift apart. Each command
// names the least role allowed to send it, whether it must be framed, its arguments with their
// ranges, and what its reply carries.

import type { Role } from '../ports/auth';

export type Access = 'read' | 'anyone-framed' | 'patient' | 'clinician' | 'service';

/** How much each role may do: a role may send every command of the roles below it. */
export const RANK: Readonly<Record<'read' | 'patient' | 'clinician' | 'service', number>> = { read: 0, patient: 1, clinician: 2, service: 3 };

export type ArgKind = 'int' | 'hex' | 'role' | 'base64' | 'flag' | 'word';

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  readonly min?: number;
  readonly max?: number;
  /** For hex: the exact number of hex digits. For base64: the most characters. */
  readonly length?: number;
  readonly optional?: boolean;
}

export interface CommandSpec {
  readonly access: Access;
  /** Must carry a sequence number and a CRC (everything that changes state). */
  readonly framed: boolean;
  /** Handled before any other line waiting (STOP, ACK). */
  readonly priority?: boolean;
  readonly args: readonly ArgSpec[];
  readonly summary: string;
  readonly reply: string;
}

// Generic in the name and optionality, so each entry keeps its literal types and the handlers
// (handlers.ts) get their arguments typed from this table (ArgsOf) instead of cast one by one.
const int = <N extends string, O extends boolean = false>(name: N, min: number, max: number, optional: O = false as O) => ({ name, kind: 'int' as const, min, max, optional });
const hex = <N extends string>(name: N, length: number) => ({ name, kind: 'hex' as const, length });
const flag = <N extends string>(name: N) => ({ name, kind: 'flag' as const, optional: true as const });
const DAY = 86_400_000;
const NL_MAX = 100_000_000;

export const COMMANDS = {
  HELP: { access: 'read', framed: false, args: [], summary: 'Lists the commands.', reply: 'commands=<names>' },
  HELLO: { access: 'read', framed: false, args: [], summary: 'Starts authentication: a fresh device nonce, valid 30 s.', reply: 'v=1 nonce=<32 hex>' },
  VERSION: { access: 'read', framed: false, args: [], summary: 'Firmware and protocol versions.', reply: 'fw=<version> proto=1' },
  STATUS: {
    access: 'read',
    framed: false,
    args: [],
    summary: 'Delivery state, rate, delivered, reservoir, alarms.',
    reply: 'state= rate= delivered= reservoir= today= alarms= next= empty= session= now= authlock=<s AUTH stays locked>',
  },
  NEXT: {
    access: 'read',
    framed: false,
    args: [],
    summary: "The next change of the basal rate (a schedule step, a trial's end): when, on the pump's clock as STATUS now=, the rate from then, and the time of day now, to show it as a clock time.",
    reply: 'at=<ms or none> rate=<nl/day or none> now= tod=<ms after midnight>',
  },
  RX: { access: 'read', framed: false, args: [], summary: 'The running prescription.', reply: 'name= mode= drug= conc= ugday= crc=' },
  ALARMS: { access: 'read', framed: false, args: [], summary: 'Active alarms, highest priority first.', reply: 'n= a1=<code>:<name>:<priority>:<ack> ...' },
  INFO: {
    access: 'read',
    framed: false,
    args: [],
    summary: 'Versions, mechanics, calibration, battery, reservoir (volume, drug and concentration) and the extent of the history log.',
    reply:
      'fw= proto= syringe= boreUm= capacityNl= leadUm= stepsPerRev= microsteps= maxStepHz= flPerMicrostep= calibrated= reservoirNl= lowReservoirNl= drug= conc= batteryPct= eriMs= uptimeMs= logFirst= logLast=',
  },
  RXDATA: {
    access: 'read',
    framed: false,
    args: [int('offset', 0, 4096)],
    summary: 'The running prescription as stored (ASCII-escaped JSON), 48 bytes from `offset`, base64.',
    reply: 'bytes= crc32= offset= data=<base64, or - past the end>',
  },
  LOG: {
    access: 'read',
    framed: false,
    args: [int('from', 0, 2 ** 31), int('max', 1, 20, true)],
    summary:
      'History records from sequence number `from` (at most `max`, default 10, 20 a page), oldest first: events (hour-total events close each hour), per-drug hourly totals (type drug-hour) and notes.',
    reply: 'lines L <seq> <timeS> <type> <reason> key=value ..., then OK first= last= n= next=',
  },
  EVENTS: { access: 'read', framed: false, args: [int('from', 0, 2 ** 31)], summary: 'Replays buffered event lines from event number `from`.', reply: 'event lines, then OK first= last=' },
  SUB: { access: 'read', framed: false, args: [int('on', 0, 1)], summary: 'Turns unsolicited event lines on (1) or off (0).', reply: 'sub=<0|1> next=<event seq>' },
  STOP: { access: 'anyone-framed', framed: true, priority: true, args: [], summary: 'Pauses delivery at once (anyone who can frame a line).', reply: 'state=' },
  AUTH: {
    access: 'read',
    framed: true,
    args: [{ name: 'role', kind: 'role' }, hex('nonce', 32), hex('proof', 32)],
    summary: 'Proves the role key; opens a session.',
    reply: 'session=<8 hex> ttl=<s> proof=<32 hex>',
  },
  KEY: {
    access: 'service',
    framed: true,
    args: [{ name: 'role', kind: 'role' }, hex('key', 64)],
    summary: 'Sets a role key (service session, or without one within 120 s of a boot with the service pin held).',
    reply: 'role=',
  },
  MODE: {
    access: 'service',
    framed: true,
    args: [{ name: 'mode', kind: 'word' }],
    summary: 'Switches the programming UART to `ne1000` (the NE-1000-compatible mode, docs/ne1000.md; kept across reboots) or back to `native`, after this reply.',
    reply: 'mode=',
  },
  MECH: {
    access: 'service',
    framed: true,
    args: [{ name: 'syringe', kind: 'word' }, int('leadUm', 100, 50_000), int('fullStepsPerRev', 24, 1_000), int('microsteps', 1, 256), int('calibrationPnl', 1, 100_000_000_000, true)],
    summary:
      'Sets the mechanics while delivery is paused: a syringe from the table (or <bore um>x<capacity nl>), lead, steps per turn, microstepping, and optionally the calibrated volume of a microstep in picolitres.',
    reply: 'syringe= flPerMicrostep=',
  },
  BYE: { access: 'patient', framed: true, args: [], summary: 'Ends the session.', reply: '' },
  BOLUS: { access: 'patient', framed: true, args: [], summary: 'A patient bolus, within lockout and the 24-hour maxima.', reply: 'bolus=<id>' },
  STAGE: {
    access: 'clinician',
    framed: true,
    args: [int('bytes', 2, 4096), hex('crc32', 8)],
    summary: 'Begins staging a prescription of `bytes` bytes of JSON whose CRC-32 is `crc32`.',
    reply: 'bytes= crc32=',
  },
  CHUNK: {
    access: 'clinician',
    framed: true,
    args: [int('offset', 0, 4095), { name: 'data', kind: 'base64', length: 64 }],
    summary: 'The staged JSON from `offset`, base64 (at most 48 bytes a chunk), in order.',
    reply: 'have=<bytes>',
  },
  SHOW: {
    access: 'clinician',
    framed: true,
    args: [],
    summary:
      'Checks the staged prescription: its CRC, warnings, what differs from the running one, and which confirmations COMMIT will want (soft=1 for a soft limit passed, big=1 for a ten-fold increase, with the E124 text it would refuse with).',
    reply: 'crc32= warnings= diff=<fields> needs=<soft,big or none> w1=... big=<E124 text, when needed>',
  },
  COMMIT: {
    access: 'clinician',
    framed: true,
    args: [hex('crc32', 8), flag('soft'), flag('big')],
    summary: 'Runs the staged prescription named by its CRC-32; soft=1 overrides soft limits, big=1 confirms a ten-fold increase.',
    reply: 'name= crc32=',
  },
  CBOLUS: { access: 'clinician', framed: true, args: [int('volumeNl', 1, NL_MAX), int('durationMs', 1000, DAY), int('delayMs', 0, DAY, true)], summary: 'A clinician bolus.', reply: 'bolus=<id>' },
  PAUSE: { access: 'clinician', framed: true, args: [], summary: 'Pauses delivery (missed time is never caught up).', reply: 'state=' },
  RESUME: { access: 'clinician', framed: true, args: [], summary: 'Resumes delivery.', reply: 'state=' },
  ACK: { access: 'clinician', framed: true, priority: true, args: [int('code', 1, 99, true)], summary: 'Acknowledges one alarm by code, or all.', reply: 'cleared=<n>' },
  REFILL: {
    access: 'clinician',
    framed: true,
    args: [int('removedNl', 0, NL_MAX), int('addedNl', 0, NL_MAX), int('concUgPerMl', 1, 1_000_000), { name: 'drug', kind: 'word', optional: true }],
    summary:
      "Records a refill: residual volume removed, volume added, concentration and drug (default: the drug the reservoir held). These become what the reservoir holds; another drug or concentration than the running prescription's needs delivery paused, and then a prescription for them before delivery starts again.",
    reply: 'reservoir= expected=',
  },
  PRIME: { access: 'clinician', framed: true, args: [], summary: "Primes the catheter dead volume at the prescription's priming rate.", reply: 'bolus=<id>' },
  CAL: {
    access: 'service',
    framed: true,
    args: [int('commandedNl', 1_000, NL_MAX), int('measuredNl', 1, NL_MAX)],
    summary: 'Gravimetric calibration while paused: scales the volume of a microstep by measured over commanded (at most 20% change) and stores it.',
    reply: 'flPerMicrostep= calibrated=1',
  },
  CLOCK: { access: 'clinician', framed: true, args: [int('timeOfDayMs', 0, DAY - 1)], summary: 'Sets the time of day (ms after midnight).', reply: '' },
  LOWRES: { access: 'clinician', framed: true, args: [int('volumeNl', 0, NL_MAX)], summary: 'Sets the low-reservoir alarm threshold.', reply: '' },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** What readArgs (args.ts) makes of an argument of each kind. */
interface ArgTypes {
  readonly int: number;
  readonly hex: string;
  readonly role: Role;
  readonly base64: Uint8Array;
  readonly flag: boolean;
  readonly word: string;
}

/** The arguments of command C as readArgs returns them once checked against C's entry. */
export type ArgsOf<C extends CommandName> = {
  readonly [A in (typeof COMMANDS)[C]['args'][number] as A['name']]: A extends { readonly optional: true } ? ArgTypes[A['kind']] | undefined : ArgTypes[A['kind']];
};

export function commandSpec(name: string): CommandSpec | undefined {
  return Object.hasOwn(COMMANDS, name) ? (COMMANDS as Record<string, CommandSpec>)[name] : undefined;
}

export const PROTOCOL_VERSION = 1;
