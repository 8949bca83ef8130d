// `npm run docs`: writes the generated documents, and the generated "Worked example" section at
// the end of docs/protocol.md (everything from its heading to the end of the file; the rest of
// protocol.md is written by hand and kept as it is), and from the pin map the wiring table in
// hardware/README.md (between its marker lines) and the wiring diagrams hardware/wiring*.svg.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderAllWiringSvgs } from '../hardware/wiring-svg';
import { withWiringTable } from '../hardware/wiring-table';
import { renderAlarmsMarkdown } from './alarms-md';
import { renderErrorsMarkdown } from './errors-md';
import { renderProtocolCommands } from './protocol-commands-md';
import { renderProtocolExample } from './protocol-example';
import { withPumpctlErrors } from './pumpctl-md';
import { ERROR_SECTIONS, renderHostErrorsMarkdown, withErrorSection } from './host-errors-md';
import { renderAccuracyExample } from './accuracy-example';
import { svgToPng } from '../chart';

const doc = (name: string): URL => new URL(`../../docs/${name}`, import.meta.url);
const hardware = (name: string): URL => new URL(`../../hardware/${name}`, import.meta.url);
const WORKED_EXAMPLE = '## Worked example';

/** protocol.md with its worked-example section (heading to end of file) replaced, or appended. */
function withWorkedExample(text: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(WORKED_EXAMPLE);
  if (at >= 0 && lines.indexOf(WORKED_EXAMPLE, at + 1) >= 0) throw new Error(`docs/protocol.md has "${WORKED_EXAMPLE}" twice`);
  if (at < 0 && text.includes(WORKED_EXAMPLE)) throw new Error(`docs/protocol.md has "${WORKED_EXAMPLE}" but not as a line of its own`);
  const head =
    at >= 0
      ? lines
          .slice(0, at)
          .map((l) => `${l}\n`)
          .join('')
      : `${text.replace(/\n*$/, '')}\n\n`;
  return head + renderProtocolExample();
}

writeFileSync(doc('errors.md'), renderErrorsMarkdown());
writeFileSync(doc('alarms.md'), renderAlarmsMarkdown());
writeFileSync(doc('protocol-commands.md'), renderProtocolCommands());
writeFileSync(doc('protocol.md'), withWorkedExample(readFileSync(doc('protocol.md'), 'utf8')));
writeFileSync(doc('pumpctl.md'), withPumpctlErrors(readFileSync(doc('pumpctl.md'), 'utf8')));
writeFileSync(doc('host-errors.md'), renderHostErrorsMarkdown());
for (const name of Object.keys(ERROR_SECTIONS)) writeFileSync(doc(name), withErrorSection(name, readFileSync(doc(name), 'utf8')));
writeFileSync(hardware('README.md'), withWiringTable(readFileSync(hardware('README.md'), 'utf8')));
const example = await renderAccuracyExample();
for (const [name, svg] of [
  ['trumpet-1mlh', example.trumpet],
  ['startup-1mlh', example.startup],
] as const) {
  writeFileSync(doc(`images/${name}.svg`), svg);
  writeFileSync(doc(`images/${name}.png`), svgToPng(svg));
}
const svgs = renderAllWiringSvgs();
for (const [name, svg] of svgs) writeFileSync(hardware(name), svg);
console.log(
  `wrote docs/errors.md, docs/alarms.md, docs/protocol-commands.md, the worked example in docs/protocol.md, docs/host-errors.md and the error sections of docs/pumpctl.md, docs/${Object.keys(ERROR_SECTIONS).join(', docs/')}`,
);
console.log('wrote docs/images/trumpet-1mlh.svg, startup-1mlh.svg and their PNGs (the example accuracy run)');
console.log(`wrote the wiring table in hardware/README.md and hardware/${[...svgs.keys()].join(', hardware/')}`);
