// Renders docs/protocol-commands.md from the protocol's command table (firmware/protocol/schema.ts)
// and the error table (firmware/core/errors.ts), so the document can never drift: `npm run docs`
// writes it, and a test fails when the committed file differs. The terminal session in it is
// the real link's output: a virtual pump with the example files, on a virtual clock.

import library from '../../firmware/app/examples/library.example.json';
import mechanics from '../../firmware/app/examples/mechanics.example.json';
import prescription from '../../firmware/app/examples/prescription.example.json';
import { ERRORS } from '../../firmware/core/errors';
import { ROLES } from '../../firmware/protocol/auth';
import type { Access, ArgSpec, CommandSpec } from '../../firmware/protocol/schema';
import { COMMANDS, RANK } from '../../firmware/protocol/schema';
import { createLinkedPump } from '../protocol/virtual-link';

const HOUR = 3_600_000;
/** The example session: the pump's time of day is set to 08:00 and it runs an hour first. */
const EXAMPLE_TIME_OF_DAY_MS = 8 * HOUR;
const EXAMPLE_RUN_MS = HOUR;
const EXAMPLE_QUERIES = ['STATUS', 'VERSION', 'HELP'] as const;

const entries = (): [string, CommandSpec][] => Object.entries(COMMANDS as Record<string, CommandSpec>);

/** The roles that may send a command of this access, lowest first (higher roles include lower). */
function rolesFor(access: Access): string[] {
  if (access === 'read' || access === 'anyone-framed') return [];
  return (Object.keys(RANK) as (keyof typeof RANK)[]).filter((r) => r !== 'read' && RANK[r] >= RANK[access]);
}

function who(spec: CommandSpec): string {
  switch (spec.access) {
    case 'read':
      return spec.framed ? 'anyone (read-only), framed, no session' : 'anyone (read-only), bare or framed';
    case 'anyone-framed':
      return 'anyone who frames it, no session needed';
    default: {
      const roles = rolesFor(spec.access);
      return `${roles[0]} session${roles.length > 1 ? ` (or ${roles.slice(1).join(', ')})` : ''}`;
    }
  }
}

function needsMac(spec: CommandSpec): boolean {
  return spec.access !== 'read' && spec.access !== 'anyone-framed';
}

function argWord(a: ArgSpec): string {
  const w = a.kind === 'flag' ? `${a.name}=1` : `<${a.name}>`;
  return a.optional ? `[${w}]` : w;
}

function synopsis(name: string, spec: CommandSpec): string {
  const words = [name, ...spec.args.map(argWord)].join(' ');
  if (!spec.framed) return `${words}   or framed: <seq> ${words} *crc`;
  return `<seq> ${words}${needsMac(spec) ? ' #mac' : ''} *crc`;
}

function argKind(a: ArgSpec): string {
  switch (a.kind) {
    case 'int':
      return `int ${a.min}..${a.max} (a whole number)`;
    case 'hex':
      return `hex, exactly ${a.length} lower-case digits (${a.length! / 2} bytes)`;
    case 'role':
      return `role: ${ROLES.join(', ')}`;
    case 'base64':
      return `base64 (padded), at most ${a.length} characters`;
    case 'flag':
      return `flag: \`${a.name}=1\` sets it, \`${a.name}=0\` or leaving it out does not`;
    case 'word':
      return 'a word of 1 to 32 characters: a-z, 0-9, ".", "-", "x"';
  }
}

function argLine(a: ArgSpec): string {
  return `  - \`${a.kind === 'flag' ? `${a.name}=1` : a.name}\`: ${argKind(a)}${a.optional && a.kind !== 'flag' ? ', optional' : ''}`;
}

function replyLine(spec: CommandSpec): string {
  if (spec.reply === '') return '`OK` with no fields';
  // A reply that is more than one OK line (EVENTS) names its OK line itself.
  if (/\bOK\b/.test(spec.reply)) return spec.reply.replace(/\bOK\b(.*)$/, (_m, rest: string) => `\`OK${rest}\``);
  return `\`OK ${spec.reply}\``;
}

