// Renders docs/errors.md from the firmware's error table, so the document can never drift:
// `npm run docs` writes it, and a test fails when the committed file differs.
import { ERRORS } from '../../firmware/core/errors';

export function renderErrorsMarkdown(): string {
  const rows = Object.entries(ERRORS)
    .sort((a, b) => a[1].code - b[1].code)
    .map(([name, e]) => `| E${e.code} | \`${name}\` | ${e.meaning} | ${e.action} |`);
  return [
    '# Error codes',
    '',
    'Every refusal from the firmware (a prescription, mechanics description or drug-library',
    'entry that fails its checks, or a command the pump will not carry out in its state) is one',
    'of these codes with a message that names the field and the limit, for example:',
    '',
    '```',
    'E122 HARD_LIMIT: up to 30000 ug in 24 h (basal, periodic and every allowed patient bolus) is above the hard limit 25000 ug for morphine (library hard.maxDoseUgPer24h)',
    '```',
    '',
    'Nothing is ever applied partly: a refused prescription leaves the running one as it was.',
    'Codes: E100-E109 the shape of any record, E110-E119 prescription structure, E120-E129 drug',
    'library, E200-E209 mechanics, E300-E309 the library file, E400-E429 commands, E430-E439',
    'alarms, E500-E515 the programming protocol ([protocol.md](protocol.md)), E600-E609 the flash',
    'log ([storage-log.md](storage-log.md)), E610-E619 stored records ([safety.md](safety.md)).',
    '',
    'Generated from `firmware/core/errors.ts` by `npm run docs`; do not edit by hand.',
    '',
    '| Code | Name | Meaning | What to do |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
