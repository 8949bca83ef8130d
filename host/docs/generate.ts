// `npm run docs`: writes the generated documents.
import { writeFileSync } from 'node:fs';
import { renderAlarmsMarkdown } from './alarms-md';
import { renderErrorsMarkdown } from './errors-md';

writeFileSync(new URL('../../docs/errors.md', import.meta.url), renderErrorsMarkdown());
writeFileSync(new URL('../../docs/alarms.md', import.meta.url), renderAlarmsMarkdown());
console.log('wrote docs/errors.md and docs/alarms.md');
