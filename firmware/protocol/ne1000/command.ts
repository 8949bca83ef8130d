// One NE-1000 command as the pump reads it, after the framing: `[address | *] name [data]`
// (manual 1200-01, 10.2.4). Names are two or three letters and the data follows without a
// separator once spaces are stripped ("DIRINF", "RAT0.5MM", "AL0"), so a name is found as the
// longest known prefix. No name is a status query; an unknown one is answered `?`.

/** Every name this pump answers (docs/ne1000.md says what each does). */
export const NAMES = [
  // The commands a lab's scripts use.
  'DIA',
  'RAT',
  'VOL',
  'DIR',
  'RUN',
  'STP',
  'PUR',
  'DIS',
  'CLD',
  'VER',
  'SAF',
  'BUZ',
  'ADR',
  'PHN',
  'FUN',
  // Set-up commands client libraries send at connect: accepted, stored, not acted on.
  'TRG',
  'AL',
  'PF',
  'BP',
  'IN',
  'LN',
  // This rig's own: leave the NE-1000 mode for the native protocol.
  'NATIVE',
] as const;

export type CommandName = (typeof NAMES)[number];

const BY_LENGTH = [...NAMES].sort((a, b) => b.length - a.length);

export interface NeCommand {
  /** The address it was sent to; undefined for none (the pump's own) or `*` (every pump). */
  readonly address: number | undefined;
  /** `*`: a system command, for whatever address the pump has. */
  readonly system: boolean;
  /** '' for a status query; undefined for a name the pump does not know. */
  readonly name: CommandName | '' | undefined;
  readonly data: string;
}

export function parseCommand(text: string): NeCommand {
  const m = /^(\*|[0-9]{1,2})?(.*)$/.exec(text)!;
  const prefix = m[1];
  const rest = m[2] ?? '';
  const address = prefix === undefined || prefix === '*' ? undefined : Number(prefix);
  const system = prefix === '*';
  if (rest === '') return { address, system, name: '', data: '' };
  const name = BY_LENGTH.find((n) => rest.startsWith(n));
  return { address, system, name, data: name === undefined ? rest : rest.slice(name.length) };
}
