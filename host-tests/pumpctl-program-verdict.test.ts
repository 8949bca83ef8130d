// pumpctl program asks the pump for its verdict when it stages (issue 21, item 2): SHOW says
// which confirmations COMMIT will want (--soft for a soft limit passed, --big with the pump's
// E124 text for a ten-fold change), and pumpctl says so before it asks `Commit ...? [y/N]`,
// never asking for a yes the pump would refuse; --dry-run gives the same verdict.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../host/errors';
import { exampleKey } from '../host/protocol/virtual-link';
import { continuous, PATIENT } from './fixtures';
import { board, keyFile, pumpctl, rxFile } from './pumpctl-mock';

describe("program: the pump's verdict before the question (issue 21, item 2)", () => {
  it('SHOW says which confirmations COMMIT will want, with the E124 text', () => {
    const b = board();
    const c = b.client();
    c.login('clinician', exampleKey('clinician'));
    c.stage(continuous(10_000_000, { patientBolus: PATIENT }));
    const show = c.send('SHOW');
    expect(show.fields['needs']).toBe('big');
    expect(show.fields['big']).toMatch(/^the_new_prescription_delivers_.*10\.0_times/);
    c.stage(continuous(1_100_000, { patientBolus: PATIENT }));
    expect(c.send('SHOW').fields['needs']).toBe('none');
  });

  it('a ten-fold change without --big: says E124 and --big, and never asks', async () => {
    const b = board();
    const keys = keyFile();
    const file = rxFile(continuous(10_000_000, { name: 'ten-fold', patientBolus: PATIENT }));
    const asked: string[] = [];
    const confirm = async (q: string) => {
      asked.push(q);
      return true;
    };
    const r = await pumpctl(b.respond, ['--keys', keys, 'program', file], confirm);
    expect(r.code).toBe(EXIT.refused);
    expect(r.stderr).toMatch(/E821 PUMP_REFUSED: the pump would refuse to commit this \(nothing was committed\): E124 LARGE_INCREASE: the new prescription delivers .* \(10\.0 times\); .*add --big/);
    expect(asked).toEqual([]);
    expect(r.sent.some((t) => / COMMIT /.test(t))).toBe(false);
    expect(b.vp.controller.pump.prescription?.name).toBe('test');
    // The dry run gives the same verdict, and with --big it would be accepted.
    const dry = await pumpctl(b.respond, ['--keys', keys, 'program', file, '--dry-run']);
    expect(dry.code).toBe(EXIT.refused);
    expect(dry.stderr).toMatch(/E124 .*add --big/);
    const dryBig = await pumpctl(b.respond, ['--keys', keys, 'program', file, '--dry-run', '--big']);
    expect(dryBig.code).toBe(EXIT.ok);
    expect(dryBig.stdout).toMatch(/ten-fold increase confirmed \(--big\): the new prescription delivers/);
    expect(dryBig.stdout).toMatch(/dry run: staged and checked, not committed; the pump would accept it with these options/);
    // With --big it asks, and commits on yes.
    const big = await pumpctl(b.respond, ['--keys', keys, 'program', file, '--big'], confirm);
    expect(big.code).toBe(EXIT.ok);
    expect(asked).toHaveLength(1);
    expect(b.vp.controller.pump.prescription?.name).toBe('ten-fold');
  });

  it('a soft limit passed without --soft: the warning, E123 and --soft, before any question', async () => {
    const b = board();
    const keys = keyFile();
    // A 400 s lockout: under the water library's soft minimum (600 s), over its hard one (300 s).
    const soft = continuous(1_000_000, { name: 'soft', patientBolus: { ...PATIENT, durationMs: 300_000, lockoutMs: 400_000 } });
    const c = b.client();
    c.login('clinician', exampleKey('clinician'));
    c.stage(soft);
    const show = c.send('SHOW');
    if (show.fields['needs'] !== 'soft') throw new Error(`the fixture passes no soft limit: ${show.line}`);
    let asked = 0;
    const r = await pumpctl(b.respond, ['--keys', keys, 'program', rxFile(soft)], async () => {
      asked++;
      return true;
    });
    expect(r.code).toBe(EXIT.refused);
    expect(r.stdout).toMatch(/warning: /);
    expect(r.stderr).toMatch(/E123 SOFT_LIMIT: .*add --soft/);
    expect(asked).toBe(0);
    const ok = await pumpctl(b.respond, ['--keys', keys, 'program', rxFile(soft), '--soft', '--yes']);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toMatch(/soft limits overridden \(--soft\)/);
  });
});