function commandSection(name: string, spec: CommandSpec): string[] {
  return [
    `### ${name}`,
    '',
    spec.summary,
    '',
    '```',
    synopsis(name, spec),
    '```',
    '',
    `- **Who**: ${who(spec)}`,
    `- **Framed**: ${spec.framed ? `must be framed (sequence number and CRC${needsMac(spec) ? ', and the session MAC' : ''})` : 'no: may be typed bare'}`,
    `- **Priority**: ${spec.priority ? 'yes: handled before any other line waiting' : 'no'}`,
    spec.args.length === 0 ? '- **Arguments**: none' : '- **Arguments**:',
    ...spec.args.map(argLine),
    `- **Reply**: ${replyLine(spec)}`,
    '',
  ];
}

/** Text for a table cell: a `|` would end the cell, a `<` could start HTML. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/</g, '&lt;');

function summaryTable(): string[] {
  return [
    '| Command | Who may send it | Framed | Priority | Arguments |',
    '| --- | --- | --- | --- | --- |',
    ...entries().map(
      ([name, s]) =>
        `| [${name}](#${name.toLowerCase()}) | ${who(s)} | ${s.framed ? 'yes' : 'no'} | ${s.priority ? 'yes' : 'no'} | ${s.args.length ? `\`${s.args.map(argWord).join(' ')}\`` : 'none'} |`,
    ),
  ];
}

interface ErrorGroup {
  readonly from: number;
  readonly to: number;
  readonly title: string;
  readonly note: string;
}

/** The error codes a command can return, by code range. */
const GROUPS: readonly ErrorGroup[] = [
  {
    from: 500,
    to: 515,
    title: 'E500-E515: the protocol',
    note: 'Lines and framing, two-phase programming (STAGE, CHUNK, SHOW, COMMIT), authentication, sessions and keys ([protocol.md](protocol.md)).',
  },
  {
    from: 100,
    to: 109,
    title: 'E100-E109: the shape of a record',
    note: 'SHOW and COMMIT: a field of the staged prescription (E101 also when the staged text is not JSON); CBOLUS, REFILL, CLOCK, LOWRES: a value the pump cannot take.',
  },
  { from: 110, to: 119, title: 'E110-E119: prescription structure', note: 'SHOW and COMMIT: the staged prescription is not consistent.' },
  { from: 120, to: 129, title: 'E120-E129: drug library', note: 'SHOW and COMMIT: the staged prescription against the drug library (COMMIT soft=1 and big=1 override E123 and E124).' },
  { from: 200, to: 209, title: 'E200-E209: mechanics', note: 'MECH: the syringe, lead, steps or calibration given are not usable.' },
  { from: 400, to: 429, title: "E400-E429: commands refused in the pump's state", note: 'BOLUS, CBOLUS, PAUSE, RESUME, REFILL, PRIME and the like, when the pump cannot carry them out now.' },
  {
    from: 430,
    to: 439,
    title: 'E430-E439: alarms',
    note: 'Most commands while an alarm is unacknowledged or still stops delivery (see [alarms.md](alarms.md)); E432 when ACK names an alarm that is not active.',
  },
];
/** Codes no command returns: the library file and storage are read at boot. */
const NOT_FROM_COMMANDS: readonly { readonly from: number; readonly to: number }[] = [
  { from: 300, to: 309 },
  { from: 600, to: 619 },
];

function errorTables(): string[] {
  const all = Object.entries(ERRORS).sort((a, b) => a[1].code - b[1].code);
  const inRange = (code: number, r: { from: number; to: number }): boolean => code >= r.from && code <= r.to;
  for (const [name, e] of all) {
    if (!GROUPS.some((g) => inRange(e.code, g)) && !NOT_FROM_COMMANDS.some((r) => inRange(e.code, r))) {
      throw new Error(`E${e.code} ${name} is in no group of host/docs/protocol-commands-md.ts: add its range`);
    }
  }
  for (let code = 500; code <= 515; code++) {
    if (!all.some(([, e]) => e.code === code)) throw new Error(`protocol error E${code} is missing from firmware/core/errors.ts`);
  }
  return GROUPS.flatMap((g) => [
    `### ${g.title}`,
    '',
    g.note,
    '',
    '| Code | Name | Meaning | What to do |',
    '| --- | --- | --- | --- |',
    ...all.filter(([, e]) => inRange(e.code, g)).map(([name, e]) => `| E${e.code} | \`${name}\` | ${cell(e.meaning)} | ${cell(e.action)} |`),
    '',
  ]);
}

