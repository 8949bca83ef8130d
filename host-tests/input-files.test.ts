// Input files for npm start and pumpctl (issue 21, item 6): YAML as well as JSON, a misspelt
// required field named as unknown with the right name, a syntax error as line and column, a
// missing file in words; and npm start's --for (issue 21, item 1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBoardOptions } from '../host/board/options';
import { checkPrescriptionText } from '../host/cli/prescription-file';
import { readJsonFile } from '../host/json-file';

const DIR = mkdtempSync(join(tmpdir(), 'input-files-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const f = join(DIR, name);
  writeFileSync(f, text);
  return f;
};

const TYPO = '{\n  "name": "x",\n  "drug": { "name": "water-bench", "concentrationUgPerMl": 1000000 },\n  "mode": "continuous",\n  "rateNlPerDAY": 24000000\n}\n';

describe('input files', () => {
  it('reads YAML by the file name, and says where its syntax breaks', () => {
    const ok = readJsonFile('prescription', file('rx.yaml', 'name: x\nmode: continuous\nrateNlPerDay: 100\n'));
    expect(ok.ok && ok.value).toEqual({ name: 'x', mode: 'continuous', rateNlPerDay: 100 });
    const bad = readJsonFile('prescription', file('bad.yml', 'name: x\nmode: [continuous\n'));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/is not valid YAML at line 3, column 1/);
  });

  it('gives a JSON syntax error as line and column, never a character offset', () => {
    const r = readJsonFile('prescription', file('comma.json', '{\n  "name": "x",\n  "mode": "continuous",\n}\n'));
    expect(!r.ok && r.message).toMatch(/is not valid JSON at line 4, column 1: /);
    expect(!r.ok && r.message).not.toMatch(/position|offset/);
    const rx = checkPrescriptionText('{\n  "name": "x",\n}\n', 'c.json');
    expect(!rx.ok && rx.message).toMatch(/c\.json is not valid JSON at line 3, column 1/);
  });

  it('says a missing file is missing, in words', () => {
    const r = readJsonFile('prescription', join(DIR, 'none.json'));
    expect(!r.ok && r.message).toMatch(/cannot read the prescription file .*none\.json: no such file \(ENOENT\)$/);
  });

  it('names a misspelt required field as unknown, with the field it should be', () => {
    const r = checkPrescriptionText(TYPO, 'typo.json');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe('typo.json:5 (field rateNlPerDAY): E104 FIELD_UNKNOWN: rateNlPerDAY is not a known field: did you mean rateNlPerDay?');
    const nested = checkPrescriptionText('name: x\ndrug:\n  nmae: water-bench\n  concentrationUgPerMl: 1000000\nmode: continuous\nrateNlPerDay: 1\n', 'n.yaml');
    expect(!nested.ok && nested.message).toMatch(/^n\.yaml:3 \(field drug\.nmae\): E104 FIELD_UNKNOWN: drug\.nmae is not a known field: did you mean name\?$/);
    // A field really left out stays "missing".
    const missing = checkPrescriptionText('name: x\ndrug:\n  name: water-bench\n  concentrationUgPerMl: 1000000\nmode: continuous\n', 'm.yaml');
    expect(!missing.ok && missing.message).toMatch(/E100 FIELD_MISSING: rateNlPerDay is required/);
  });
});

describe('npm start --for', () => {
  it('takes a duration and refuses anything else', () => {
    const o = readBoardOptions(['--for', '10m']);
    expect(o !== 'help' && o.forMs).toBe(600_000);
    expect(() => readBoardOptions(['--for', 'soon'])).toThrow(/--for "soon" is not a duration such as 10m/);
    const none = readBoardOptions([]);
    expect(none !== 'help' && none.forMs).toBeUndefined();
  });
});
