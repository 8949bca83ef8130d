// `npm run docs`: writes the generated documents.
import { writeFileSync } from 'node:fs';
import { renderErrorsMarkdown } from './errors-md';

writeFileSync(new URL('../../docs/errors.md', import.meta.url), renderErrorsMarkdown());
console.log('wrote docs/errors.md');