/** The example session's lines: what a person types and every line the pump answers. */
export function terminalSession(): { readonly from: 'host' | 'pump'; readonly line: string }[] {
  const lp = createLinkedPump({ mechanics, library, prescription, timeOfDayMs: EXAMPLE_TIME_OF_DAY_MS });
  lp.vp.runFor(EXAMPLE_RUN_MS);
  const client = lp.client();
  const out: { from: 'host' | 'pump'; line: string }[] = [];
  for (const q of EXAMPLE_QUERIES) {
    const before = client.received.length;
    const reply = client.query(q);
    if (!reply.ok) throw new Error(`the example ${q} is refused: ${client.received.slice(before).join(' ')}`);
    out.push({ from: 'host', line: q }, ...client.received.slice(before).map((line) => ({ from: 'pump' as const, line })));
    if (q === 'HELP' && reply.fields['commands'] !== Object.keys(COMMANDS).join(',')) throw new Error('HELP does not list the command table');
  }
  return out;
}

function exampleSession(): string[] {
  return [
    '## At a terminal',
    '',
    'The read-only queries may be typed bare at a serial terminal (115200 8N1, CR, LF or CRLF line',
    'ends, in any case). A bare query gets a reply without a sequence number; it still ends in a CRC, which a',
    'person can ignore. This session is the real link on the virtual board (`createLinkedPump`',
    'in `host/protocol/virtual-link.ts`) with the example mechanics, library and prescription from',
    '`firmware/app/examples/`, its time of day set to 08:00 and one hour of virtual time run:',
    '',
    '```',
    ...terminalSession().map((l) => `${l.from === 'host' ? 'host →' : 'pump ←'} ${l.line}`),
    '```',
    '',
    'STATUS: `rate` is nl/day, `delivered`, `reservoir` and `today` are nl, `alarms` lists active',
    'alarm codes, `next` (the next rate change or bolus boundary) and `empty` (when the reservoir',
    "would be empty in the worst case) are ms on the pump's monotonic clock, and `session` is the",
    "role of this link's session.",
    '',
  ];
}

export function renderProtocolCommands(): string {
  return [
    '# Protocol commands',
    '',
    'Every command of the programming protocol ([protocol.md](protocol.md)), from the table in',
    '`firmware/protocol/schema.ts`, and every error code a command can return, from',
    '`firmware/core/errors.ts`. Generated by `npm run docs` (`host/docs/protocol-commands-md.ts`)',
    'and checked by a test; do not edit by hand.',
    '',
    '- **Who**: read-only commands need no session, and `STOP` needs only framing. The others',
    '  need a session of a role, and a higher role may send everything a lower one may:',
    `  ${(Object.keys(RANK) as (keyof typeof RANK)[]).sort((a, b) => RANK[a] - RANK[b]).join(' < ')}.`,
    '- **Framed**: a framed line carries a sequence number and a CRC (`<seq> COMMAND args *crc`);',
    '  commands that need a role also carry the session MAC (`#mac`) before the CRC.',
    '- **Priority**: handled the moment its line is complete, before any other line waiting.',
    '- **Arguments** are positional, separated by one space, in the order given; optional ones',
    '  (in brackets) may be left out, and flags (`name=1`) come after the others in any order.',
    "- **Reply**: the fields after `OK`; every reply repeats the frame's sequence number (none",
    '  for a bare query) and ends in ` *crc`. A refusal is `ERR <code> <text>` (see Errors).',
    '',
    '## Summary',
    '',
    ...summaryTable(),
    '',
    ...exampleSession(),
    '## Commands',
    '',
    ...entries().flatMap(([name, spec]) => commandSection(name, spec)),
    '## Errors',
    '',
    "The protocol's own codes, then the pump's errors a command can return, by code range. The",
    'library file (E300-E309) and storage (E600-E619) codes come only at boot; every code is in',
    '[errors.md](errors.md).',
    '',
    ...errorTables(),
  ].join('\n');
}
