import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../firmware/core/errors';
import { ALARMS } from '../firmware/core/alarms';
import { COMMANDS } from '../firmware/protocol/schema';
import { renderAlarmsMarkdown } from '../host/docs/alarms-md';
import { renderErrorsMarkdown } from '../host/docs/errors-md';
import { renderProtocolCommands } from '../host/docs/protocol-commands-md';
import { renderProtocolExample } from '../host/docs/protocol-example';
import { withPumpctlErrors } from '../host/docs/pumpctl-md';
import { EXIT, exitsUsedBy, HOST_ERRORS } from '../host/errors';
import { PUMPCTL_ERRORS } from '../host/errors/pumpctl';
import { ERROR_SECTIONS, renderHostErrorsMarkdown, withErrorSection } from '../host/docs/host-errors-md';
import { PNG_SIGNATURE } from '../host/chart/png';

describe('docs/errors.md', () => {
  it('is the table generated from firmware/core/errors.ts (run `npm run docs` after changing it)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsMarkdown());
  });

  it('gives every error a unique code', () => {
    const codes = Object.values(ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('docs/alarms.md', () => {
  it('is the table generated from firmware/core/alarms.ts (run `npm run docs` after changing it)', () => {
    expect(readFileSync(new URL('../docs/alarms.md', import.meta.url), 'utf8')).toBe(renderAlarmsMarkdown());
  });

  it('gives every alarm a unique code', () => {
    const codes = Object.values(ALARMS).map((a) => a.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('docs/protocol-commands.md', () => {
  const doc = (): string => readFileSync(new URL('../docs/protocol-commands.md', import.meta.url), 'utf8');

  it('is the reference generated from firmware/protocol/schema.ts (run `npm run docs` after changing it)', () => {
    expect(doc()).toBe(renderProtocolCommands());
  });

  it('is the same every time it is generated (the terminal session runs on a virtual clock)', () => {
    expect(renderProtocolCommands()).toBe(renderProtocolCommands());
  });

  it('documents every command in COMMANDS', () => {
    const text = doc();
    for (const name of Object.keys(COMMANDS)) expect(text, name).toContain(`\n### ${name}\n`);
  });

  it('lists every protocol error code', () => {
    const text = doc();
    for (const e of Object.values(ERRORS).filter((x) => x.code >= 500 && x.code < 600)) expect(text).toContain(`| E${e.code} |`);
  });
});

describe('docs/protocol.md', () => {
  it('ends with the worked example generated from the firmware (run `npm run docs` after changing it)', () => {
    const text = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
    const heading = '\n\n## Worked example\n';
    const at = text.indexOf(heading);
    expect(at).toBeGreaterThan(0);
    expect(text.indexOf(heading, at + 1)).toBe(-1);
    expect(text.slice(at + 2)).toBe(renderProtocolExample());
  });

  it('links to the generated command reference', () => {
    expect(readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8')).toContain('](protocol-commands.md)');
  });
});

describe('docs/pumpctl.md', () => {
  it('ends with the exit codes and errors generated from host/errors/ (run `npm run docs` after changing it)', () => {
    const text = readFileSync(new URL('../docs/pumpctl.md', import.meta.url), 'utf8');
    expect(withPumpctlErrors(text)).toBe(text);
    for (const name of exitsUsedBy(Object.values(PUMPCTL_ERRORS))) expect(text).toMatch(new RegExp(`\\| ${EXIT[name]} \\| ${name} \\|`));
    for (const e of Object.values(PUMPCTL_ERRORS)) expect(text).toContain(`| E${e.code} | ${e.name} | ${EXIT[e.exit]} |`);
  });
});

describe('the host tools’ errors (host/errors/)', () => {
  it('docs/host-errors.md is the reference generated from them (run `npm run docs` after changing them)', () => {
    expect(readFileSync(new URL('../docs/host-errors.md', import.meta.url), 'utf8')).toBe(renderHostErrorsMarkdown());
  });

  it.each(Object.keys(ERROR_SECTIONS))('docs/%s holds its generated error section as generated', (name) => {
    const text = readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');
    expect(withErrorSection(name, text)).toBe(text);
  });

  it('gives every host error a unique code, a meaning and what to do, and one meaning per exit status', () => {
    const codes = HOST_ERRORS.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of HOST_ERRORS) expect([e.meaning.length > 10, e.action.length > 10], `E${e.code}`).toEqual([true, true]);
    const statuses = Object.values(EXIT);
    expect(new Set(statuses).size).toBe(statuses.length);
  });
});

describe('docs/images (the example accuracy run)', () => {
  // The SVGs are compared byte for byte; the PNGs are resvg's renderings of them, whose pixels
  // may change with resvg's version, so they are checked for being PNGs of the SVG's size.
  it('are the charts the example run draws (run `npm run docs` after changing the analysis or the charts)', async () => {
    const { renderAccuracyExample } = await import('../host/docs/accuracy-example');
    const example = await renderAccuracyExample();
    expect(readFileSync(new URL('../docs/images/trumpet-1mlh.svg', import.meta.url), 'utf8')).toBe(example.trumpet);
    expect(readFileSync(new URL('../docs/images/startup-1mlh.svg', import.meta.url), 'utf8')).toBe(example.startup);
  });

  it.each(['trumpet-1mlh', 'startup-1mlh'])('%s.png is a PNG of its SVG’s size', (name) => {
    const png = readFileSync(new URL(`../docs/images/${name}.png`, import.meta.url));
    const svg = readFileSync(new URL(`../docs/images/${name}.svg`, import.meta.url), 'utf8');
    const [, w, h] = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!;
    expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Number(w), Number(h)]);
    expect(png.length).toBeGreaterThan(5_000); // drawn, not blank
  });
});
