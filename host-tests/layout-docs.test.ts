// The README's Layout block and the architecture diagram name every folder there is (issue 20:
// both had gone stale, missing six host folders). A new folder fails this test until the two
// documents say what it holds; a folder that is gone fails it until they stop naming it.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const folders = (dir: string): string[] =>
  readdirSync(join(ROOT, dir))
    .filter((name) => statSync(join(ROOT, dir, name)).isDirectory())
    .map((name) => `${dir}/${name}`)
    .sort();

/** The first fenced block after a heading. */
function blockAfter(text: string, heading: string): string {
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`no "${heading}"`);
  const open = text.indexOf('```\n', at);
  const close = text.indexOf('```\n', open + 4);
  return text.slice(open + 4, close);
}

describe("the README's Layout block", () => {
  const block = blockAfter(read('README.md'), '## Layout');
  const named = new Set(
    block
      .split('\n')
      .filter((line) => /^\S/.test(line))
      .map((line) => line.split(/\s+/)[0]!),
  );

  it('names every firmware and host folder, and only folders that exist', () => {
    const want = [...folders('firmware'), ...folders('host')];
    expect(want.filter((f) => !named.has(f))).toEqual([]);
    const gone = [...named].filter((n) => /^(firmware|host)\/[\w-]+$/.test(n) && !want.includes(n));
    expect(gone).toEqual([]);
  });

  it('lists every document in docs/', () => {
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    expect(docs.filter((d) => !block.includes(d))).toEqual([]);
  });
});

describe('the architecture diagram (docs/architecture.md)', () => {
  const diagram = blockAfter(read('docs/architecture.md'), '## Layers');

  it('names every host folder', () => {
    expect(folders('host').filter((f) => !diagram.includes(`${f} `))).toEqual([]);
  });

  it('names every firmware layer', () => {
    const layers = folders('firmware').map((f) => f.slice('firmware/'.length));
    expect(layers.filter((l) => !new RegExp(`│ ${l}/`).test(diagram))).toEqual([]);
  });
});
